"""The built HTML book: every chapter present, executed cleanly, launchable and complete."""
import re

import pytest

from .conftest import CHAPTERS, CONFIG, PAPERS, SECTIONS

VERDICT_WORDS = ("재현됨", "부분 재현", "재현 안 됨")


def page(html_dir, docname):
    path = html_dir / f"{docname}.html"
    assert path.exists(), f"{path} 가 빌드되지 않았습니다"
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("docname", ["book/intro", "book/guide/how_to_use", "book/study/guide",
                                     "book/papers", "book/glossary", "book/bibliography", "book/status"])
def test_front_and_back_pages_exist(html_dir, docname):
    assert 'lang="ko"' in page(html_dir, docname)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_is_complete(html_dir, chapter):
    html = page(html_dir, chapter)
    article = html[html.find("<article"):html.rfind("</article>")]
    h2 = [re.sub(r"<[^>]+>|#", "", h).strip() for h in re.findall(r"<h2>(.*?)</h2>", article, flags=re.S)]
    assert [re.sub(r"^[\d.]+\s*", "", h) for h in h2] == SECTIONS
    assert "<img" in html, "그림이 없습니다"
    assert "Traceback" not in html and "output stderr" not in html and "output error" not in html
    assert not re.search(r"Glyph \d+ .*missing", html), "그림에 빠진 글자가 있습니다"
    assert any(word in html for word in VERDICT_WORDS)
    assert "solution dropdown" in html or "dropdown" in html


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_launch_buttons_open_the_paired_notebook(html_dir, chapter):
    html = page(html_dir, chapter)
    repo = CONFIG["repository"]["url"].removeprefix("https://github.com/")
    assert f"colab.research.google.com/github/{repo}/blob/main/{chapter}.ipynb" in html
    assert f"mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/{chapter}.ipynb" in html
    name = chapter.rsplit("/", 1)[1]
    assert re.search(rf'href="[^"]*_sources/{chapter}\.ipynb"', html), "ipynb 내려받기 링크가 없습니다"
    assert (html_dir / "_sources" / f"{chapter}.ipynb").exists(), name


def test_paper_index_lists_every_paper_and_every_result(html_dir):
    html = page(html_dir, "book/papers")
    for p in PAPERS:
        assert f"https://arxiv.org/abs/{p['arxiv']}" in html
    # One headline verdict per chapter; a report's headline (AI consciousness) can be "재지 않음".
    table_verdicts = re.findall(r'class="pasted-text verdict verdict-\w+">(재현됨|부분 재현|재현 안 됨|재지 않음)<', html)
    assert len(table_verdicts) == len(CHAPTERS)


def test_execution_statistics_table_lists_every_chapter(html_dir):
    html = page(html_dir, "book/status")
    for chapter in CHAPTERS:
        assert f'href="{chapter.removeprefix("book/")}.html"' in html


def test_korean_web_font_and_line_breaking_are_shipped(html_dir):
    css = (html_dir / "_static" / "ko.css").read_text(encoding="utf-8")
    assert "word-break: keep-all" in css and "unicode-range" in css
    for weight in ("NanumGothic", "NanumGothicBold"):
        assert (html_dir / "_static" / "fonts" / f"{weight}-hangul.woff2").stat().st_size > 100_000
