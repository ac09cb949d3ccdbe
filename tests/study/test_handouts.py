"""Handouts: every chapter page printed on A4 (tools/print_handouts.py), read back with pypdf."""
import json
import re

import jupytext
import pypdf
import pytest
import yaml

from tests.book.test_reader_ui import ENGLISH_PHRASES
from tests.glue import glued_values

from ..book.conftest import CHAPTERS, HTML, ROOT

PAPERS = {p["chapter"]: p for p in yaml.safe_load((ROOT / "book" / "data" / "papers.yml").read_text(
    encoding="utf-8"))["papers"] if p.get("chapter")}
MAX_PAGES = 4


def squeeze(text: str) -> str:
    """Text without spaces, quotes and markup (Sphinx curls quotes; PDF text breaks lines)."""
    return re.sub(r"[\s*_`\"'“”‘’]+", "", text)


def key_phrase(text: str) -> str:
    """The longest plain stretch of a question (no math, roles or links: they print otherwise),
    at most 16 characters: enough to identify it."""
    plain = re.split(r"\$[^$]*\$|\{[a-z:-]+\}`[^`]*`|\[[^\]]*\]\([^)]*\)", text)
    return squeeze(max(plain, key=lambda part: len(squeeze(part))))[:16]


def discussion_questions(chapter) -> list[str]:
    source = (ROOT / f"{chapter}.md").read_text(encoding="utf-8")
    block = source.split("### 토론 질문", 1)[1].split("###", 1)[0]
    return re.findall(r"^\d+\.\s+(.+)$", block, flags=re.M)


@pytest.fixture(scope="module")
def handouts():
    found = {}
    for chapter in CHAPTERS:
        path = HTML / "handouts" / f"{chapter.rsplit('/', 1)[1]}.pdf"
        if not path.exists():
            pytest.fail(f"{path} 가 없습니다: `make handouts`")
        reader = pypdf.PdfReader(path)
        fonts = {str(f.get_object().get("/BaseFont")) for page in reader.pages
                 for f in page.get("/Resources", {}).get("/Font", {}).values()}
        found[chapter] = (len(reader.pages), "\n".join(p.extract_text() for p in reader.pages), fonts)
    return found


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_handout_fits_four_a4_pages_in_a_hangul_font(handouts, chapter):
    pages, _, fonts = handouts[chapter]
    assert pages <= MAX_PAGES, f"{chapter}: {pages}쪽"
    assert any("Nanum" in f for f in fonts), f"한글 글꼴이 없습니다: {fonts}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_handout_carries_the_paper_verdict_and_questions(handouts, chapter):
    _, text, _ = handouts[chapter]
    flat = squeeze(text)
    title = PAPERS[chapter]["title"].split(":")[0] if ":" in PAPERS[chapter]["title"] else PAPERS[chapter]["title"]
    assert squeeze(title)[:30] in flat
    assert squeeze(glued_values(chapter)["headline_verdict"]) in flat
    for question in discussion_questions(chapter):
        assert key_phrase(question) in flat, f"토론 질문이 빠졌습니다: {question[:40]}"
    quiz = glued_values(chapter).get("quiz")
    for q in json.loads(quiz) if quiz else []:
        assert key_phrase(q["question"]) in flat, f"퀴즈 문제가 빠졌습니다: {q['question'][:40]}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_handout_has_no_code_markup_or_english_interface(handouts, chapter):
    _, text, _ = handouts[chapter]
    assert "{glue" not in text and "\\(" not in text and "\\[" not in text
    code = [c.source.splitlines()[0] for c in jupytext.read(ROOT / f"{chapter}.md").cells
            if c.cell_type == "code" and c.source.strip() and len(c.source.splitlines()[0]) > 25]
    assert not [line for line in code if squeeze(line) in squeeze(text)], "코드가 인쇄되었습니다"
    assert not [p for p in ENGLISH_PHRASES if p in text]
