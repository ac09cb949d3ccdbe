"""The AI-consciousness chapter's claims, asserted from the values it glued.

The report (Butlin, Long et al. 2023) is not empirical: its conclusion ("no current AI system is a
strong candidate for consciousness"), its "no obvious technical barrier" and computational
functionalism are "untested", and so is the headline. What the chapter computes is pinned here:
the 14 indicators of the report's Table 1 as data, eight of them judged from an architecture
description; the rubric table for TinyGPT, mLSTM/sLSTM, an MLP and the workspace toy, exactly;
and the workspace toy (4 specialist encoders, one slot of width 8 filled by cue-dependent
attention, broadcast to every module's readout) over 3 seeds, with the thresholds the chapter
fixed before looking: non-cued modules report the cued digit ≥ 0.7 with broadcast, ≤ 0.2
without, clearly beyond the seed spread; attention on the cued module ≥ 0.9.

Plausible bugs this test catches:
- the slot never reaches the readouts (``shared = torch.zeros_like(s)`` in both branches):
  test_broadcast_reaches_every_module (non-cued accuracy ≈ 0.10 with "broadcast" too),
  test_attention_picks_the_cued_module (no gradient reaches the attention) and
  test_slot_width_sweep_is_reported fail. test_glued_verdicts_agree_with_numbers still passes:
  it only checks that the verdicts follow the (wrong) numbers.
- mLSTM/sLSTM described without recurrence (``input_recurrence`` left False, reading the
  parallel form as "not recurrent"): the chapter's check cell raises, the run fails, and
  test_no_errors_or_stderr fails with every glued test erroring; test_rubric_table_is_pinned
  pins the same row.
- the attention softmax over the batch instead of the modules (``dim=0``): the chapter's check
  cell raises (weights no longer sum to 1 over modules), test_no_errors_or_stderr fails and
  every glued test errors.
Each bug was injected, the chapter re-run with tools/run_chapter.py and this file run; the
failing tests are the ones named. Tried and NOT caught: dropping the learned module id from the
keys. That is not a bug: the four encoders have their own weights, so their keys already differ
and attention on the cued module stays ≥ 0.996.
"""
import statistics

import pytest

from tests.glue import error_outputs, glued_values

DOC = "book/anatomy/consciousness"
YES, NO, UNKNOWN = "있음", "없음", "구조로 판단 불가"
IDS = ["RPT-1", "RPT-2", "GWT-1", "GWT-2", "GWT-3", "GWT-4", "HOT-1", "HOT-2", "HOT-3", "HOT-4",
       "AST-1", "PP-1", "AE-1", "AE-2"]
CHECKABLE = ["RPT-1", "GWT-1", "GWT-2", "GWT-3", "GWT-4", "HOT-2", "AST-1", "PP-1"]


def table(yes=()):
    return {i: (YES if i in yes else NO) if i in CHECKABLE else UNKNOWN for i in IDS}


RUBRIC = {
    "TinyGPT": table(),
    "mLSTM/sLSTM": table({"RPT-1"}),
    "MLP": table(),
    "작업 공간 장난감": table({"GWT-1", "GWT-2", "GWT-3", "GWT-4"}),
}


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_indicators_are_the_reports_fourteen(g):
    assert g["n_indicators"] == 14
    assert g["n_checkable"] == len(CHECKABLE)
    assert g["checkable_ids"] == ", ".join(CHECKABLE)


def test_rubric_table_is_pinned(g):
    assert g["rubric"] == RUBRIC
    assert list(g["rubric"]) == list(RUBRIC)
    assert list(g["rubric"]["MLP"]) == IDS                       # the report's order
    assert g["rubric_counts"] == {name: sum(v == YES for v in t.values()) for name, t in RUBRIC.items()}
    assert (g["count_tinygpt"], g["count_xlstm"], g["count_mlp"], g["count_toy"]) == (0, 1, 0, 4)


def test_broadcast_reaches_every_module(g):
    on, off = g["others_on"], g["others_off"]
    assert len(on) == len(off) == 3
    assert min(on) >= 0.7
    assert max(off) <= 0.2
    assert 0.05 < statistics.fmean(off) < 0.15          # chance is 0.1: no broadcast, no information
    # the cued module reads its own image, broadcast or not
    assert min(g["cued_on"]) >= 0.8 and min(g["cued_off"]) >= 0.8
    assert g["others_on_mean"] == pytest.approx(statistics.fmean(on))


def test_attention_picks_the_cued_module(g):
    assert len(g["attention_on"]) == 3
    assert min(g["attention_on"]) >= 0.9


def test_slot_width_sweep_is_reported(g):
    sweep = g["sweep"]
    assert list(sweep) == ["2", "8", "32"]
    assert all(len(v) == 3 for v in sweep.values())
    assert sweep["8"] == g["others_on"]                  # width 8 is the main run, reused
    means = [statistics.fmean(sweep[w]) for w in sweep]
    assert g["sweep_means"] == ", ".join(f"{m:.2f}" for m in means)
    assert means[0] < means[-1]                          # a 2-wide slot cannot carry ten digits well
    rises = means[0] < means[1] < means[2]
    assert g["sweep_sentence"].startswith("폭을 넓힐수록" if rises else "폭을 넓혀도")


def test_workspace_is_short(g):
    # the teaching point: a few dozen lines satisfy GWT-1 … GWT-4 by the letter
    assert 15 <= g["workspace_lines"] <= 45


def test_glued_verdicts_agree_with_numbers(g):
    on, off = g["others_on"], g["others_off"]
    diffs = [a - b for a, b in zip(on, off)]
    stderr = statistics.stdev(diffs) / len(diffs) ** 0.5
    clear = all(d > 0 for d in diffs) and statistics.fmean(diffs) > 2 * stderr
    expected = {
        "conclusion": "untested",        # no measurement of consciousness exists
        "no_barrier": "untested",
        "functionalism": "untested",
        "rubric": "partial",             # 8 of 14 judged from architecture alone
        "broadcast": "held" if min(on) >= 0.7 and max(off) <= 0.2 and clear else "failed",
        "attention": "held" if min(g["attention_on"]) >= 0.9 else "failed",
    }
    for key, value in expected.items():
        assert g[f"claim_{key}_verdict"] == value, key
    assert g["headline_verdict"] == "재지 않음"
    assert g["broadcast_word"] == ("예" if expected["broadcast"] == "held" else "아니오")
