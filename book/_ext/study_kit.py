"""The study kit's Sphinx side: slide decks built from the chapters themselves.

The decks come from a second builder over the same sources and the same jupyter-cache:

    jupyter-book build . --path-output _build/deck --builder custom --custom-builder revealjs

(``make slides`` runs it and copies the decks to ``_build/html/slides/``). The decks keep
their own doctrees: the chapters are read with other settings (no code, no solutions), set
when the builder starts, after Sphinx has compared the configuration with a saved one. Nothing is
re-executed and nothing is typed twice: glued numbers resolve as in the book. For that
builder only, this extension

* hides code sources and exercise solutions, and gives myst-nb the HTML mime priorities;
* drops cells tagged ``quiz`` or ``slides-skip``;
* gives every figure and table a slide of its own;
* keeps each section's first paragraph on the slide and moves the others (and lists
  that comment on a figure or table) into speaker notes (``<aside class="notes">``, the ``S`` key in reveal.js), so the presenter reads the
  chapter's prose while the audience sees its figures and tables.

Sections map to slides as sphinx-revealjs does: the chapter title opens the deck, every
``##`` section is a slide and every ``###`` section a slide below it.
"""
import math
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from mlbook import kit

SLIDE_BUILDERS = ("revealjs",)
SKIPPED_TAGS = ("tag_quiz", "tag_slides-skip")


def _configure_decks(app, config):
    """reveal.js settings (only the revealjs builder reads them); the map as SVG."""
    config.graphviz_output_format = "svg"
    config.revealjs_style_theme = "white"
    config.revealjs_static_path = list(config.html_static_path)
    config.revealjs_css_files = ["slides.css", "ko.css"]
    config.revealjs_js_files = [("slides.js", {})]
    config.revealjs_script_conf = {
        "width": 1280, "height": 720, "margin": 0.04, "hash": True,
        "center": False, "slideNumber": "c/t",
    }
    config.revealjs_script_plugins = [
        {"name": "RevealNotes", "src": "revealjs/plugin/notes/notes.js"},
    ]


def _configure_slide_content(app):
    """For the slide builder only: no code, no solutions, HTML mime priorities.

    Runs at builder-inited before myst-nb reads its configuration (priority 100 < 500).
    """
    if app.builder.name not in SLIDE_BUILDERS:
        return
    from myst_nb.core.render import base_render_priority

    app.config.nb_remove_code_source = True
    app.config.hide_solutions = True
    # sphinx-book-theme's page buttons (launch, repository) assume its own HTML layout.
    app.config.html_theme_options = {**app.config.html_theme_options, "launch_buttons": {},
                                     "use_repository_button": False, "use_issues_button": False,
                                     "use_download_button": False}
    app.config.nb_mime_priority_overrides = [
        (builder, mime, priority)
        for builder in SLIDE_BUILDERS
        for mime, priority in base_render_priority()["html"].items()
    ]


# A printed table longer than this goes on several slides (claims rows carry long measured text).
TABLE_ROWS_PER_SLIDE = 3


def _is_heavy(node) -> bool:
    """A block that fills most of a slide: a figure or image output, or a table."""
    return bool(list(node.findall(nodes.image)) or list(node.findall(nodes.table)))


def _continuation(section, chunk, n, secnumbers):
    """A new section holding `chunk`, titled like `section` with a "(계속 n)" mark and the
    same section number (the writer looks numbers up by the section's id)."""
    title = section.next_node(nodes.title)
    first_id = section["ids"][0] if section["ids"] else "slide"
    part = nodes.section(ids=[f"{first_id}-{n}"])
    if "#" + first_id in secnumbers:
        secnumbers["#" + part["ids"][0]] = secnumbers["#" + first_id]
    part += nodes.title("", title.astext() + f" (계속 {n})")
    for child in chunk:
        part += child
    return part


