"""The book's interface in Korean, and the small fixes to what the theme puts around a page.

- Message catalogs (``locale/ko/LC_MESSAGES/*.po``, compiled here with Babel) translate the
  theme strings that Sphinx's and sphinx-book-theme's own Korean catalogs leave in English;
  strings the templates hard-code are in ``book/_templates``; ``ko-ui.js`` gives
  sphinx-copybutton and sphinx-togglebutton Korean labels (a figure already opens full size:
  Sphinx links an image given a width to its file).
- Launch buttons (Colab, Binder) only on chapters, the pages with a paired notebook
  (tools/sync.py writes ``<chapter>.ipynb`` next to each chapter; the status page has none);
  the issue button opens a Korean issue template.
- ``{nb-exec-table}`` (the status page) becomes a Korean table that marks a chapter over the
  execution budget of tools/execute.py, with text marks instead of emoji.
- Inside a ``{container} table-cards`` (and in the status table) every body cell starts with
  its column header, hidden on a wide screen: ``ko.css`` shows each row as a card with
  labelled fields on a phone instead of squeezing four or five columns into 390 px.
- Ids are unique within a page: sphinx-exercise gives every solution ``id="solution-content"``.
"""
import importlib.util
import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.transforms.post_transforms import SphinxPostTransform
from myst_nb.ext.execution_tables import ExecutionStatsNode
from myst_nb.sphinx_ import HideCodeCellNode, NbMetadataCollector, depart_HideCellInput

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CATALOGS = ("sphinx", "booktheme")
HIDE_CELL_LABEL = "숨긴 내용 열고 닫기"

STATUS_HEADER = ["장", "실행 방식", "실행 시각", "걸린 시간(초)", "결과"]
METHOD = {"cache": "캐시", "auto": "자동 실행", "force": "새로 실행", "inline": "빌드 중 실행"}
SUCCEEDED, FAILED = "성공", "실패"
OVER_BUDGET = "예산 초과"


