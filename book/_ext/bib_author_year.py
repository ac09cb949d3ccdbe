"""One author–year style for citations and the bibliography list.

The default ``alpha`` style labels the list ``[CMartiMonsoD+24]``. This pybtex formatting style
``ko_author_year`` (``bibtex_default_style``) labels every entry "Chen et al., 2024" with the
template of sphinxcontrib-bibtex's author–year references, adds a, b to two works of the same
authors and year, and sorts the list by author, year and title. The text cites by that label
(``bibtex_reference_style: label``), so a citation reads ``[Chen et al., 2024]`` and two such
works stay apart in the text as in the list (``2024a``, ``2024b``).
"""
from collections import Counter

import pybtex.plugin
from sphinxcontrib.bibtex.plugin import find_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from sphinxcontrib.bibtex.style.template import join, year

STYLE = "ko_author_year"
# The referencing style whose author–year template the labels reuse.
LABEL_TEMPLATE_STYLE = "author_year"


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        style = find_plugin("sphinxcontrib.bibtex.style.referencing", LABEL_TEMPLATE_STYLE)()
        template = join(sep=style.author_year_sep)[style.person.author_or_editor_or_title(full=False), year]
        labels = [template.format_data({"entry": e, "style": style}).render_as("text")
                  for e in sorted_entries]
        # Two works by the same authors in one year: 2024a, 2024b (labels must be unique).
        seen, repeated = Counter(), {label for label, n in Counter(labels).items() if n > 1}
        for label in labels:
            if label in repeated:
                seen[label] += 1
                label += "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
            yield label


class AuthorYearStyle(UnsrtStyle):
    default_label_style = STYLE
    default_sorting_style = "author_year_title"


pybtex.plugin.register_plugin("pybtex.style.labels", STYLE, AuthorYearLabelStyle)
pybtex.plugin.register_plugin("pybtex.style.formatting", STYLE, AuthorYearStyle)


def setup(app):
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
