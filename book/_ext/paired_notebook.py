"""The download button serves the chapter's paired notebook, the one Colab and Binder open.

sphinx-book-theme's launch-button handler copies the notebook the build executed
(``_build/jupyter_execute/<page>.ipynb``: raw MyST in its Markdown, glue roles unfilled) to
``_sources/<page>.ipynb`` and points the ``.ipynb`` download there. This handler runs after
it and copies the paired ``<page>.ipynb`` that ``tools/sync.py`` writes next to the chapter
(plain Jupyter Markdown, glued numbers filled in) over that copy.
"""
import shutil
from pathlib import Path

# sphinx-book-theme connects its launch buttons with priority 501; this must run later.
AFTER_THE_THEME = 900


def serve_paired_notebook(app, pagename, templatename, context, doctree):
    served = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    paired = Path(app.srcdir) / f"{pagename}.ipynb"
    if context.get("ipynb_source") and served.exists() and paired.exists():
        shutil.copyfile(paired, served)


def note_paired_notebook(app, docname, source):
    """A page is written again when its paired notebook changes (make sync after a build)."""
    paired = Path(app.srcdir) / f"{docname}.ipynb"
    if paired.exists():
        app.env.note_dependency(str(paired))


def setup(app):
    app.connect("source-read", note_paired_notebook)
    app.connect("html-page-context", serve_paired_notebook, priority=AFTER_THE_THEME)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
