"""Verdicts as badges, and the per-part verdict summary.

1. A claims table (each chapter's ``report_claims`` output) and the paper index show a
   verdict as a table cell or a glued text whose whole text is one of the labels of
   ``mlbook.report.VERDICTS``. After the cross-document glue is resolved, every such cell
   or text becomes ``<span class="verdict verdict-<key>">``, styled in ``ko.css``, so the
   verdict looks the same in a chapter and in the index and never breaks across lines.
   ``{verdict}`held``` writes the same badge in prose.
2. ``{verdict-summary}`` counts the verdicts of every claim per part of the book, from the
   values the chapters glued at execution time (``claim_<key>_verdict``); nothing is typed.
   Its content has one line per part, ``<part title>: <docname> <docname> …``
   (tools/sync.py writes it into book/papers.md from book/data/papers.yml).
"""
import ast

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective
from myst_nb.ext.glue.crossref import read_glue_cache

from mlbook.report import VERDICTS

LABEL_TO_KEY = {label: key for key, label in VERDICTS.items()}
SUMMARY_TOTAL = "합계"
SUMMARY_PART = "부"
SUMMARY_CLAIMS = "주장 수"


def verdict_node(key: str) -> nodes.inline:
    return nodes.inline(VERDICTS[key], VERDICTS[key], classes=["verdict", f"verdict-{key}"])


def verdict_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{verdict}`held``` in prose: the same badge as in the tables."""
    if text not in VERDICTS:
        message = inliner.reporter.error(f"판정은 {list(VERDICTS)} 중 하나여야 합니다: {text!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    return [verdict_node(text)], []


class verdict_summary(nodes.General, nodes.Element):
    """Placeholder for the summary table; filled once every chapter has been read."""


class VerdictSummary(SphinxDirective):
    has_content = True

    def run(self):
        parts = []
        for line in self.content:
            if not line.strip():
                continue
            title, _, docs = line.partition(":")
            parts.append((title.strip(), docs.split()))
            # A chapter edited is re-read and re-glued; so must this page be.
            for doc in docs.split():
                self.env.note_dependency(self.env.doc2path(doc))
        node = verdict_summary(parts=parts)
        self.set_source_info(node)
        return [node]


def part_verdicts(glue_folder: str, docnames: list[str]) -> dict[str, int]:
    """How many claims of these chapters have each verdict, from their glue caches."""
    counts = dict.fromkeys(VERDICTS, 0)
    for docname in docnames:
        for key, output in read_glue_cache(glue_folder, docname).items():
            if key.startswith("claim_") and key.endswith("_verdict"):
                counts[ast.literal_eval(output["data"]["text/plain"])] += 1
    return counts


def summary_table(rows: list[tuple[str, dict[str, int]]]) -> nodes.table:
    header = [SUMMARY_PART, *VERDICTS, SUMMARY_CLAIMS]
    table = nodes.table(classes=["verdict-summary", "colwidths-auto"])
    group = nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in header]
    head = nodes.thead()
    group += head
    head += nodes.row("", nodes.entry("", nodes.paragraph(text=SUMMARY_PART)),
                      *[nodes.entry("", nodes.paragraph("", "", verdict_node(key))) for key in VERDICTS],
                      nodes.entry("", nodes.paragraph(text=SUMMARY_CLAIMS)))
    body = nodes.tbody()
    group += body
    for title, counts in rows:
        cells = [nodes.entry("", nodes.paragraph(text=title))]
        for key, n in counts.items():
            # The count is the cell; the badge colour ties the column to the verdict.
            cells.append(nodes.entry("", nodes.paragraph(text=str(n)),
                                     classes=[f"verdict-count-{key}"] + (["zero"] if n == 0 else [])))
        cells.append(nodes.entry("", nodes.paragraph(text=str(sum(counts.values())))))
        body += nodes.row("", *cells)
    return table


class FillVerdictSummary(SphinxPostTransform):
    default_priority = 6  # after myst-nb's glue references (5): all glue caches are written by now

    def run(self, **kwargs):
        folder = self.env.mystnb_config.output_folder
        for node in list(self.document.findall(verdict_summary)):
            rows = [(title, part_verdicts(folder, docs)) for title, docs in node["parts"]]
            total = {key: sum(c[key] for _, c in rows) for key in VERDICTS}
            table = summary_table(rows + [(SUMMARY_TOTAL, total)])
            # A row per part; on a phone a compact card (ko.css, ko_ui.py labels the cells).
            node.replace_self(nodes.container("", table, classes=["table-cards", "compact"]))


def iter_ancestors(node):
    while node.parent is not None:
        node = node.parent
        yield node


def verdict_key(node: nodes.Element) -> str | None:
    return LABEL_TO_KEY.get(node.astext().strip())


class StyleVerdicts(SphinxPostTransform):
    """Table cells and glued texts that are exactly a verdict label become badges."""

    default_priority = 7  # after the glue references and the summary

    def run(self, **kwargs):
        tables = []
        for entry in list(self.document.findall(nodes.entry)):
            key = verdict_key(entry)
            if key and not isinstance(entry.parent.parent, nodes.thead):
                glued = any("pasted-text" in n["classes"] for n in entry.findall(nodes.inline))
                badge = verdict_node(key)
                if glued:  # keep the mark of a glued value (the paper index's headline verdicts)
                    badge["classes"].insert(0, "pasted-text")
                entry.children = []
                entry += nodes.paragraph("", "", badge)
                table = next(a for a in iter_ancestors(entry) if isinstance(a, nodes.table))
                if table not in tables:
                    tables.append(table)
        # A claims table reads as cards on a phone, like the paper index (ko.css).
        for table in tables:
            if not any("table-cards" in a.get("classes", []) for a in iter_ancestors(table)):
                table.replace_self(nodes.container("", table.deepcopy(), classes=["table-cards"]))
        for inline in list(self.document.findall(nodes.inline)):
            key = verdict_key(inline)
            if key and "pasted-text" in inline["classes"]:
                inline["classes"] += ["verdict", f"verdict-{key}"]


def setup(app):
    app.add_node(verdict_summary)
    app.add_role("verdict", verdict_role)
    app.add_directive("verdict-summary", VerdictSummary)
    app.add_post_transform(FillVerdictSummary)
    app.add_post_transform(StyleVerdicts)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
