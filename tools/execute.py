"""Execute every notebook of the book into its jupyter-cache, both cores busy.

    python tools/execute.py

Jupyter Book 1 executes notebooks one after another. This script fills the same cache
(``_build/.jupyter_cache``, ``execute_notebooks: cache``) with a process per core first,
so the HTML build that follows only reads results. Notebooks whose code did not change
since the last run are cache hits and are not executed again. Each kernel uses one torch
thread (set by `mlbook` on import), so two kernels share the two cores without
oversubscription.

Fails when a notebook raises, or when a chapter runs longer than the budget; writes the
per-notebook times to ``_build/execution_times.json``.
"""
import json
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"
TIMES = ROOT / "_build" / "execution_times.json"
BUDGET_SECONDS = 60  # per chapter on the 2-core CPU (DEVELOPERS.md)
TIMEOUT_SECONDS = 120  # the same as execute.timeout in _config.yml
READER = {"name": "myst_nb_md", "type": "plugin"}


def book_notebooks() -> list[Path]:
    """Every MyST notebook in the table of contents (chapters and the status page)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    found = []
    for name in files:
        path = ROOT / f"{name}.md"
        head = path.read_text(encoding="utf-8")[:600]
        if "kernelspec:" in head:
            found.append(path)
    return found


def main() -> int:
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    cache = get_cache(str(CACHE))
    notebooks = book_notebooks()
    wanted = {str(p) for p in notebooks}
    for record in cache.list_project_records():
        if record.uri not in wanted:
            cache.remove_nb_from_project(record.uri)
    for path in notebooks:
        cache.add_nb_to_project(str(path), read_data=READER)

    start = time.perf_counter()
    executor = load_executor("local-parallel", cache=cache)
    result = executor.run_and_cache(timeout=TIMEOUT_SECONDS, allow_errors=False)
    wall = time.perf_counter() - start

    failed = result.excepted + result.errored
    for uri in failed:
        record = next(r for r in cache.list_project_records() if r.uri == uri)
        print(f"\n실행 실패: {uri}\n{record.traceback}", file=sys.stderr)

    times, over = {}, []
    for path in notebooks:
        name = path.relative_to(ROOT).as_posix()
        try:
            seconds = cache.get_cached_project_nb(str(path)).data.get("execution_seconds")
        except KeyError:
            seconds = None
        fresh = str(path) in result.succeeded
        times[name] = {"seconds": seconds, "executed_now": fresh}
        if seconds is not None and seconds > BUDGET_SECONDS and fresh:
            over.append(name)
        shown = "실패" if seconds is None else f"{seconds:6.1f} s"
        print(f"{shown}  {'실행' if fresh else '캐시'}  {name}")
    print(f"실행 {len(result.succeeded)}편, 캐시 {len(notebooks) - len(result.all())}편, "
          f"실패 {len(failed)}편, 벽시계 {wall:.1f} s")
    TIMES.parent.mkdir(parents=True, exist_ok=True)
    TIMES.write_text(json.dumps({"wall_seconds": wall, "notebooks": times}, indent=1))
    for name in over:
        print(f"예산 초과: {name} ({times[name]['seconds']:.1f} s > {BUDGET_SECONDS} s)", file=sys.stderr)
    return 1 if (failed or over) else 0


if __name__ == "__main__":
    sys.exit(main())
