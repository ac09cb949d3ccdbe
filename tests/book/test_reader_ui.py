"""The book as a reader meets it: verdict badges, the Korean interface, offline math, unique ids.

Most tests read the built HTML (`make book` first); the browser tests load pages in headless
Chromium with every host unresolvable, as a reader offline would.
"""
import html as htmlmod
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.browser import dump_dom

from .conftest import CHAPTERS, CONFIG, PAPERS, ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from mlbook.report import VERDICTS  # noqa: E402

CARD_LABEL = re.compile(r'<span class="card-label">(?:<span[^>]*>[^<]*</span>|[^<])*</span>')
BADGE = re.compile(r'<span class="(?:pasted-text )?verdict verdict-(\w+)">([^<]*)</span>')


def pages(html_dir):
    # _shot_ and _probe_ pages are other tests' temporary files (screenshots, slide measuring);
    # under pytest -n 2 they may exist, half written, while this test walks the tree.
    return sorted(p for p in html_dir.rglob("*.html") if not p.name.startswith(("_shot_", "_probe_")))


def read(html_dir, docname):
    return (html_dir / f"{docname}.html").read_text(encoding="utf-8")


def without_code(html: str) -> str:
    """The page without scripts, styles and code (which may hold any English)."""
    for pattern in (r"<script.*?</script>", r"<style.*?</style>", r'<div class="highlight.*?</pre>',
                    r"<code.*?</code>", r'<div class="cell_output.*?</div>\s*</div>'):
        html = re.sub(pattern, "", html, flags=re.S)
    return html


def visible_text(html: str) -> str:
    return htmlmod.unescape(re.sub(r"<[^>]+>", " ", without_code(html)))


def attribute_texts(html: str) -> list[str]:
    html = without_code(html)
    return [htmlmod.unescape(v) for v in re.findall(
        r'\s(?:title|aria-label|placeholder|alt|data-tooltip|data-bs-title)="([^"]*)"', html)]


def claims_tables(html: str) -> list[str]:
    """The tables whose body cells hold a verdict badge, without the cells' card labels."""
    tables = [CARD_LABEL.sub("", t) for t in re.findall(r"<table.*?</table>", html, flags=re.S)]
    return [t for t in tables if BADGE.search(t.split("<tbody>")[-1])]


# 1. Verdicts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_verdict_in_a_claims_table_is_a_badge(html_dir, chapter):
    html = read(html_dir, chapter)
    tables = claims_tables(html)
    assert tables, "주장 대 결과 표에 판정 배지가 없습니다"
    for table in tables:
        for cell in re.findall(r"<td.*?</td>", table, flags=re.S):
            text = re.sub(r"<[^>]+>", "", cell).strip()
            if text in VERDICTS.values():
                assert BADGE.search(cell), f"배지가 아닌 판정: {cell}"
        for key, label in BADGE.findall(table):
            assert VERDICTS[key] == label


def test_paper_index_shows_each_headline_verdict_as_the_same_badge(html_dir):
    html = read(html_dir, "book/papers")
    headline = next(t for t in claims_tables(html) if "대표 주장" in t)
    assert len(re.findall(r'class="pasted-text verdict verdict-', headline)) == len(CHAPTERS)
    assert len(BADGE.findall(headline)) == len(CHAPTERS)


def test_badges_never_break_and_have_a_colour_in_both_modes(html_dir):
    css = (html_dir / "_static" / "ko.css").read_text(encoding="utf-8")
    badge = css[css.index(".verdict {"):]
    assert "white-space: nowrap" in badge[:badge.index("}")]
    for key in VERDICTS:
        assert f".verdict-{key} {{" in css
        assert css.count(f"--verdict-{key}-bg:") == 2, "밝은 모드와 어두운 모드 색이 모두 있어야 합니다"


def test_verdict_summary_counts_every_claim_of_each_part(html_dir):
    """The summary (from glued verdicts) agrees with the badges in the chapters' own tables."""
    html = read(html_dir, "book/papers")
    summary = re.search(r'<table class="verdict-summary.*?</table>', html, flags=re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr.*?</tr>", summary.split("<tbody>")[1], flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", CARD_LABEL.sub("", c)).strip()
                 for c in re.findall(r"<td.*?</td>", row, flags=re.S)]
        rows[cells[0]] = [int(c) for c in cells[1:]]
    expected_parts = Counter()
    total = Counter()
    parts_seen = []
    for paper in PAPERS:
        if not paper.get("chapter"):
            continue
        badges = [key for t in claims_tables(read(html_dir, paper["chapter"])) for key, _ in BADGE.findall(t)]
        for key in badges:
            expected_parts[(paper["part"], key)] += 1
            total[key] += 1
        if paper["part"] not in parts_seen:
            parts_seen.append(paper["part"])
    titles = [t for t in rows if t != "합계"]
    assert len(titles) == len(parts_seen)
    for title, part in zip(titles, parts_seen):
        assert rows[title][:-1] == [expected_parts[(part, key)] for key in VERDICTS], title
        assert rows[title][-1] == sum(rows[title][:-1])
    assert rows["합계"][:-1] == [total[key] for key in VERDICTS]
    assert rows["합계"][-1] > 0


