"""The notebooks a reader opens in Colab or Binder, or downloads: plain Jupyter Markdown.

tools/colab_notebook.py writes them (through tools/sync.py); these tests read what it wrote,
with patterns of their own, and check the Binder configuration beside them.
"""
import re
from pathlib import Path

import jupytext
import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tools.colab_notebook import ConversionError, Chapter, code_hash

from .conftest import CHAPTERS, CONFIG, ROOT

ROLE = re.compile(r"\{[A-Za-z][\w:-]*\}`")
FENCE = re.compile(r"^\s*(`{3,}|:{3,})\{", re.M)
LABEL = re.compile(r"^\s*\([^()\s]+\)=\s*$", re.M)
GLUE = re.compile(r"\{glue(?::\w+)?\}`([^`]+)`")


def markdown_cells(chapter: str) -> list[str]:
    return [c.source for c in jupytext.read(ROOT / f"{chapter}.ipynb").cells
            if c.cell_type == "markdown"]


def glue_names(chapter: str) -> set[str]:
    """The glued names the chapter's prose shows (``key`` of ``key:.3f``)."""
    source = jupytext.read(ROOT / f"{chapter}.md")
    return {m[1].split(":")[0] for c in source.cells if c.cell_type == "markdown"
            for m in GLUE.finditer(c.source)}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_myst_survives_in_the_notebook(chapter):
    for text in markdown_cells(chapter):
        for pattern in (ROLE, FENCE, LABEL):
            found = pattern.search(text)
            assert not found, f"{chapter}: MyST가 남았습니다: {found[0]!r} in\n{text[:300]}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_glued_number_is_filled_in(chapter):
    stored = jupytext.read(ROOT / f"{chapter}.ipynb").metadata.get("mlbook", {}).get("glued", {})
    missing = glue_names(chapter) - stored.keys()
    assert not missing, (f"{chapter}: 붙인 값이 노트북에 없습니다: {sorted(missing)}. "
                         "`make book` 다음 `make sync`를 실행하세요.")
    assert not any("[값 없음" in text for text in markdown_cells(chapter))
    # The note on where the numbers come from sits once, under the title.
    notes = [t for t in markdown_cells(chapter) if "**본문의 숫자**" in t]
    assert len(notes) == 1 and notes[0].startswith("# ")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_glued_numbers_come_from_the_current_code(chapter):
    """The stored numbers were produced by the chapter's code as it is now."""
    stored = jupytext.read(ROOT / f"{chapter}.ipynb").metadata["mlbook"]["glued_code"]
    assert stored == code_hash(jupytext.read(ROOT / f"{chapter}.md").cells), (
        f"{chapter}: 노트북의 숫자는 지금과 다른 코드가 낸 값입니다. "
        "`make book` 다음 `make sync`를 실행하세요.")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_code_cells_are_the_chapter_code(chapter):
    source = [c.source for c in jupytext.read(ROOT / f"{chapter}.md").cells if c.cell_type == "code"]
    paired = [c.source for c in jupytext.read(ROOT / f"{chapter}.ipynb").cells
              if c.cell_type == "code"]
    assert paired == source


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solutions_are_folded(chapter):
    source = (ROOT / f"{chapter}.md").read_text(encoding="utf-8")
    solutions = len(re.findall(r"^`{3,}\{solution\}", source, flags=re.M))
    text = "\n\n".join(markdown_cells(chapter))
    folded = re.findall(r"<details>\n<summary>풀이 보기</summary>\n\n(.*?)\n\n</details>", text, re.S)
    assert len(folded) == solutions == text.count("<details>")
    # Each solution's text is inside its fold, nowhere else.
    for body in folded:
        assert text.count(body) == 1


