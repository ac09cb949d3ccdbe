"""The study kit's data: prerequisites, tracks and sign-up sheets (mlbook.kit)."""
import csv
import datetime
import io
import subprocess
import sys

import pytest
import yaml

from mlbook import kit

from ..book.conftest import ROOT

PAPERS = kit.papers()
PART_ORDER = list(yaml.safe_load((ROOT / "book" / "data" / "papers.yml").read_text(encoding="utf-8"))["parts"].values())


def test_prerequisites_name_known_papers_and_have_no_cycle():
    pairs = kit.edges()
    for a, b in pairs:
        assert a in PAPERS and b in PAPERS, (a, b)
    for reading in kit.prereqs()["outside"]:
        assert reading["url"].startswith("https://") and all(a in PAPERS for a in reading["before"])
    kit.topological_order(list(PAPERS), pairs)


def test_a_cycle_is_named():
    with pytest.raises(ValueError, match="순환"):
        kit.topological_order(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")])


@pytest.mark.parametrize("track_id", sorted(kit.tracks()))
def test_every_track_reads_prerequisites_first(track_id):
    weeks = kit.tracks()[track_id]["weeks"]
    assert kit.track_violations(weeks, kit.edges()) == []
    # the check itself: swapping the first week's two papers breaks an edge
    swapped = [list(reversed(weeks[0]))] + weeks[1:]
    assert kit.track_violations(swapped, kit.edges())


def test_eight_week_track_has_two_papers_a_week_across_every_part():
    weeks = kit.tracks()[8]["weeks"]
    assert len(weeks) == 8 and all(len(w) == 2 for w in weeks)
    chosen = [a for w in weeks for a in w]
    assert len(set(chosen)) == 16
    assert {PAPERS[a].part for a in chosen} == set(PART_ORDER)


def test_twelve_week_track_reads_all_papers_in_part_order():
    weeks = kit.tracks()[12]["weeks"]
    assert len(weeks) == 12 and all(3 <= len(w) <= 4 for w in weeks)
    chosen = [a for w in weeks for a in w]
    assert sorted(chosen) == sorted(PAPERS)
    parts = [PART_ORDER.index(PAPERS[a].part) for a in chosen]
    assert parts == sorted(parts)


def test_meeting_dates_skip_holidays():
    start = datetime.date(2025, 3, 5)
    dates = kit.meeting_dates(start, 3, skip={datetime.date(2025, 3, 12)})
    assert dates == [start, datetime.date(2025, 3, 19), datetime.date(2025, 3, 26)]


def test_schedule_cli_writes_an_excel_safe_korean_sheet(tmp_path):
    out = tmp_path / "track-8.csv"
    run = subprocess.run([sys.executable, "-m", "mlbook.kit", "schedule", "--track", "8",
                          "--start", "2025-03-05", "--skip", "2025-03-19", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == kit.COLUMNS and len(rows) == 16
    assert [r["날짜"] for r in rows[:6]] == ["2025-03-05"] * 2 + ["2025-03-12"] * 2 + ["2025-03-26"] * 2
    online_softmax = next(r for r in rows if r["arXiv"] == "1805.02867")
    assert online_softmax["Colab"].endswith("book/attention/online_softmax.ipynb")
    assert all(r["발표자"] == "" for r in rows)