# 2. Status page ------------------------------------------------------------------------------

def test_status_page_is_korean_without_emoji_or_launch_buttons(html_dir):
    html = read(html_dir, "book/status")
    table = re.search(r'<table class="exec-stats.*?</table>', html, flags=re.S).group(0)
    head = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th.*?</th>", table, flags=re.S)]
    assert head == ["장", "실행 방식", "실행 시각", "걸린 시간(초)", "결과"]
    assert not re.search("[\u2600-\u27bf\U0001F300-\U0001FAFF]", visible_text(html)), "이모지가 있습니다"
    assert "성공" in table and "cache" not in visible_text(table)
    assert "colab.research.google.com" not in html and "mybinder.org" not in html


def test_a_chapter_over_budget_is_marked():
    import ko_ui

    class Env:
        docname = "book/status"
        titles = {}

    budget = ko_ui.budget_seconds()
    slow = ko_ui.status_row(Env, "book/x", {"runtime": budget + 6, "succeeded": True, "method": "cache",
                                            "mtime": 0}, budget)
    quick = ko_ui.status_row(Env, "book/y", {"runtime": budget - 6, "succeeded": True, "method": "cache",
                                             "mtime": 0}, budget)
    assert "over-budget" in slow["classes"] and ko_ui.OVER_BUDGET in slow.astext()
    assert "over-budget" not in quick["classes"] and ko_ui.OVER_BUDGET not in quick.astext()


# 4. Line breaking -----------------------------------------------------------------------------

def test_korean_breaks_between_eojeol_only(html_dir):
    css = (html_dir / "_static" / "ko.css").read_text(encoding="utf-8")
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert "overflow-wrap: anywhere" not in rules and "word-break: break-all" not in rules
    body = rules[rules.index('html[lang="ko"] body'):]
    assert "word-break: keep-all" in body[:body.index("}")]


# 5. Korean interface ---------------------------------------------------------------------------

ENGLISH_PHRASES = [
    "Show code cell", "Hide code cell", "Copy to clipboard", "Skip to main content", "Back to top",
    "Open issue", "Open an issue", "Copyright", "Link to this", "Toggle", "Color mode", "System Settings",
    "Site navigation", "Section Navigation", "On this page", "Launch", "Print to PDF", "Fullscreen",
    "Download source", "Download notebook", "Version warning", "Source repositories", "Collapse Sidebar",
    "Expand Sidebar", "Search Results", "Your issue content", "Issue on page", "Issue%20on%20page",
]
ENGLISH_WORDS = {"Repository", "Search", "Light", "Dark", "Main", "Page", "next", "previous",
                 "Contents", "Copy", "Copied!", "cache", "Document", "Status", "Modified", "Method"}


def test_no_english_interface_strings_on_any_page(html_dir):
    found = []
    for path in pages(html_dir):
        html = path.read_text(encoding="utf-8")
        name = path.relative_to(html_dir).as_posix()
        texts = [visible_text(html)] + attribute_texts(html) + re.findall(r'href="([^"]*issues/new[^"]*)"', html)
        for phrase in ENGLISH_PHRASES:
            if any(phrase in t for t in texts):
                found.append(f"{name}: {phrase}")
        words = {t.strip() for t in re.findall(r">([^<>]+)<", without_code(html))} | set(attribute_texts(html))
        found += [f"{name}: {w}" for w in sorted(words & ENGLISH_WORDS)]
    assert not found, "영어 UI 문자열: " + "; ".join(found[:20])


# 6, 7. Nothing from a CDN ---------------------------------------------------------------------

def test_no_page_loads_a_script_or_style_from_the_internet(html_dir):
    for path in pages(html_dir):
        html = path.read_text(encoding="utf-8")
        remote = re.findall(r'<script[^>]*\ssrc="(https?:[^"]*)"', html)
        # a link that loads something (stylesheet, preload, icon); rel="canonical" only names the page
        remote += [href for tag, href in re.findall(r'(<link[^>]*\shref="(https?:[^"]*)"[^>]*>)', html)
                   if 'rel="canonical"' not in tag]
        assert not remote, f"{path.name}: {remote}"
        scripts = re.findall(r'<script[^>]*\ssrc="([^"]*)"', html)
        assert not [s for s in scripts if re.search(r"require|html-manager|embed-amd|jupyter-widgets", s)]


def test_mathjax_is_served_from_the_book(html_dir):
    html = read(html_dir, "book/glossary")
    assert re.search(r'<script[^>]*src="../_static/mathjax/tex-svg.js', html)
    assert (html_dir / "_static" / "mathjax" / "tex-svg.js").stat().st_size > 1_000_000
    assert (html_dir / "_static" / "mathjax" / "input" / "tex" / "extensions" / "boldsymbol.js").exists()