class SlidesFromChapter(SphinxPostTransform):
    """Make a chapter's sections into slides that fit a 1280×720 screen.

    Drops quiz and slides-skip cells; gives every figure or table a slide of its own (a
    section holding several becomes several slides); keeps each slide's first paragraph
    and moves the other paragraphs into speaker notes.
    """

    default_priority = 200
    builders = SLIDE_BUILDERS

    def run(self, **kwargs):
        for cell in list(self.document.findall(nodes.container)):
            if set(cell.get("classes", [])) & set(SKIPPED_TAGS):
                cell.parent.remove(cell)
        for table in list(self.document.findall(nodes.table)):
            self._split_long_output_table(table)
        for cell in list(self.document.findall(nodes.container)):
            if "cell" in cell.get("classes", []):
                self._one_heavy_output_per_cell(cell)
        secnumbers = self.env.toc_secnumbers.get(self.env.docname, {})
        for section in list(self.document.findall(nodes.section)):
            self._split(section, secnumbers)
        for section in self.document.findall(nodes.section):
            self._notes(section)

    @staticmethod
    def _split_long_output_table(table):
        """A table a cell printed (a claims table) with more than TABLE_ROWS_PER_SLIDE rows
        becomes several tables with the same header, which the steps below put on slides of
        their own: long rows do not fit one slide even at the smallest autofit scale."""
        output = table.parent
        while output is not None and "cell_output" not in output.get("classes", []):
            output = output.parent
        body = next(iter(table.findall(nodes.tbody)), None)
        if output is None or body is None or len(body.children) <= TABLE_ROWS_PER_SLIDE:
            return
        # the block to copy: the table with any wrapper that holds nothing else
        block = table
        while block.parent is not output and len(block.parent.children) == 1:
            block = block.parent
        rows = list(body.children)
        parent, at = block.parent, block.parent.index(block)
        parent.remove(block)
        for offset, start in enumerate(range(0, len(rows), TABLE_ROWS_PER_SLIDE)):
            piece = block.deepcopy()
            piece_body = next(iter(piece.findall(nodes.tbody)))
            piece_body.children = []
            for row in rows[start:start + TABLE_ROWS_PER_SLIDE]:
                piece_body += row.deepcopy()
            parent.insert(at + offset, piece)

    @staticmethod
    def _one_heavy_output_per_cell(cell):
        """A cell that shows several figures or tables becomes one cell per figure or table,
        so that the section split below can give each its own slide."""
        output = next((c for c in cell.children if "cell_output" in c.get("classes", [])), None)
        if output is None:
            return
        heavy = [i for i, c in enumerate(output.children) if _is_heavy(c)]
        if len(heavy) < 2:
            return
        bounds = [0] + heavy[1:] + [len(output.children)]
        groups = [output.children[a:b] for a, b in zip(bounds, bounds[1:])]
        parent, at = cell.parent, cell.parent.index(cell)
        parent.remove(cell)
        for offset, group in enumerate(groups):
            piece = cell.deepcopy()
            piece_output = next(c for c in piece.children if "cell_output" in c.get("classes", []))
            piece_output.children = []
            for child in group:
                piece_output += child.deepcopy()
            parent.insert(at + offset, piece)

    @staticmethod
    def _split(section, secnumbers):
        """One heavy block per slide: later ones move to continuation sections."""
        body = [c for c in section.children if not isinstance(c, (nodes.title, nodes.section))]
        heavy = [i for i, c in enumerate(body) if _is_heavy(c)]
        if len(heavy) < 2:
            return
        # chunk k starts at the block after heavy block k-1 (prose leading into a figure moves with it)
        starts = [0] + [heavy[k - 1] + 1 for k in range(1, len(heavy))]
        chunks = [body[a:b] for a, b in zip(starts, starts[1:] + [len(body)])]
        for child in body[starts[1]:]:
            section.remove(child)
        parts = [_continuation(section, chunk, n, secnumbers) for n, chunk in enumerate(chunks[1:], start=2)]
        depth, node = 0, section
        while node is not None:
            depth += isinstance(node, nodes.section)
            node = node.parent
        if depth <= 2:  # a ## section: continuations are its first sub-slides
            first_sub = next((i for i, c in enumerate(section.children) if isinstance(c, nodes.section)),
                             len(section.children))
            for offset, part in enumerate(parts):
                section.insert(first_sub + offset, part)
        else:           # a ### section: reveal.js has no deeper level, continuations follow it
            parent = section.parent
            at = parent.index(section)
            for offset, part in enumerate(parts, start=1):
                parent.insert(at + offset, part)

    @staticmethod
    def _notes(section):
        from sphinx_revealjs._ext.notes import revealjs_notes

        # Every paragraph but the first, and the lists that comment on a figure or table
        # (after it), are the presenter's to say, not the audience's to read.
        paragraphs = [c for c in section.children if isinstance(c, nodes.paragraph)]
        moved = paragraphs[1:]
        seen_heavy = False
        for child in section.children:
            if isinstance(child, (nodes.bullet_list, nodes.enumerated_list)) and seen_heavy:
                moved.append(child)
            seen_heavy = seen_heavy or _is_heavy(child)
        if not moved:
            return
        notes = revealjs_notes()
        for child in [c for c in section.children if any(c is m for m in moved)]:
            section.remove(child)
            notes += child
        # before the first subsection, so the notes belong to this slide
        sub = next((i for i, c in enumerate(section.children) if isinstance(c, nodes.section)), None)
        if sub is None:
            section += notes
        else:
            section.insert(sub, notes)