def budget_seconds() -> float:
    """The per-chapter execution budget, as tools/execute.py enforces it."""
    spec = importlib.util.spec_from_file_location("mlbook_execute", ROOT / "tools" / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BUDGET_SECONDS


def compile_catalogs(outdir: Path) -> Path:
    """``locale/ko/LC_MESSAGES/<name>.po`` → ``<outdir>/ko/LC_MESSAGES/<name>.mo``."""
    target = outdir / "ko" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    for name in CATALOGS:
        with open(HERE / "locale" / "ko" / "LC_MESSAGES" / f"{name}.po", "rb") as f:
            catalog = read_po(f, locale="ko")
        with open(target / f"{name}.mo", "wb") as f:
            write_mo(f, catalog)
    return outdir


def has_paired_notebook(app, pagename: str) -> bool:
    return pagename in app.env.all_docs and Path(app.env.doc2path(pagename)).with_suffix(".ipynb").exists()


def header_buttons(app, pagename, templatename, context, doctree):
    """Drop the launch buttons where there is no notebook to launch; a Korean issue form."""
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    if not has_paired_notebook(app, pagename):
        buttons[:] = [b for b in buttons if b.get("label") != "launch-buttons"]
    for group in buttons:
        for button in group.get("buttons", [group]):
            if button.get("label") == "source-issues-button":
                repo = app.config.html_theme_options["repository_url"].rstrip("/")
                page = re.sub(r"<[^>]+>", "", context.get("title") or pagename)
                title = quote(f"'{page}' 페이지 ({pagename}.html)")
                body = quote("어느 부분이 어떻게 잘못되었는지 적어 주세요.")
                button["url"] = f"{repo}/issues/new?title={title}&body={body}"


def visit_hide_cell(self, node):
    """myst-nb's folded code cell, with a Korean aria-label (myst-nb hard-codes English)."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n')
    self.body.append(f'<summary aria-label="{HIDE_CELL_LABEL}">\n')
    self.body.append(f'<p class="collapsed admonition-title">{self.encode(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{self.encode(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def status_row(env, docname: str, data: dict, budget: float) -> nodes.row:
    link = pending_xref(refdoc=env.docname, reftarget="/" + docname, reftype="doc",
                        refdomain="std", refexplicit=True, refwarn=True, classes=["xref", "doc"])
    title = env.titles[docname].astext() if docname in env.titles else docname
    link += nodes.inline(text=title)
    runtime = data.get("runtime")
    over = runtime is not None and runtime > budget
    time_cell = nodes.paragraph(text="-" if runtime is None else f"{runtime:.1f}")
    if over:
        time_cell += nodes.inline(text=OVER_BUDGET, classes=["status-mark", "status-over-budget"])
    result = nodes.paragraph()
    if data.get("succeeded"):
        result += nodes.inline(text=SUCCEEDED, classes=["status-mark", "status-ok"])
    else:
        result += nodes.abbreviation(text=FAILED, explanation=data.get("error") or "",
                                     classes=["status-mark", "status-failed"])
    mtime = data.get("mtime")
    cells = [nodes.paragraph("", "", link),
             nodes.paragraph(text=METHOD.get(data.get("method"), str(data.get("method")))),
             nodes.paragraph(text=datetime.fromtimestamp(mtime).strftime("%Y-%m-%d %H:%M") if mtime else ""),
             time_cell, result]
    return nodes.row("", *[nodes.entry("", c) for c in cells],
                     classes=["over-budget"] if over else [])


class KoreanExecutionTable(SphinxPostTransform):
    """myst-nb's execution table (its own transform runs at 8) in Korean, budget marked."""

    default_priority = 7

    def run(self, **kwargs):
        budget = self.app.config.ko_ui_budget_seconds
        for node in list(self.document.findall(ExecutionStatsNode)):
            table = nodes.table(classes=["exec-stats", "colwidths-auto"])
            group = nodes.tgroup(cols=len(STATUS_HEADER))
            table += group
            group += [nodes.colspec(colwidth=1) for _ in STATUS_HEADER]
            group += nodes.thead("", nodes.row("", *[nodes.entry("", nodes.paragraph(text=h))
                                                      for h in STATUS_HEADER]))
            body = nodes.tbody()
            group += body
            for docname, meta in sorted(NbMetadataCollector.get_doc_data(self.env).items()):
                if meta.get("exec_data"):
                    body += status_row(self.env, docname, meta["exec_data"], budget)
            caption = nodes.paragraph(
                text=f"{OVER_BUDGET}: 한 장의 실행 예산 {budget:g}초를 넘은 장입니다.",
                classes=["exec-stats-note"])
            node.replace_self([nodes.container("", table, classes=["table-cards", "compact"]), caption])


class LabelCardCells(SphinxPostTransform):
    default_priority = 20  # after the tables above and the verdict badges are in place

    def run(self, **kwargs):
        for container in list(self.document.findall(nodes.container)):
            if "table-cards" in container["classes"]:
                for table in container.findall(nodes.table):
                    label_cells(table)


def label_cells(table: nodes.table) -> None:
    """Copy each column's header (text or badge) to the front of its body cells."""
    head = next(table.findall(nodes.thead), None)
    if head is None:
        return
    titles = [entry.children[0].children if entry.children else []
              for entry in next(head.findall(nodes.row)).children]
    for body in table.findall(nodes.tbody):
        for row in body.children:
            for title, entry in zip(titles, row.children):
                target = entry.children[0] if entry.children and isinstance(
                    entry.children[0], nodes.paragraph) else entry
                target.insert(0, nodes.inline("", "", *[n.deepcopy() for n in title],
                                              classes=["card-label"]))


class UniqueIds(SphinxPostTransform):
    """The second and later ``solution-content`` (or any repeated id) get ``-2``, ``-3``…"""

    default_priority = 900

    def run(self, **kwargs):
        seen = Counter()
        for node in self.document.findall(nodes.Element):
            ids = node.get("ids")
            if not ids:
                continue
            renamed = []
            for id_ in ids:
                seen[id_] += 1
                renamed.append(id_ if seen[id_] == 1 else f"{id_}-{seen[id_]}")
            node["ids"] = renamed


def setup(app):
    app.add_config_value("ko_ui_budget_seconds", budget_seconds(), "env")
    catalogs = compile_catalogs(Path(app.outdir).parent / "locale")
    for name in CATALOGS:
        app.add_message_catalog(name, str(catalogs))
    app.add_node(HideCodeCellNode, override=True, html=(visit_hide_cell, depart_HideCellInput))
    app.add_post_transform(KoreanExecutionTable)
    app.add_post_transform(LabelCardCells)
    app.add_post_transform(UniqueIds)
    app.connect("html-page-context", header_buttons, priority=502)  # after the theme's, at 501
    # After sphinx-copybutton and sphinx-togglebutton (priority 500), so it can relabel them.
    app.add_js_file("ko-ui.js", priority=600)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
