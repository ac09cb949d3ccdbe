"""Execute chapters as standalone notebooks, the way a reader's fresh kernel would.

    python tools/run_chapter.py book/attention/online_softmax.md [more.md ...] [--repeat 2]
    python tools/run_chapter.py --all --repeat 2      # the benchmark: every chapter, twice

Each chapter is converted from its MyST source with jupytext and executed by nbclient
in a fresh kernel; the executed notebook is written where the book build puts it
(``_build/standalone/<docname>.ipynb``, apart from the book build's outputs); the claim
tests read it with ``MLBOOK_EXECUTED=_build/standalone``. Prints the
wall time and the glued values; with ``--repeat 2`` it also checks that a second
execution glues identical values (times excepted).
"""
import argparse
import json
import os
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
    nb = jupytext.read(md_path)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(md_path.parent)}}).execute()
    seconds = time.perf_counter() - start
    out = EXECUTED / f"{docname}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return docname, seconds


def stable(values: dict) -> dict:
    return {k: v for k, v in values.items() if not k.startswith(VOLATILE_PREFIXES)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("chapters", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every chapter in book/data/papers.yml")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.all:
        from tools.sync import chapter_sources
        args.chapters = chapter_sources()
    os.environ.setdefault("MLBOOK_PROGRESS", "0")
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
