"""Slide decks: one per chapter, built by the revealjs builder from the chapter itself."""
import html
import json
import re

import pytest

from tests.browser import dump_dom

from ..book.conftest import CHAPTERS, HTML

SLIDES = HTML / "slides"
# Injected into a copy of a deck: visits every slide and records the height of its content
# after the deck's own shrink-to-fit (slides.js, at most to 75 %).
MEASURE = """<script>
function mlbookMeasure() {
  const out = [];
  for (const s of Reveal.getSlides().filter((s) => !s.querySelector('section'))) {
    const i = Reveal.getIndices(s);
    Reveal.slide(i.h, i.v);
    const head = s.querySelector('h1, h2, h3');
    out.push({h: i.h, v: i.v || 0, height: parseFloat(s.dataset.fitHeight || s.scrollHeight),
              title: head ? head.textContent.trim() : ''});
  }
  document.body.setAttribute('data-mlbook-slides', JSON.stringify(out));
}
(function wait() {  // after reveal.js and the deck's own slides.js have started
  if (Reveal.isReady() && document.querySelector('.mlbook-fit')) mlbookMeasure(); else setTimeout(wait, 50);
})();
</script></body>"""


def deck(chapter) -> str:
    path = SLIDES / f"{chapter}.html"
    if not path.exists():
        pytest.fail(f"{path} 가 없습니다: `make slides`로 발표 자료를 만드세요")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_deck_shows_prose_and_results_without_code(chapter):
    text = deck(chapter)
    body = text[text.find('<div class="slides"'):]
    assert body.count("<section") >= 4
    assert 'class="notes"' in body, "발표자 노트가 없습니다"
    assert "cell_input" not in body and "highlight-ipython3" not in body, "코드가 슬라이드에 남았습니다"
    assert "IPython.core.display" not in body and "{glue" not in body
    loaded = [tag for tag in re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?://[^>]*>', text)
              if 'rel="canonical"' not in tag]   # a canonical link names the page, it loads nothing
    assert not loaded, f"CDN에서 불러오는 것이 있습니다: {loaded}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_slide_overflows_a_1280x720_screen(chapter, tmp_path):
    source = SLIDES / f"{chapter}.html"
    probe = source.with_name("_probe_" + source.name)
    probe.write_text(deck(chapter).replace("</body>", MEASURE), encoding="utf-8")
    try:
        dom = dump_dom(probe.as_uri(), size=(1280, 720), offline=True)
    finally:
        probe.unlink()
    found = re.search(r'data-mlbook-slides="([^"]*)"', dom)
    assert found, "reveal.js가 실행되지 않았습니다"
    slides = json.loads(html.unescape(found.group(1)))
    too_tall = [(s["title"], s["height"]) for s in slides if s["height"] > 720]
    assert not too_tall, f"{chapter}: 화면을 넘치는 슬라이드 {too_tall}"
