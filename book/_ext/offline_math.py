"""MathJax from the book itself, so formulas are typeset without the internet.

Sphinx loads MathJax 3 from a CDN by default; offline every formula stays raw ``\\(…\\)``.
The PyPI package ``django-static-mathjax`` ships the MathJax 3 build (no Django needed):
its self-contained ``tex-svg.js`` (TeX in, SVG out, so no font files) is copied into
``_static/mathjax/``, with the TeX extensions that MathJax's autoload fetches on demand
(``\\boldsymbol`` loads ``[tex]/boldsymbol``) next to it, where MathJax looks for them.
"""
import importlib.util
import shutil
from pathlib import Path

COMPONENT = "tex-svg.js"
EXTENSIONS = Path("input") / "tex" / "extensions"
TARGET = "mathjax"  # under _static


def mathjax_dir() -> Path:
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax가 없습니다: `pip install django-static-mathjax` (requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"


def use_local_mathjax(app, config):
    config.mathjax_path = f"{TARGET}/{COMPONENT}"


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_dir()
    target = Path(app.outdir) / "_static" / TARGET
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / COMPONENT, target / COMPONENT)
    shutil.copytree(source / EXTENSIONS, target / EXTENSIONS, dirs_exist_ok=True)


def setup(app):
    mathjax_dir()  # fail at start-up, not after an hour of building
    app.connect("config-inited", use_local_mathjax, priority=900)
    app.connect("build-finished", copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
