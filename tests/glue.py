"""Read the values a chapter glued, from the notebook the book build executed.

The build executes each chapter once (into the jupyter-cache, then
``_build/jupyter_execute``); the claim tests read those outputs instead of running the
chapter again.
"""
import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "_build" / "jupyter_execute"


def executed_notebook(docname: str) -> Path:
    path = EXECUTED / f"{docname}.ipynb"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} 이 없습니다. 먼저 책을 빌드하세요 (make book), 또는 "
            f"python tools/run_chapter.py {docname}.md 로 이 장만 실행하세요."
        )
    return path


def glued_values(docname: str) -> dict:
    """``{name: value}`` for every value glued in the executed chapter `docname`."""
    nb = json.loads(executed_notebook(docname).read_text(encoding="utf-8"))
    values = {}
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            data = out["data"]
            if "text/plain" in data and "text/markdown" not in data:
                text = "".join(data["text/plain"])
                try:
                    values[meta["name"]] = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    values[meta["name"]] = text
            else:
                values[meta["name"]] = "".join(data.get("text/markdown", data.get("text/plain", "")))
    return values


def error_outputs(docname: str) -> list[str]:
    """Tracebacks and stderr text left in the executed chapter (should be none)."""
    nb = json.loads(executed_notebook(docname).read_text(encoding="utf-8"))
    found = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(out.get("ename", "error"))
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append("".join(out.get("text", "")))
    return found
