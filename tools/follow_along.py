"""Follow-along notebooks: the chapter's notebook with its key functions left to write.

A chapter tags one or two code cells ``study-blank``; those cells define the functions a
study participant should implement. In ``<slug>.follow.ipynb`` (beside the chapter, made by
``tools/sync.py`` from the Colab notebook) every top-level function of those cells keeps
its signature and docstring, and its body becomes ``raise NotImplementedError``. The
chapter's own checks (the ``assert`` cells after the definitions) then grade the
participant's version: run top to bottom, the notebook stops at the first check with
``NotImplementedError`` until the blanks are filled.
"""
import ast
import json

TAG = "study-blank"
MAX_BLANKS = 2
STUB = 'raise NotImplementedError("직접 구현해 보세요")'
NOTE = ("> **따라치기 노트북** `직접 구현해 보세요`라고 적힌 함수의 본문을 채우세요. "
        "바로 뒤의 확인 셀이 여러분의 구현을 책의 결과와 비교합니다.")


class BlankError(ValueError):
    pass


def blank_functions(source: str) -> str:
    """`source` with the body of every top-level function replaced by the stub."""
    tree = ast.parse(source)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    if not functions:
        raise BlankError("study-blank 셀에는 참가자가 구현할 함수가 있어야 합니다")
    lines = source.split("\n")
    for fn in reversed(functions):
        body = fn.body
        has_doc = isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str)
        if has_doc and len(body) == 1:
            raise BlankError(f"{fn.name}: 본문이 docstring뿐입니다")
        first = body[1] if has_doc else body[0]
        indent = " " * first.col_offset
        lines[first.lineno - 1:fn.end_lineno] = [indent + STUB]
    return "\n".join(lines)


def follow_along_text(notebook_text: str) -> str | None:
    """The follow-along notebook for a converted chapter notebook, or None without blanks."""
    nb = json.loads(notebook_text)
    blanks = [c for c in nb["cells"] if c["cell_type"] == "code" and TAG in c.get("metadata", {}).get("tags", [])]
    if not blanks:
        return None
    if len(blanks) > MAX_BLANKS:
        raise BlankError(f"빈칸 셀은 {MAX_BLANKS}개까지입니다 ({len(blanks)}개)")
    for cell in blanks:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        cell["source"] = blank_functions(source)
    title = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    title["source"] = ("".join(title["source"]) if isinstance(title["source"], list) else title["source"]) \
        + "\n\n" + NOTE
    return json.dumps(nb, ensure_ascii=False, indent=1) + "\n"