def offline_dom(page: Path, width: int = 1280) -> str:
    """The page's DOM after its scripts ran, in headless Chromium that can resolve no host."""
    return dump_dom(page.as_uri(), size=(width, 900), budget_ms=20000, offline=True)


@pytest.mark.parametrize("docname", ["book/attention/online_softmax", "book/glossary"])
def test_math_is_typeset_offline(html_dir, docname):
    dom = offline_dom(html_dir / f"{docname}.html")
    assert "<mjx-container" in dom, "MathJax가 수식을 그리지 않았습니다"
    article = dom[dom.find("<article"):dom.rfind("</article>")]
    text = visible_text(article)
    assert "\\(" not in text and "\\[" not in text, "그려지지 않은 수식이 남았습니다"


# 5 (JS). Copy button and figure links, as the browser shows them -------------------------------

def test_copy_button_is_korean_and_figures_open_full_size(html_dir):
    chapter = html_dir / f"{CHAPTERS[0]}.html"
    assert "ko-ui.js" in chapter.read_text(encoding="utf-8")
    dom = offline_dom(chapter)
    tooltips = re.findall(r'class="copybtn[^"]*"[^>]*data-tooltip="([^"]*)"', dom)
    assert tooltips and set(tooltips) == {"복사"}
    assert re.search(r"<title>클립보드에 복사</title>", dom), "복사 버튼의 설명이 한국어가 아닙니다"
    # Sphinx links an image given a width (every retina figure from mlbook.plot) to its file:
    # a click opens the full-size PNG.
    links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*><img[^>]*src="([^"]+)"', dom)
    links = [(href, src) for href, src in links if "_images/" in src]
    assert links and all(href == src and href.endswith(".png") for href, src in links)


# 8. Bibliography ------------------------------------------------------------------------------

def test_bibliography_and_citations_use_one_author_year_style(html_dir):
    labels = re.findall(r'<span class="label"><span class="fn-bracket">\[</span>([^<]*)<',
                        read(html_dir, "book/bibliography"))
    assert labels and all(re.fullmatch(r"\S.*, \d{4}[a-z]?", label) for label in labels), labels[:5]
    cited = set()
    for chapter in CHAPTERS:
        for text in re.findall(r'href="[^"]*bibliography\.html#[^"]*"[^>]*>(.*?)</a>', read(html_dir, chapter)):
            # A two-word surname ("De Min") is joined by a no-break space in the text, a space in the list.
            cited.add(re.sub(r"<[^>]+>", "", text).replace("\xa0", " "))
    assert cited and cited <= set(labels), sorted(cited - set(labels))


# 9. Ids -----------------------------------------------------------------------------------------

def test_ids_are_unique_in_every_page(html_dir):
    for path in pages(html_dir):
        ids = Counter(re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8")))
        repeated = [i for i, n in ids.items() if n > 1]
        assert not repeated, f"{path.relative_to(html_dir)}: {repeated}"


# 7. The live-demo box --------------------------------------------------------------------------

def test_live_demo_box_links_to_the_same_notebook_as_the_launch_buttons(html_dir, tmp_path):
    from sphinx.application import Sphinx

    chapter = CHAPTERS[0]
    src = tmp_path / "src"
    (src / Path(chapter).parent).mkdir(parents=True)
    (src / f"{chapter}.md").write_text("# 장\n\n```{live-demo}\n```\n", encoding="utf-8")
    (src / "index.md").write_text(f"# 책\n\n```{{toctree}}\n{chapter}\n```\n", encoding="utf-8")
    repo = CONFIG["repository"]
    theme_options = {"repository_url": repo["url"], "repository_branch": repo["branch"],
                     "path_to_docs": repo.get("path_to_book", ""),
                     "launch_buttons": {k: v for k, v in CONFIG["launch_buttons"].items() if k != "thebe"}}
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['myst_parser', 'live_demo']\nhtml_theme = 'sphinx_book_theme'\n"
        f"html_theme_options = {theme_options!r}\nlanguage = 'ko'\n", encoding="utf-8")
    app = Sphinx(str(src), str(src), str(tmp_path / "out"), str(tmp_path / "doctrees"), "html",
                 status=None, warningiserror=True)
    app.build()
    demo = (tmp_path / "out" / f"{chapter}.html").read_text(encoding="utf-8")
    box = demo[demo.index("live-demo"):]
    assert "이 그림은 Colab·Binder에서 움직일 수 있습니다" in box and "기본 설정" in box
    links = re.findall(r'<a class="[^"]*live-demo-link[^"]*" href="([^"]+)"', box)
    launch = read(html_dir, chapter)
    colab = next(u for u in links if "colab" in u)
    binder = next(u for u in links if "mybinder" in u)
    assert colab.endswith(f"/{chapter}.ipynb") and f'href="{colab}"' in launch
    assert f"urlpath=lab/tree/{chapter}.ipynb" in binder and f'href="{htmlmod.escape(binder)}"' in launch
