"""Read the values a chapter glued, from the notebook the book build executed.

The build executes each chapter once (into the jupyter-cache); the HTML build writes the
executed notebook to ``_build/jupyter_execute/<docname>.ipynb`` and moves its glued
outputs to ``<docname>.glue.json`` beside it. ``tools/run_chapter.py`` writes its
notebooks, glued outputs inside, to ``_build/standalone/``. The claim tests read the
build's unless MLBOOK_EXECUTED says otherwise; they never run a chapter themselves.
"""
import ast
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# MLBOOK_EXECUTED=_build/standalone reads what tools/run_chapter.py executed instead.
EXECUTED = ROOT / os.environ.get("MLBOOK_EXECUTED", "_build/jupyter_execute")


def executed_notebook(docname: str) -> Path:
    """The executed notebook of `docname`; refuses one older than the chapter's source,
    which would be the output of an earlier version (e.g. after a failed run)."""
    path = EXECUTED / f"{docname}.ipynb"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} 이 없습니다. 먼저 책을 빌드하세요 (make book), 또는 "
            f"python tools/run_chapter.py {docname}.md 로 이 장만 실행하세요."
        )
    source = ROOT / f"{docname}.md"
    if source.exists() and source.stat().st_mtime > path.stat().st_mtime:
        raise RuntimeError(f"{path} 가 원본 {source.name}보다 오래되었습니다: 이 장을 다시 실행하세요.")
    return path


def _value(output: dict):
    """The Python value of one glue output (a display_data with scrapbook metadata)."""
    # myst-nb stores glued data under prefixed mime types, so they do not render where
    # they are computed: strip the prefix to read them back.
    prefix = output["metadata"]["scrapbook"].get("mime_prefix", "")
    data = {k.removeprefix(prefix): v for k, v in output["data"].items()}
    if "text/markdown" in data:
        return "".join(data["text/markdown"])
    text = "".join(data.get("text/plain", ""))
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def glued_values(docname: str) -> dict:
    """``{name: value}`` for every value glued in the executed chapter `docname`."""
    notebook = executed_notebook(docname)
    moved = notebook.with_suffix(".glue.json")
    if moved.exists():
        outputs = json.loads(moved.read_text(encoding="utf-8")).values()
    else:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        outputs = [o for c in cells for o in c.get("outputs", [])
                   if o.get("metadata", {}).get("scrapbook")]
    return {o["metadata"]["scrapbook"]["name"]: _value(o) for o in outputs}


def executed_cells(docname: str) -> list[dict]:
    """The executed chapter's cells with their outputs.

    The book build (myst-nb in cache mode) writes ``_build/jupyter_execute/<docname>.ipynb``
    without outputs: they stay in the jupyter-cache, matched to the chapter's current code.
    A standalone run (MLBOOK_EXECUTED=_build/standalone) writes them into the notebook.
    """
    cells = json.loads(executed_notebook(docname).read_text(encoding="utf-8"))["cells"]
    if any(c.get("outputs") for c in cells):
        return cells
    from jupyter_cache import get_cache

    cache = get_cache(str(ROOT / "_build" / ".jupyter_cache"))
    record = cache.get_cached_project_nb(str(ROOT / f"{docname}.md"))
    if record is None:
        raise RuntimeError(f"{docname}: jupyter-cache에 지금 코드의 실행 결과가 없습니다. `make book`을 실행하세요.")
    return [dict(c) for c in cache.get_cache_bundle(record.pk).nb.cells]


def error_outputs(docname: str) -> list[str]:
    """Tracebacks and stderr text left in the executed chapter (should be none)."""
    found = []
    for cell in executed_cells(docname):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(out.get("ename", "error"))
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append("".join(out.get("text", "")))
    return found
