"""Execute chapters as standalone notebooks, the way a reader's fresh kernel would.

    python tools/run_chapter.py book/attention/online_softmax.md [more.md ...] [--repeat 2]
    python tools/run_chapter.py --all --repeat 2      # the benchmark: every chapter, twice
    python tools/run_chapter.py book/x/y.md --gpu-record  # on a lent GPU: record the gpu-scale run

Each chapter is converted from its MyST source with jupytext and executed by nbclient
in a fresh kernel; the executed notebook is written where the book build puts it
(``_build/standalone/<docname>.ipynb``, apart from the book build's outputs); the claim
tests read it with ``MLBOOK_EXECUTED=_build/standalone``. Prints the
wall time and the glued values; with ``--repeat 2`` it also checks that a second
execution glues identical values (times excepted).

A failed run leaves no executed notebook behind (the previous one is deleted first), so
a claim test can never pass against the output of an older, working version.

``--gpu-record`` runs the chapter at ``gpu`` scale (CUDA must be present) and writes its
glued values with the device, date and commit to ``book/data/gpu/<chapter>.json``; the
chapter's claims section shows them beside the CPU values (`mlbook.report.gpu_table`).
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MLBOOK_EXECUTED", "_build/standalone")
from tests.glue import EXECUTED, glued_values  # noqa: E402

# Glued names that are wall times or machine descriptions differ between runs by nature.
VOLATILE_PREFIXES = ("time_", "machine")


def execute(md_path: Path) -> tuple[str, float]:
    docname = md_path.resolve().relative_to(ROOT).with_suffix("").as_posix()
    out = EXECUTED / f"{docname}.ipynb"
    out.unlink(missing_ok=True)
    nb = jupytext.read(md_path)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(md_path.parent)}}).execute()
    seconds = time.perf_counter() - start
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return docname, seconds


def stable(values: dict) -> dict:
    return {k: v for k, v in values.items() if not k.startswith(VOLATILE_PREFIXES)}


def record_gpu_run(md_path: Path) -> Path:
    """Execute `md_path` at gpu scale and write book/data/gpu/<chapter>.json."""
    import torch

    from mlbook.report import GPU_RESULTS, gpu_record

    if not torch.cuda.is_available():
        raise SystemExit("--gpu-record에는 CUDA GPU가 필요합니다.")
    os.environ["MLBOOK_SCALE"] = "gpu"
    docname, seconds = execute(md_path)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    glued = {k: v for k, v in glued_values(docname).items() if isinstance(v, (int, float, str))}
    record = gpu_record(md_path.stem, glued, torch.cuda.get_device_name(0), commit)
    record["seconds"] = round(seconds, 1)
    path = ROOT / GPU_RESULTS / f"{md_path.stem}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{docname}: gpu 규모 {seconds:.1f} s → {path.relative_to(ROOT)}")
    return path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("chapters", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every chapter in book/data/papers.yml")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--gpu-record", action="store_true", help="run at gpu scale, write book/data/gpu/")
    args = parser.parse_args()
    if args.all:
        from tools.sync import chapter_sources
        args.chapters = chapter_sources()
    os.environ.setdefault("MLBOOK_PROGRESS", "0")
    if args.gpu_record:
        for md in args.chapters:
            record_gpu_run(md)
        return 0
    status = 0
    for md in args.chapters:
        runs = []
        for _ in range(args.repeat):
            docname, seconds = execute(md)
            runs.append(stable(glued_values(docname)))
            print(f"{docname}: {seconds:.1f} s")
        if not args.all:
            print(json.dumps(glued_values(docname), ensure_ascii=False, indent=1, default=str)[:4000])
        if any(run != runs[0] for run in runs[1:]):
            print(f"{docname}: 두 번 실행한 결과가 다릅니다")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
