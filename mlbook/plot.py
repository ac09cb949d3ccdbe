"""Korean figures that a reader can read: in the book's column, on a phone, in Colab.

The Hangul font is NanumGothic as shipped inside the PyPI package koreanize-matplotlib,
so no system font is needed. We register the font files ourselves instead of importing
that package: its import needs ``distutils``, which Python 3.12 (Colab) no longer has.

This module owns every figure's size, font sizes and pixel density, so that no chapter
has to choose them:

* `use_korean_style()` sets the sizes and makes the notebook emit *retina* PNGs: twice
  the pixels, displayed at half size, so figures stay sharp on high-density screens.
* `figure()` makes a figure exactly as wide as the book's content column (two panels
  side by side at most; more panels stack).
* Every figure a notebook shows is measured: the smallest text it renders, in CSS pixels
  of the book's column. Below `MIN_TEXT_PX` the notebook writes a warning to stderr, which
  fails the book build (stderr is a build warning), and the measurement is stored in the
  image's output metadata, where the tests read it.
"""
import importlib.util
import sys
from functools import partial
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, NullFormatter

FONT_FAMILY = "NanumGothic"

# One colour per role, so that "ours", "baseline" and "paper" look alike in every chapter.
COLORS = {
    "ours": "#d1495b",
    "baseline": "#00798c",
    "reference": "#4a4e69",
    "accent": "#edae49",
    "muted": "#8d99ae",
}

# The book's content column on a desktop (sphinx-book-theme at 1280 px) is about 690 CSS
# pixels wide; a wider image is shrunk into it, and its text with it.
COLUMN_PX = 690
# One figure inch is shown as this many CSS pixels (the PNG itself has twice as many).
CSS_PX_PER_INCH = 96
FIG_WIDTH_IN = 6.8          # 653 px: the column minus a margin for tight bounding boxes
PANEL_HEIGHT_IN = 3.4
MAX_COLUMNS = 2             # a third panel side by side would shrink text below the floor on a phone
MIN_TEXT_PX = 10            # the smallest legible text in the column (CSS px)


def font_files() -> list[Path]:
    """The NanumGothic TTF files that koreanize-matplotlib ships, without importing it."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "한글 글꼴을 찾지 못했습니다: `pip install koreanize-matplotlib`로 설치하세요."
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(root.rglob("NanumGothic*.ttf"))
    if not files:
        raise FileNotFoundError(f"{root} 안에 NanumGothic 글꼴 파일이 없습니다.")
    return files


def use_korean_style() -> None:
    """Register the Hangul font, set the book's figure style and retina output (idempotent)."""
    for path in font_files():
        font_manager.fontManager.addfont(str(path))
    mpl.rcParams.update({
        # Hangul from NanumGothic; symbols it lacks (U+2212 −, ⊕, Greek, arrows) fall back
        # to DejaVu Sans, which matplotlib itself ships.
        "font.family": [FONT_FAMILY, "DejaVu Sans"],
        # White figures stay legible when the book is read in dark mode.
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "figure.figsize": (FIG_WIDTH_IN, PANEL_HEIGHT_IN),
        "figure.dpi": CSS_PX_PER_INCH,
        # Point sizes at 96 px per inch: 9 pt is 12 CSS px, 10 pt is 13 px. The figure
        # title is larger than any panel title, so it reads as the figure's message.
        "font.size": 10,
        "axes.titlesize": 10.5,
        "axes.titleweight": "bold",
        "axes.labelsize": 10,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "legend.fontsize": 9,
        "figure.titlesize": 12,
        "figure.titleweight": "bold",
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
    })
    _show_retina_and_measured()


def figure(nrows: int = 1, ncols: int = 1, *, height: float | None = None, **kwargs):
    """``plt.subplots`` at the column's width: at most two panels side by side.

    `height` is the figure height in inches (default: `PANEL_HEIGHT_IN` per row).
    More than `MAX_COLUMNS` panels in a row would be unreadable on a phone: stack them.
    """
    import matplotlib.pyplot as plt

    if ncols > MAX_COLUMNS:
        raise ValueError(f"가로 패널은 {MAX_COLUMNS}개까지입니다 (받은 값 {ncols}). "
                         "패널을 세로로 쌓거나 그림을 나누세요.")
    size = (FIG_WIDTH_IN, height if height is not None else PANEL_HEIGHT_IN * nrows)
    return plt.subplots(nrows, ncols, figsize=size, **kwargs)


PLAIN_NUMBERS = FuncFormatter(lambda value, _: f"{value:g}")   # 10⁻² 대신 0.01처럼 적는다


def log_axis(ax, which: str = "x", base: int = 10, ticks=None) -> None:
    """Log scale on `which` ("x", "y" or "both") with plain numbers as tick labels.

    `ticks` pins the major ticks (e.g. the measured sizes of a sweep) on that axis.
    """
    for name in ("x", "y") if which == "both" else (which,):
        axis = ax.xaxis if name == "x" else ax.yaxis
        (ax.set_xscale if name == "x" else ax.set_yscale)("log", base=base)
        if ticks is not None:
            axis.set_ticks(list(ticks))
        axis.set_major_formatter(PLAIN_NUMBERS)
        axis.set_minor_formatter(NullFormatter())


def smallest_text_px(fig: Figure, width_px: float) -> tuple[float, float]:
    """(smallest font size in pt, the same in CSS px of the book's column).

    `width_px` is the figure's displayed width; an image wider than the column is shrunk
    into it. Only text that is drawn counts (visible, non-empty, inside the figure).
    """
    box = fig.bbox
    sizes = []
    for text in fig.findobj(Text):
        if not (text.get_visible() and text.get_text().strip()):
            continue
        extent = text.get_window_extent()
        if extent.width <= 0 or not extent.overlaps(box):
            continue
        sizes.append(text.get_fontsize())
    smallest_pt = min(sizes, default=float("inf"))
    shrink = min(1.0, COLUMN_PX / width_px)
    return smallest_pt, smallest_pt / 72 * fig.dpi * shrink


def _measured_retina_png(fig: Figure, **kwargs):
    """The IPython PNG formatter: retina PNG plus the size measurements as metadata."""
    from IPython.core.pylabtools import retina_figure

    shown = retina_figure(fig, base64=True, **kwargs)
    if shown is None:  # an empty figure shows nothing
        return None
    png, meta = shown
    smallest_pt, smallest_px = smallest_text_px(fig, meta["width"])
    meta["mlbook"] = {"smallest_text_pt": smallest_pt, "smallest_text_px": round(smallest_px, 2),
                      "column_px": COLUMN_PX}
    if smallest_px < MIN_TEXT_PX:
        print(f"그림 경고: 가장 작은 글자가 책의 본문 폭에서 {smallest_px:.1f} px로 "
              f"{MIN_TEXT_PX} px보다 작습니다 (글자 {smallest_pt:g} pt, 그림 폭 {meta['width']} px). "
              "mlbook.plot.figure()로 폭을 맞추고 패널을 줄이거나 글자를 키우세요.", file=sys.stderr)
    return png, meta


def _show_retina_and_measured() -> None:
    """Route every displayed matplotlib figure through `_measured_retina_png`."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    # The inline backend installs its own PNG formatter when it is first loaded, which
    # pyplot delays until the first figure: load it now, so that ours replaces it.
    import matplotlib.pyplot as plt

    plt.switch_backend(mpl.get_backend())

    formatters = shell.display_formatter.formatters
    for formatter in formatters.values():
        formatter.pop(Figure, None)
    formatters["image/png"].for_type(Figure, partial(_measured_retina_png, bbox_inches="tight"))