# ---------------------------------------------------------------- curriculum and prerequisites

# Korean technical prose, read with care: about 300 syllables a minute (a stated assumption;
# a first reading of a chapter with formulas and figures is slower than plain prose).
SYLLABLES_PER_MINUTE = 300
HANGUL = re.compile(r"[가-힣]")
CODE_CELL = re.compile(r"^```\{code-cell\}.*?^```", re.S | re.M)
PART_COLORS = ["#fde2e4", "#e2ece9", "#fff1c1", "#dfe7fd", "#e8dff5", "#fce1c8", "#d7f0db"]


def reading_minutes(source: Path) -> int:
    """Minutes to read a chapter's prose (its Hangul syllables outside code cells)."""
    prose = CODE_CELL.sub("", source.read_text(encoding="utf-8"))
    return max(1, math.ceil(len(HANGUL.findall(prose)) / SYLLABLES_PER_MINUTE))


class curriculum_table(nodes.General, nodes.Element):
    """Placeholder: filled after every chapter has been read (execution times)."""


class Curriculum(SphinxDirective):
    """``{curriculum}`` with ``:track: 8`` (a track of tracks.yml) or ``:parts:`` (one mini-track
    per part of the table of contents, two chapters a week)."""

    option_spec = {"track": directives.positive_int, "parts": directives.flag}

    def run(self):
        _note_kit_page(self.env)
        self.env.note_dependency(str(kit.STUDY / "tracks.yml"))
        self.env.note_dependency(str(kit.STUDY / "prereqs.yml"))
        for paper in kit.papers().values():
            if paper.chapter:
                self.env.note_dependency(self.env.doc2path(paper.chapter))
        node = curriculum_table(track=self.options.get("track"), parts="parts" in self.options)
        self.set_source_info(node)
        return [node]


def _table(header: list[str], rows: list[list]) -> nodes.table:
    table = nodes.table(classes=["curriculum", "colwidths-auto"])
    group = nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in header]
    head = nodes.thead()
    group += head
    head += nodes.row("", *[nodes.entry("", nodes.paragraph(text=h)) for h in header])
    body = nodes.tbody()
    group += body
    for row in rows:
        cells = []
        for cell in row:
            para = nodes.paragraph()
            para += cell if isinstance(cell, nodes.Node) else nodes.Text(str(cell))
            cells.append(nodes.entry("", para))
        body += nodes.row("", *cells)
    return table


