"""Korean figures that render everywhere: the book build, CI and Colab.

The Hangul font is NanumGothic as shipped inside the PyPI package koreanize-matplotlib,
so no system font is needed. We register the font files ourselves instead of importing
that package: its import needs ``distutils``, which Python 3.12 (Colab) no longer has.
"""
import importlib.util
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager

FONT_FAMILY = "NanumGothic"

# One colour per role, so that "ours", "baseline" and "paper" look alike in every chapter.
COLORS = {
    "ours": "#d1495b",
    "baseline": "#00798c",
    "reference": "#4a4e69",
    "accent": "#edae49",
    "muted": "#8d99ae",
}


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
    """Register the Hangul font and set the book's figure style (idempotent)."""
    for path in font_files():
        font_manager.fontManager.addfont(str(path))
    mpl.rcParams.update({
        # Hangul from NanumGothic; symbols it lacks (U+2212 −, ⊕, Greek, arrows) fall back
        # to DejaVu Sans, which matplotlib itself ships.
        "font.family": [FONT_FAMILY, "DejaVu Sans"],
        # White figures stay legible when the book is read in dark mode.
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "figure.figsize": (6.4, 3.6),
        "figure.dpi": 110,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "legend.frameon": False,
    })
