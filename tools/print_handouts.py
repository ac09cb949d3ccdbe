"""Print every chapter page as an A4 handout: _build/html/handouts/<chapter>.pdf.

    python tools/print_handouts.py

Headless Chromium prints the built page under the book's print stylesheet
(book/_static/print.css), two pages at a time on the two cores. Nothing is executed: the
page is the one the HTML build wrote, glued numbers and all.
"""
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.sync import chapter_sources  # noqa: E402

HTML = ROOT / "_build" / "html"
OUT = HTML / "handouts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         # no network at all: a handout that needs a CDN would print broken, and show it
         "--host-resolver-rules=MAP * ~NOTFOUND", "--no-pdf-header-footer",
         "--virtual-time-budget=10000"]


def print_page(docname: str) -> float:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    target = OUT / f"{Path(docname).name}.pdf"
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={target}",
                        (HTML / f"{docname}.html").as_uri()], capture_output=True, timeout=180, check=True)
    if not target.exists():
        raise RuntimeError(f"{target} 를 만들지 못했습니다")
    return time.perf_counter() - start


def main() -> int:
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        print("chromium이 없습니다: `make debs`", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    docnames = [md.relative_to(ROOT).with_suffix("").as_posix() for md in chapter_sources()]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for docname, seconds in zip(docnames, pool.map(print_page, docnames)):
            print(f"{seconds:5.1f} s  {docname}")
    print(f"유인물 {len(docnames)}편, {time.perf_counter() - start:.1f} s → {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
