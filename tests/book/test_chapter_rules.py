"""Rules every chapter follows, read from its source and its executed notebook.

Figures: each one is legible in the book's column (the measurement `mlbook.plot` stores
in the image's metadata), and each has a Korean alt text. Widgets: none runs in the book
build (no dead sliders in the HTML, no nbclient stall after comm traffic); a `live-demo`
box points to Colab·Binder instead. Claims: the table's code is folded, the table is not.
"""
import re

import jupytext
import pytest

from mlbook.plot import MIN_TEXT_PX
from tests.glue import executed_cells

from .conftest import CHAPTERS, ROOT

HANGUL = re.compile(r"[가-힣]")
WIDGET_CALL = re.compile(r"\bwidgets\.(interact|interactive|interact_manual)\(|\binteract\(")


def source_cells(chapter):
    return jupytext.read(ROOT / f"{chapter}.md").cells


def image_cells(chapter):
    """(cell metadata, image/png metadata) for every PNG the executed chapter shows."""
    for cell in executed_cells(chapter):
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}) and not out.get("metadata", {}).get("scrapbook"):
                yield cell.get("metadata", {}), out.get("metadata", {}).get("image/png", {})


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_figure_is_legible_in_the_column(chapter):
    figures = list(image_cells(chapter))
    assert figures, f"{chapter}: 그림이 없습니다"
    for _, meta in figures:
        measured = meta.get("mlbook")
        assert measured, "그림이 mlbook.plot을 거치지 않았습니다 (use_korean_style() 뒤에 plt.show())"
        assert measured["smallest_text_px"] >= MIN_TEXT_PX, (
            f"{chapter}: 가장 작은 글자가 {measured['smallest_text_px']} px입니다 (기준 {MIN_TEXT_PX} px)")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_figure_has_a_korean_alt_text(chapter):
    for cell_meta, _ in image_cells(chapter):
        alt = cell_meta.get("mystnb", {}).get("image", {}).get("alt", "")
        assert HANGUL.search(alt), f"{chapter}: 대체 텍스트가 없는 그림 셀이 있습니다"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_widgets_run_only_in_a_live_kernel(chapter):
    cells = source_cells(chapter)
    widget_cells = [i for i, c in enumerate(cells) if c.cell_type == "code" and WIDGET_CALL.search(c.source)]
    assert widget_cells, f"{chapter}: 직접 해보기에 위젯이 없습니다"
    for i in widget_cells:
        assert "skip-execution" in cells[i].metadata.get("tags", []), \
            f"{chapter}: 위젯 셀은 빌드에서 실행하지 않습니다 (skip-execution)"
        before = cells[i - 1]
        assert before.cell_type == "markdown" and "```{live-demo}" in before.source, \
            f"{chapter}: 위젯 셀 바로 앞에 live-demo 상자가 있어야 합니다"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_claims_table_shows_without_its_code(chapter):
    cells = [c for c in source_cells(chapter) if c.cell_type == "code" and "report_claims(" in c.source]
    assert len(cells) == 1
    assert {"hide-input", "remove-input"} & set(cells[0].metadata.get("tags", []))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_claims_test_names_the_bugs_it_catches(chapter):
    """The claims test's docstring lists at least two plausible bugs in the key algorithm
    under a line "Plausible bugs this test catches:"; each was tried and made a test fail."""
    import ast

    path = ROOT / "tests" / "chapters" / f"test_{chapter.rsplit('/', 1)[1]}.py"
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    head, _, bugs = doc.partition("Plausible bugs this test catches:")
    assert bugs, f"{path.name}: docstring에 'Plausible bugs this test catches:' 목록이 없습니다"
    assert len(re.findall(r"^\s*- ", bugs, flags=re.M)) >= 2


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_shows_its_gpu_scale_run_or_says_it_is_missing(chapter):
    text = (ROOT / f"{chapter}.md").read_text(encoding="utf-8")
    slug = chapter.rsplit("/", 1)[1]
    assert f'gpu_table("{slug}"' in text