def test_conversion_of_each_construct():
    values = {"acc": repr(0.91234), "n": repr(3), "verdict": repr("재현됨"),
              "machine": repr("CPU 2스레드")}
    chapter = Chapter("book/attention/blockbert", values)
    base = CONFIG["html"]["baseurl"]
    source = "\n".join([
        "(sec-x)=",
        "## 재현",
        "",
        "{term}`어텐션`과 {term}`조각 <조각 어텐션>`은 {cite}`rabe2021self`, {cite:t}`dao2022flashattention`,"
        " {cite:p}`milakov2018online,child2019sparse`를 봅니다.",
        "정확도 {glue:text}`acc:.1%`, {glue:text}`n`번, {glue:text}`verdict:s` ({glue:md}`machine`).",
        "{ref}`ch-online-softmax`와 {ref}`앞 장 <ch-memory-efficient-attention>`, {doc}`../../book/papers`.",
        "`x[0]` 같은 코드는 그대로. 판정 {verdict}`partial`.",
        "",
        "````{container} table-cards",
        "| a |",
        "|---|",
        "````",
        "",
        "```{exercise}",
        ":label: ex-a",
        "",
        "문제 본문 $x$.",
        "```",
        "",
        "````{solution} ex-a",
        ":class: dropdown",
        "",
        "풀이 **굵게**.",
        "",
        "```python",
        "print({1: 2})",
        "```",
        "````",
        "",
        "```{note}",
        "메모.",
        "```",
        "",
        ":::{admonition} 제목 {term}`어텐션`",
        "본문",
        ":::",
        "",
        "```{live-demo}",
        "```",
        "",
        "```{math}",
        ":label: eq-a",
        "a = b",
        "```",
        "",
        "$$",
        "c = d",
        "$$ (eq-b)",
    ])
    expected = "\n".join([
        "## 재현",
        "",
        "어텐션과 조각은 ([Rabe & Staats, 2021](https://arxiv.org/abs/2112.05682)), "
        "[Dao 외(2022)](https://arxiv.org/abs/2205.14135),"
        " ([Milakov & Gimelshein, 2018](https://arxiv.org/abs/1805.02867); "
        "[Child 외, 2019](https://arxiv.org/abs/1904.10509))를 봅니다.",
        "정확도 91.2%, 3번, 재현됨 (CPU 2스레드).",
        f"[온라인 소프트맥스: 입력을 한 번 덜 읽어도 안전하다]({base}book/attention/online_softmax.html)와 "
        f"[앞 장]({base}book/attention/memory_efficient_attention.html), "
        f"[논문 목록과 재현 결과]({base}book/papers.html).",
        "`x[0]` 같은 코드는 그대로. 판정 **부분 재현**.",
        "",
        "| a |",
        "|---|",
        "",
        "**연습 문제 1**",
        "",
        "문제 본문 $x$.",
        "",
        "<details>",
        "<summary>풀이 보기</summary>",
        "",
        "풀이 **굵게**.",
        "",
        "```python",
        "print({1: 2})",
        "```",
        "",
        "</details>",
        "",
        "> **참고**",
        ">",
        "> 메모.",
        "",
        "> **제목 어텐션**",
        ">",
        "> 본문",
        "",
        "> **움직이는 그림** 아래 셀을 실행하면 슬라이더로 그림을 바꿀 수 있습니다.",
        "",
        "$$",
        "a = b",
        "$$",
        "",
        "$$",
        "c = d",
        "$$",
    ])
    assert chapter.markdown(source) == expected
    assert chapter.referenced == {"acc", "n", "verdict", "machine"}


@pytest.mark.parametrize("source", [
    "```{figure} a.png\n```",            # a directive nobody converts
    "{abbr}`ML (machine learning)`",      # a role nobody converts
    "{cite}`nobody2099`",                 # a key missing from references.bib
    "{ref}`no-such-label`",
])
def test_unconvertible_myst_fails_loudly(source):
    with pytest.raises(ConversionError):
        Chapter("book/attention/blockbert", {}).markdown(source)


def test_cross_references_point_to_the_published_book():
    owner, repo = CONFIG["repository"]["url"].removeprefix("https://github.com/").split("/")
    assert CONFIG["html"]["baseurl"] == f"https://{owner}.github.io/{repo}/"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_download_button_serves_the_paired_notebook(html_dir, chapter):
    served = html_dir / "_sources" / f"{chapter}.ipynb"
    assert served.read_bytes() == (ROOT / f"{chapter}.ipynb").read_bytes()


def requirement_lines(path: Path) -> list[str]:
    lines = [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line]


def test_binder_installs_the_book_requirements_with_cpu_torch():
    """binder/ (which repo2docker reads instead of the root files) = root requirements + CPU torch."""
    binder = requirement_lines(ROOT / "binder" / "requirements.txt")
    assert "-r ../requirements.txt" in binder, "Binder가 책의 requirements.txt를 그대로 설치해야 합니다"
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in binder
    pins = [Requirement(line) for line in binder if not line.startswith("-")]
    assert [p.name for p in pins] == ["torch"], "torch 말고는 책의 requirements.txt에서 옵니다"
    (pinned,) = pins[0].specifier
    version = Version(pinned.version)
    assert pinned.operator == "==" and version.local == "cpu"
    root = next(Requirement(line) for line in requirement_lines(ROOT / "requirements.txt")
                if line.startswith("torch"))
    assert version in root.specifier
    # The torch the setup installs (Makefile), so Binder runs what the book was built with.
    make_pin = re.search(r"pip install -q torch==(\S+)", (ROOT / "Makefile").read_text())[1]
    assert version.public == make_pin
    # Binder ignores the root runtime.txt once binder/ exists.
    assert (ROOT / "binder" / "runtime.txt").read_text() == (ROOT / "runtime.txt").read_text()
    assert "-e ." in requirement_lines(ROOT / "requirements.txt"), "mlbook 패키지가 설치되어야 합니다"
    assert not (ROOT / ".binder").exists(), "repo2docker는 binder/와 .binder/가 함께 있으면 멈춥니다"

