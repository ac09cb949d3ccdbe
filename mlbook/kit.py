"""The study-group kit's data: tracks, prerequisites and sign-up sheets.

    python -m mlbook.kit schedule --track 8 --start 2025-03-05 --skip 2025-10-06 > track-8.csv

`book/study/tracks.yml` says which papers a group reads each week; `book/study/prereqs.yml`
says which paper to read before which. Both name papers by arXiv id, so a track can hold
papers whose chapter is not written yet. A sign-up sheet has one row per paper with the
columns 주차, 날짜, 장, arXiv, 발표자, 슬라이드, Colab; it is UTF-8 *with* a byte-order mark,
because Korean Excel opens a CSV without one as CP949 and garbles every Hangul cell.
"""
import argparse
import csv
import datetime
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "book" / "study"
COLUMNS = ["주차", "날짜", "장", "arXiv", "발표자", "슬라이드", "Colab"]


@dataclass(frozen=True)
class Paper:
    arxiv: str
    title: str
    ko: str               # short Korean name
    part: str             # the part's Korean title
    chapter: str | None   # the chapter's docname, None while it is not written


def papers() -> dict[str, Paper]:
    """Every paper of the book by arXiv id, in the order of book/data/papers.yml."""
    data = yaml.safe_load((ROOT / "book" / "data" / "papers.yml").read_text(encoding="utf-8"))
    return {p["arxiv"]: Paper(p["arxiv"], p["title"], p["ko"], data["parts"][p["part"]], p.get("chapter"))
            for p in data["papers"]}


def tracks() -> dict[int, dict]:
    data = yaml.safe_load((STUDY / "tracks.yml").read_text(encoding="utf-8"))
    return {t["id"]: t for t in data["tracks"]}


def prereqs() -> dict:
    return yaml.safe_load((STUDY / "prereqs.yml").read_text(encoding="utf-8"))


def edges() -> list[tuple[str, str]]:
    """Every "read first → read after" pair between the book's papers."""
    return [tuple(e) for e in prereqs()["edges"]]


def topological_order(nodes, pairs) -> list[str]:
    """Kahn's algorithm; raises ValueError naming the papers it cannot order (those on a
    cycle and those that come after one)."""
    after = {n: [] for n in nodes}
    indegree = {n: 0 for n in nodes}
    for a, b in pairs:
        after[a].append(b)
        indegree[b] += 1
    ready = [n for n in nodes if indegree[n] == 0]
    order = []
    while ready:
        n = ready.pop(0)
        order.append(n)
        for m in after[n]:
            indegree[m] -= 1
            if indegree[m] == 0:
                ready.append(m)
    if len(order) < len(nodes):
        raise ValueError(f"선수 관계에 순환이 있습니다. 순서를 정할 수 없는 논문: "
                         f"{sorted(n for n in nodes if indegree[n] > 0)}")
    return order


def track_violations(weeks: list[list[str]], pairs) -> list[tuple[str, str]]:
    """Edges (a, b) where the track puts b before a (both in the track)."""
    position = {arxiv: i for i, arxiv in enumerate(a for week in weeks for a in week)}
    return [(a, b) for a, b in pairs if a in position and b in position and position[a] > position[b]]


def meeting_dates(start: datetime.date, count: int, skip=()) -> list[datetime.date]:
    """`count` weekly dates from `start`; a skipped date moves that week and the rest by a week."""
    dates, day = [], start
    while len(dates) < count:
        if day not in skip:
            dates.append(day)
        day += datetime.timedelta(weeks=1)
    return dates


def _config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _launch_urls() -> tuple[str, str]:
    config = _config()
    repo = config["repository"]["url"].removeprefix("https://github.com/")
    branch = config["repository"].get("branch", "main")
    return repo, branch


def baseurl() -> str:
    """The published book's address (``html.baseurl`` in _config.yml), ending in a slash."""
    url = (_config().get("html") or {}).get("baseurl")
    if not url:
        raise ValueError("_config.yml에 html.baseurl이 없습니다: 책의 공개 주소가 필요합니다")
    return url.rstrip("/") + "/"


def sheet_rows(track_id: int, dates: list[datetime.date] | None = None) -> list[dict]:
    """One row per paper of the track; dates (one per week) are left blank when not given."""
    known = papers()
    repo, branch = _launch_urls()
    rows = []
    for week, arxivs in enumerate(tracks()[track_id]["weeks"], start=1):
        for arxiv in arxivs:
            paper = known[arxiv]
            written = paper.chapter is not None
            rows.append({
                "주차": week,
                "날짜": dates[week - 1].isoformat() if dates else "",
                "장": paper.ko if written else f"{paper.ko} (준비 중)",
                "arXiv": arxiv,
                "발표자": "",
                "슬라이드": f"{baseurl()}slides/{paper.chapter}.html" if written else "",
                "Colab": (f"https://colab.research.google.com/github/{repo}/blob/{branch}/{paper.chapter}.ipynb"
                          if written else ""),
            })
    return rows


def follow_along_name(chapter: str) -> str:
    """The follow-along notebook beside a chapter: ``book/<part>/<slug>.follow.ipynb``."""
    return f"{chapter}.follow.ipynb"


def materials(chapter: str) -> list[tuple[str, str, str]]:
    """The chapter's study materials as ``(label, where, kind)``.

    `kind` says how to link `where`: ``site`` is a path inside the built book (a page link
    is relative in the HTML and absolute in a notebook), ``url`` is a full address.
    """
    repo, branch = _launch_urls()
    slug = chapter.rsplit("/", 1)[1]
    return [
        ("발표 자료 (슬라이드, S 키로 발표자 노트)", f"slides/{chapter}.html", "site"),
        ("유인물 (A4 PDF)", f"handouts/{slug}.pdf", "site"),
        ("따라치기 노트북 (Colab)",
         f"https://colab.research.google.com/github/{repo}/blob/{branch}/{follow_along_name(chapter)}", "url"),
    ]


def before_chapter(chapter: str) -> list[Paper | dict]:
    """What to read before `chapter`: papers of the book (Paper) and outside readings (dict)."""
    known = papers()
    arxiv = next(p.arxiv for p in known.values() if p.chapter == chapter)
    inside = [known[a] for a, b in edges() if b == arxiv]
    outside = [r for r in prereqs()["outside"] if arxiv in r["before"]]
    return inside + outside


def sheet_csv(rows: list[dict]) -> str:
    """The rows as CSV text (the caller writes it with encoding utf-8-sig)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlbook.kit")
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser("schedule", help="신청표(CSV, BOM 포함)에 매주 날짜를 채웁니다")
    plan.add_argument("--track", type=int, required=True, choices=sorted(tracks()))
    plan.add_argument("--start", type=datetime.date.fromisoformat, required=True, help="첫 모임 날짜 YYYY-MM-DD")
    plan.add_argument("--skip", type=datetime.date.fromisoformat, nargs="*", default=[],
                      help="건너뛸 날짜(공휴일 등)")
    plan.add_argument("--out", type=Path, help="쓸 파일 (없으면 표준 출력)")
    args = parser.parse_args(argv)
    weeks = len(tracks()[args.track]["weeks"])
    text = sheet_csv(sheet_rows(args.track, meeting_dates(args.start, weeks, set(args.skip))))
    if args.out:
        args.out.write_text(text, encoding="utf-8-sig")
    else:
        sys.stdout.buffer.write(text.encode("utf-8-sig"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
