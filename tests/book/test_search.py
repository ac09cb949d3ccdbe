"""Korean search: a stem finds pages where it only occurs with a particle, and two-syllable
queries work — in the built index and in a real browser (headless Chromium)."""
import functools
import http.server
import json
import re
import shutil
import socketserver
import subprocess
import sys
import threading
from html import unescape
from pathlib import Path

import pytest

from tests.browser import dump_dom

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from ko_search import HANGUL, HANGUL_RUN, JS_SPLITTER, KoreanSearch  # noqa: E402

QUERIES = ["소프트맥스", "어텐션", "확산", "랭크", "망각", "잡음", "메모리", "프레임", "미세조정", "값"]
BROWSER_QUERIES = ["소프트맥스", "어텐션", "확산", "랭크", "잡음", "메모리", "프레임"]


def only_inside_words(texts: dict[str, str], query: str) -> set[str]:
    """Pages where `query` occurs, but never as a word of its own (only `잡음을`, `저랭크`)."""
    alone = re.compile(rf"(?<![가-힣]){query}(?![가-힣])")
    return {doc for doc, text in texts.items() if query in text and not alone.search(text)}


def query_terms(query: str) -> list[str]:
    """What the browser looks up for `query`: bigrams of each Hangul run (or its one syllable)."""
    terms = []
    for word in re.findall(r"\w+", query):
        for part in HANGUL_RUN.findall(word):
            if HANGUL.match(part) and len(part) > 1:
                terms += [part[i:i + 2] for i in range(len(part) - 1)]
            else:
                terms.append(part)
    return terms


def load_index(html_dir: Path) -> dict:
    text = (html_dir / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


def article_texts(html_dir: Path, docnames: list[str]) -> dict[str, str]:
    texts = {}
    for doc in docnames:
        html = (html_dir / f"{doc}.html").read_text(encoding="utf-8")
        body = html[html.find("<article"):html.rfind("</article>")]
        body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
        texts[doc] = unescape(re.sub(r"<[^>]+>", " ", body))
    return texts


def lookup(index: dict, terms: list[str]) -> set[str]:
    """Sphinx's searchtools.js for Hangul terms: exact look-ups, ANDed across terms."""
    hits = None
    for term in {t.lower() for t in terms}:
        found = set()
        for table in (index["terms"], index["titleterms"]):
            docs = table.get(term, [])
            found |= {docs} if isinstance(docs, int) else set(docs)
        hits = found if hits is None else hits & found
    return {index["docnames"][i] for i in hits or ()}


def default_sphinx_finds(texts: dict[str, str], query: str) -> set[str]:
    """What Sphinx's default (English) search finds: whole-eojeol terms, substring
    matching only for queries longer than two characters that are not a term anywhere."""
    terms = {doc: set(re.findall(r"\w+", text.lower())) for doc, text in texts.items()}
    everywhere = set().union(*terms.values())
    if query in everywhere or len(query) <= 2:
        return {doc for doc, t in terms.items() if query in t}
    return {doc for doc, t in terms.items() if any(query in term for term in t)}


@pytest.fixture(scope="module")
def index(html_dir):
    return load_index(html_dir)


@pytest.fixture(scope="module")
def texts(html_dir, index):
    return article_texts(html_dir, index["docnames"])


def test_index_is_built_with_the_korean_language(html_dir):
    language_data = (html_dir / "_static" / "language_data.js").read_text(encoding="utf-8")
    assert "function splitQuery" in language_data
    assert "어텐" in load_index(html_dir)["terms"]


def test_splitter_indexes_syllables_and_bigrams():
    terms = KoreanSearch({}).split("소프트맥스는 LoRA를")
    assert {"소프", "트맥", "맥스", "스는", "LoRA", "를"} <= set(terms)


@pytest.mark.skipif(shutil.which("node") is None, reason="node가 없습니다")
def test_browser_splitter_matches_the_index_splitter():
    queries = ["소프트맥스", "확산", "값", "LoRA 랭크", "어텐션을 계산"]
    script = JS_SPLITTER + f"\nconsole.log(JSON.stringify({json.dumps(queries)}.map(splitQuery)));"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [query_terms(q) for q in queries]


@pytest.mark.parametrize("query", QUERIES)
def test_every_page_containing_the_word_is_found(index, texts, query):
    truth = {doc for doc, text in texts.items() if query in text}
    assert truth, f"'{query}'가 들어 있는 쪽이 없어 검사가 무의미합니다"
    found = lookup(index, query_terms(query))
    assert truth <= found, f"'{query}' 검색이 놓친 쪽: {sorted(truth - found)}"


def test_some_words_occur_only_with_particles(texts):
    """Makes the recall tests meaningful: some pages have a query word only inside an eojeol."""
    assert sum(len(only_inside_words(texts, q)) for q in QUERIES) >= 3


def test_default_sphinx_search_would_miss_pages(texts):
    """The check above is not vacuous: Sphinx's own English search misses pages here."""
    missed = {q: {d for d, t in texts.items() if q in t} - default_sphinx_finds(texts, q)
              for q in QUERIES}
    assert any(missed.values())


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(html_dir):
    handler = functools.partial(_Quiet, directory=str(html_dir))
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
        httpd.shutdown()


def browser_search(base: str, query: str) -> set[str]:
    dom = dump_dom(f"{base}/search.html?q={query}", budget_ms=15000)
    results = dom[dom.find('<ul class="search">'):]
    results = results[:results.find("</ul>")]
    return {re.sub(r"\.html.*$", "", href) for href in re.findall(r'<a href="([^"]+)"', results)}


@pytest.mark.parametrize("query", BROWSER_QUERIES)
def test_search_in_a_real_browser(server, index, texts, query):
    truth = {doc for doc, text in texts.items() if query in text}
    found = browser_search(server, query)
    assert truth <= found, f"브라우저 검색 '{query}'가 놓친 쪽: {sorted(truth - found)}"