class FillCurriculum(SphinxPostTransform):
    """Weeks → chapters with prerequisites, reading minutes and measured execution seconds."""

    default_priority = 8

    def run(self, **kwargs):
        from myst_nb.sphinx_ import NbMetadataCollector

        papers = kit.papers()
        before = {}
        for a, b in kit.edges():
            before.setdefault(b, []).append(a)
        outside = {}
        for reading in kit.prereqs()["outside"]:
            for arxiv in reading["before"]:
                outside.setdefault(arxiv, []).append(reading)

        def chapter_link(paper):
            if not paper.chapter:
                return nodes.inline("", f"{paper.ko} (준비 중)", classes=["not-written"])
            ref = nodes.reference("", paper.ko, internal=True,
                                  refuri=self.app.builder.get_relative_uri(self.env.docname, paper.chapter))
            return ref

        def prereq_cell(arxiv):
            cell = nodes.inline()
            items = [chapter_link(papers[a]) for a in before.get(arxiv, [])]
            items += [nodes.reference("", r["title"], refuri=r["url"]) for r in outside.get(arxiv, [])]
            for i, item in enumerate(items):
                if i:
                    cell += nodes.Text(", ")
                cell += item
            if not items:
                cell += nodes.Text("—")
            return cell

        def row(week, arxiv):
            paper = papers[arxiv]
            seconds = minutes = "—"
            if paper.chapter:
                minutes = reading_minutes(Path(self.env.doc2path(paper.chapter)))
                data = NbMetadataCollector.get_exec_data(self.env, paper.chapter) or {}
                if data.get("runtime") is not None:
                    seconds = f"{data['runtime']:.0f}"
            return [week, chapter_link(paper), arxiv, prereq_cell(arxiv), minutes, seconds]

        header = ["주차", "장", "arXiv", "먼저 읽을 것", "읽기(분)", "실행(초)"]
        for node in list(self.document.findall(curriculum_table)):
            if node["track"]:
                weeks = kit.tracks()[node["track"]]["weeks"]
                rows = [row(n, a) for n, week in enumerate(weeks, start=1) for a in week]
                node.replace_self(nodes.container("", _table(header, rows), classes=["table-cards"]))
            else:
                blocks = []
                for part, chapters in toc_parts(self.env):
                    blocks.append(nodes.rubric(text=part))
                    rows = []
                    for i, arxiv in enumerate(chapters):
                        rows.append(row(i // 2 + 1, arxiv))
                    blocks.append(nodes.container("", _table(header, rows), classes=["table-cards"]))
                node.replace_self(blocks)


def toc_parts(env) -> list[tuple[str, list[str]]]:
    """(part caption, arXiv ids of its chapters) for every numbered part of _toc.yml."""
    import yaml

    toc = yaml.safe_load((kit.ROOT / "_toc.yml").read_text(encoding="utf-8"))
    by_chapter = {p.chapter: p.arxiv for p in kit.papers().values() if p.chapter}
    parts = []
    for part in toc["parts"]:
        ids = [by_chapter[c["file"]] for c in part.get("chapters", []) if c["file"] in by_chapter]
        if ids:
            parts.append((part["caption"], ids))
    return parts


class PrerequisiteMap(SphinxDirective):
    """``{prereq-map}``: every paper, coloured by part, an arrow per prerequisite, a link per
    written chapter; drawn by Graphviz (sphinx.ext.graphviz) as SVG. With ``:outside:``, the
    table of readings outside the book that chapters assume."""

    option_spec = {"outside": directives.flag}

    def run(self):
        from sphinx.ext.graphviz import graphviz

        self.env.note_dependency(str(kit.STUDY / "prereqs.yml"))
        papers = kit.papers()
        if "outside" in self.options:
            rows = [[nodes.reference("", r["title"], refuri=r["url"]),
                     ", ".join(papers[a].ko for a in r["before"])] for r in kit.prereqs()["outside"]]
            return [_table(["먼저 읽을 논문", "이 논문을 가정하는 장"], rows)]
        part_names = list(dict.fromkeys(p.part for p in papers.values()))
        lines = ['digraph prereqs {',
                 '  graph [rankdir=LR, bgcolor="white", nodesep=0.15, ranksep=0.5, fontname="NanumGothic"];',
                 '  node [shape=box, style="rounded,filled", fontname="NanumGothic", fontsize=11, '
                 'color="#4a4e69", fontcolor="#1b1b1b"];',
                 '  edge [color="#4a4e69", arrowsize=0.6];']
        for n, part in enumerate(part_names):
            lines.append(f'  subgraph cluster_{n} {{ label="{n + 1}부 {part}"; style="rounded"; '
                         f'color="#8d99ae"; fontname="NanumGothic"; fontsize=12;')
            for p in papers.values():
                if p.part != part:
                    continue
                attrs = [f'label="{p.ko}"', f'fillcolor="{PART_COLORS[n % len(PART_COLORS)]}"',
                         f'tooltip="{p.title.replace(chr(34), "")} (arXiv {p.arxiv})"']
                if p.chapter:
                    uri = self.env.app.builder.get_relative_uri(self.env.docname, p.chapter)
                    attrs += [f'URL="{uri}"', 'target="_top"', "penwidth=1.6"]
                else:
                    attrs += ['style="rounded,filled,dashed"', 'fontcolor="#6b6b6b"']
                lines.append(f'    "{p.arxiv}" [{", ".join(attrs)}];')
            lines.append("  }")
        for a, b in kit.edges():
            lines.append(f'  "{a}" -> "{b}";')
        lines.append("}")
        node = graphviz()
        node["code"] = "\n".join(lines)
        node["options"] = {"docname": self.env.docname}
        node["alt"] = "논문 44편의 선수 관계 지도: 부마다 색이 다르고, 화살표는 먼저 읽을 장에서 나중 장으로 향합니다."
        node["classes"] = ["prereq-map"]
        return [node]


def chapter_label(docname: str, section: str) -> str:
    """The template's label of a chapter section: ``ch-<slug>-<section>`` (slug with hyphens)."""
    return f"ch-{docname.rsplit('/', 1)[1].replace('_', '-')}-{section}"


def _note_kit_page(env) -> None:
    """Remember a page that gathers every chapter (curriculum, answer key)."""
    if not hasattr(env, "mlbook_kit_pages"):
        env.mlbook_kit_pages = set()
    env.mlbook_kit_pages.add(env.docname)


def _kit_pages_follow_the_chapters(app, env, added, changed, removed):
    """When any page is added, changed or removed, read the pages that gather every chapter
    again: a new chapter is not yet among their dependencies."""
    if added or changed or removed:
        return sorted(getattr(env, "mlbook_kit_pages", set()))
    return []


def _merge_kit_pages(app, env, docnames, other):
    """Parallel reading: keep the pages noted by every reader process."""
    env.mlbook_kit_pages = getattr(env, "mlbook_kit_pages", set()) | getattr(other, "mlbook_kit_pages", set())


class answer_key(nodes.General, nodes.Element):
    """Placeholder for the answer key; filled once every chapter's quiz has been glued."""


class AnswerKey(SphinxDirective):
    """``{answer-key}``: every chapter's quiz with its answers and feedback, from the JSON the
    chapter glued (``quiz``, written by mlbook.quiz.show_quiz), in the order of the book."""

    def run(self):
        _note_kit_page(self.env)
        for paper in kit.papers().values():
            if paper.chapter:
                self.env.note_dependency(self.env.doc2path(paper.chapter))
        node = answer_key()
        self.set_source_info(node)
        return [node]


def _answer_text(question: dict) -> str:
    if question["type"] == "numeric":
        low, high = next(a["range"] for a in question["answers"] if a.get("correct"))
        return f"{low:.4g} 이상 {high:.4g} 이하"
    from mlbook.quiz import OPTION_MARKS

    marks = [f"{OPTION_MARKS[i]}. {a['answer']}" for i, a in enumerate(question["answers"]) if a["correct"]]
    return ", ".join(marks)


class FillAnswerKey(SphinxPostTransform):
    default_priority = 8

    def run(self, **kwargs):
        import ast
        import json

        from myst_nb.ext.glue.crossref import read_glue_cache

        folder = self.env.mystnb_config.output_folder
        for node in list(self.document.findall(answer_key)):
            blocks = []
            for paper in kit.papers().values():
                if not paper.chapter:
                    continue
                glued = read_glue_cache(folder, paper.chapter).get("quiz")
                if glued is None:
                    continue
                quiz = json.loads(ast.literal_eval(glued["data"]["text/plain"]))
                chapter = self.app.builder.get_relative_uri(self.env.docname, paper.chapter)
                section = nodes.section(ids=[f"answers-{paper.arxiv.replace('.', '-')}"])
                title = nodes.title()
                title += nodes.reference("", paper.ko, internal=True, refuri=chapter)
                section += title
                items = nodes.enumerated_list()
                for q in quiz:
                    item = nodes.list_item()
                    item += nodes.paragraph(text=q["question"])
                    answer = nodes.paragraph()
                    answer += nodes.strong(text="정답: ")
                    answer += nodes.Text(_answer_text(q))
                    item += answer
                    feedback = [a["feedback"] for a in q["answers"] if a.get("correct")]
                    item += nodes.paragraph(text="해설: " + " ".join(feedback))
                    items += item
                section += items
                more = nodes.paragraph(text="연습 문제의 풀이는 ")
                more += nodes.reference("", "장의 스터디 절", internal=True,
                                        refuri=chapter + "#" + chapter_label(paper.chapter, "study"))
                more += nodes.Text("에 접혀 있습니다.")
                section += more
                blocks.append(section)
            node.replace_self(blocks or [nodes.paragraph(text="아직 퀴즈가 있는 장이 없습니다.")])


class StudyMaterials(SphinxDirective):
    """``{study-materials}`` at the top of a chapter's 스터디 section: deck, handout,
    follow-along notebook, quiz and what to read first, from the docname and prereqs.yml."""

    def run(self):
        self.env.note_dependency(str(kit.STUDY / "prereqs.yml"))
        docname = self.env.docname
        up = "../" * docname.count("/")
        box = nodes.admonition(classes=["study-materials", "tip"])
        box += nodes.title(text="스터디 자료")
        items = nodes.bullet_list()
        for label, where, kind in kit.materials(docname):
            uri = up + where if kind == "site" else where
            items += nodes.list_item("", nodes.paragraph("", "", nodes.reference("", label, refuri=uri)))
        quiz = nodes.paragraph(text="자기 점검 퀴즈: 이 절의 ")
        quiz += nodes.reference("", "퀴즈", refuri="#" + chapter_label(docname, "quiz"))
        quiz += nodes.Text(" (답과 해설이 바로 나옵니다)")
        items += nodes.list_item("", quiz)
        before = kit.before_chapter(docname)
        if before:
            para = nodes.paragraph(text="먼저 읽을 것: ")
            for i, item in enumerate(before):
                if i:
                    para += nodes.Text(", ")
                if isinstance(item, dict):
                    para += nodes.reference("", item["title"], refuri=item["url"])
                elif item.chapter:
                    para += nodes.reference("", item.ko, internal=True,
                                            refuri=self.env.app.builder.get_relative_uri(docname, item.chapter))
                else:
                    para += nodes.Text(f"{item.ko} (준비 중)")
            items += nodes.list_item("", para)
        box += items
        return [box]


def setup(app):
    app.add_directive("study-materials", StudyMaterials)
    app.add_node(answer_key)
    app.add_directive("answer-key", AnswerKey)
    app.add_post_transform(FillAnswerKey)
    app.connect("env-get-outdated", _kit_pages_follow_the_chapters)
    app.connect("env-merge-info", _merge_kit_pages)
    app.setup_extension("sphinx_revealjs")
    app.setup_extension("sphinx.ext.graphviz")
    app.add_node(curriculum_table)
    app.add_directive("curriculum", Curriculum)
    app.add_directive("prereq-map", PrerequisiteMap)
    app.add_post_transform(FillCurriculum)
    app.connect("config-inited", _configure_decks)
    app.connect("builder-inited", _configure_slide_content, priority=100)
    app.add_post_transform(SlidesFromChapter)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
