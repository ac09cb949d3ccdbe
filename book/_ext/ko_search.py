"""A Korean search language for Sphinx: Hangul as syllable bigrams.

Sphinx has no Korean search language; it falls back to English and indexes whole eojeol
(``어텐션을``, ``어텐션은``), and its JavaScript only does substring matching for query words
longer than two characters. So ``확산`` or ``어텐션`` miss pages where the word only occurs
with a particle.

Here every run of Hangul syllables is indexed as its single syllables and its syllable
bigrams, and the browser splits a query the same way: a one-syllable query looks up the
syllable, a longer one all of its bigrams. Sphinx ANDs the query terms, so a page is found
when it contains every bigram of the query: particle-insensitive substring search, with
rare false positives when the bigrams occur apart. Latin words keep English stemming.
"""
import re

from sphinx.search.en import SearchEnglish

HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+|[^\uac00-\ud7a3]+")
HANGUL = re.compile(r"^[\uac00-\ud7a3]+$")


def hangul_terms(run: str) -> list[str]:
    """Syllables and syllable bigrams of one Hangul run: 어텐션 → 어, 텐, 션, 어텐, 텐션."""
    return list(run) + [run[i:i + 2] for i in range(len(run) - 1)]


# The browser-side twin of KoreanSearch.split for a query. Sphinx pastes this into
# language_data.js, which loads before searchtools.js; searchtools.js keeps its own
# splitQuery only when none is defined.
JS_SPLITTER = r"""
function splitQuery(query) {
  var terms = [];
  query.split(/[^\p{L}\p{N}_]+/u).forEach(function (token) {
    (token.match(/[\uAC00-\uD7A3]+|[^\uAC00-\uD7A3]+/g) || []).forEach(function (part) {
      if (!/^[\uAC00-\uD7A3]+$/.test(part)) { terms.push(part); return; }
      if (part.length === 1) { terms.push(part); return; }
      for (var i = 0; i + 1 !== part.length; i++) terms.push(part.slice(i, i + 2));
    });
  });
  return terms;
}
"""


class KoreanSearch(SearchEnglish):
    lang = "ko"
    language_name = "Korean"
    js_splitter_code = JS_SPLITTER

    def split(self, input: str) -> list[str]:
        terms = []
        for word in self._word_re.findall(input):
            for part in HANGUL_RUN.findall(word):
                terms.extend(hangul_terms(part) if HANGUL.match(part) else [part])
        return terms


def setup(app):
    app.add_search_language(KoreanSearch)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
