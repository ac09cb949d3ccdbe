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
from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

SLIDE_BUILDERS = ("revealjs",)
SKIPPED_TAGS = ("tag_quiz", "tag_slides-skip")


def _configure_decks(app, config):
    """reveal.js settings; only the revealjs builder reads them."""
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


def _is_heavy(node) -> bool:
    """A block that fills most of a slide: a figure or image output, or a table."""
    return bool(list(node.findall(nodes.image)) or list(node.findall(nodes.table)))


def _continuation(section, chunk, n):
    """A new section holding `chunk`, titled like `section` with a "(계속 n)" mark."""
    title = section.next_node(nodes.title)
    part = nodes.section(ids=[f"{section['ids'][0]}-{n}" if section["ids"] else f"slide-part-{n}"])
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
        for section in list(self.document.findall(nodes.section)):
            self._split(section)
        for section in self.document.findall(nodes.section):
            self._notes(section)

    @staticmethod
    def _split(section):
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
        parts = [_continuation(section, chunk, n) for n, chunk in enumerate(chunks[1:], start=2)]
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


def setup(app):
    app.setup_extension("sphinx_revealjs")
    app.connect("config-inited", _configure_decks)
    app.connect("builder-inited", _configure_slide_content, priority=100)
    app.add_post_transform(SlidesFromChapter)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
