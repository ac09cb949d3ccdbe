"""Write every chapter's code cells as a Python file, so tools that read only .py see them.

    python tools/export_code.py OUT      # OUT/book/<part>/<chapter>.py and mlbook/ (less its generated chapters/)

`make dupes` runs the duplicate finder over OUT: a helper that two chapters both define,
or a chapter that re-implements something in mlbook/, shows up as a pair of places.
"""
import shutil
import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.sync import chapter_sources  # noqa: E402


def main(out: Path) -> None:
    for md in chapter_sources():
        nb = jupytext.read(md)
        nb.cells = [c for c in nb.cells if c.cell_type == "code"]
        target = out / md.relative_to(ROOT).with_suffix(".py")
        target.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(nb, target, fmt="py:percent")
    # mlbook/chapters/ is generated from the chapters' export cells: it would pair with them.
    shutil.copytree(ROOT / "mlbook", out / "mlbook", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "chapters"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
