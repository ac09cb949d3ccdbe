"""Draw the static figures under figures/ from the book's data (reproducible).

    python tools/make_figures.py
"""
from collections import Counter
from pathlib import Path
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mlbook.plot import COLORS, use_korean_style  # noqa: E402


def papers_by_part():
    data = yaml.safe_load((ROOT / "book" / "data" / "papers.yml").read_text(encoding="utf-8"))
    parts = list(data["parts"])
    total = Counter(p["part"] for p in data["papers"])
    written = Counter(p["part"] for p in data["papers"] if p.get("chapter"))
    names = [f"{i}부 {data['parts'][k]}" for i, k in enumerate(parts, start=1)][::-1]
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.barh(names, [total[k] for k in parts][::-1], color=COLORS["muted"], label="계획한 장")
    ax.barh(names, [written[k] for k in parts][::-1], color=COLORS["ours"], label="쓴 장")
    ax.set_xlabel("논문 수 (편)")
    ax.set_title(f"44편 가운데 {sum(written.values())}편의 장이 있다")
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(ROOT / "figures" / "papers_by_part.png", dpi=130)


if __name__ == "__main__":
    use_korean_style()
    papers_by_part()
