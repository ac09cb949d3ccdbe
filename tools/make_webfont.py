"""Make the self-hosted Hangul web font: a woff2 subset of NanumGothic (SIL OFL 1.1).

    python tools/make_webfont.py

Readers whose system has no Korean font (many Linux desktops) would see empty boxes.
The subset keeps the 11,172 precomposed Hangul syllables, compatibility jamo and CJK
punctuation; `book/_static/ko.css` loads it only for those code points (unicode-range).
"""
from pathlib import Path
import sys

from fontTools import subset

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mlbook.plot import font_files  # noqa: E402

OUT = ROOT / "book" / "_static" / "fonts"
UNICODES = "U+3000-303F,U+3131-318E,U+AC00-D7A3"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for weight in ("NanumGothic", "NanumGothicBold"):
        source = next(p for p in font_files() if p.stem == weight)
        target = OUT / f"{weight}-hangul.woff2"
        subset.main([str(source), f"--unicodes={UNICODES}", "--flavor=woff2",
                     "--layout-features=*", f"--output-file={target}"])
        print(target.relative_to(ROOT), target.stat().st_size // 1024, "KiB")


if __name__ == "__main__":
    main()
