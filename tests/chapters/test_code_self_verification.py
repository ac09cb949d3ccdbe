"""The CSV chapter's claims, asserted from the values it glued.

Exact: with three equal weights (1 and 0.3) the verification-weighted vote picks the naive
majority vote's answer on every problem, every seed and every k; at k = 1 both votes are the
single CSV answer. The executable "smallest integer x with N/x^m < c" set is exact too: the
root-and-ceil solver misses exactly the problems whose root is an integer (the paper's
Fig. 3 off-by-one, 100 → 101), and running the check fixes all of them.

Simulation (3 seeds × 3000 problems, thresholds of issue 12 fixed before looking):
CSV ≥ single + 0.05; weighted (1, .5, .2) ≥ naive + 0.03 at k = 16; weighted > naive at every
k ≥ 3; the paper's bad weights (.5, .5, 1) < naive; an uninformative verifier gives
|CSV − single| and |weighted − naive| < 0.02 on every seed. The CSV accuracy also matches
the closed form p + (f_w − f_r)·p(1 − p) averaged over Beta(2, 1.2) (0.714) within noise.
MATH accuracy is not measured: "untested".

Plausible bugs this test catches:
- weighted_vote looks the weights up in reverse state order (weights[::-1][states], as if
  the states were numbered F, U, T): test_weighted_vote_beats_naive, test_bad_weights_lose
  and test_glued_verdicts_agree_with_numbers fail (the "good" weights now favour answers
  verified False, so the headline is no longer held).
- solve_with_csv re-solves on the Uncertain state instead of False (redo = state == UNCERTAIN):
  test_csv_gain_and_closed_form fails (gain about 0.027 < 0.05, far from the closed form 0.714).
- naive_vote takes torch.mode of the answers (ties go to the smallest answer id) instead of
  the shared random priority: test_equal_weights_are_the_naive_vote (mismatches > 0),
  test_weighted_vote_beats_naive and test_uninformative_verifier_gives_nothing fail; the
  chapter's hand check does not catch it (no tie there between the two votes).
Each bug was injected into the chapter, the chapter re-run with its hand-check asserts
removed, and the named tests failed. With the asserts kept, the first bug already stops the
run at the hand check (the run fails, every glued test errors).
"""
import pytest

from tests.glue import error_outputs, glued_values

DOC = "book/alignment/code_self_verification"
KS = ["1", "3", "5", "9", "16"]


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def mean(values):
    return sum(values) / len(values)


def clear_positive(diffs):
    spread = (sum((d - mean(diffs)) ** 2 for d in diffs) / (len(diffs) - 1)) ** 0.5 / len(diffs) ** 0.5
    return all(d > 0 for d in diffs) and mean(diffs) > 2 * spread


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_equal_weights_are_the_naive_vote(g):
    assert g["n_seeds"] >= 3 and g["n_problems"] == 3000
    assert g["exact_mismatches"] == 0
    assert g["exact_word"] == "예"
    # one sample: every vote is that sample
    assert g["acc_naive"]["1"] == g["acc_weighted"]["1"] == g["acc_bad"]["1"] == g["acc_csv"]


def test_csv_gain_and_closed_form(g):
    single, csv = g["acc_single"], g["acc_csv"]
    for s, c in zip(single, csv):
        assert c >= s + 0.05
    # E[p] of Beta(2, 1.2) is 0.625; CSV is p + 0.5·p(1 − p) in expectation: 0.7143
    assert g["mean_p"] == pytest.approx(0.625)
    assert g["csv_formula"] == pytest.approx(0.625 + 0.5 * (0.625 - 6 / 13.44), abs=1e-6)
    assert abs(mean(single) - 0.625) < 0.015
    assert abs(mean(csv) - g["csv_formula"]) < 0.015
    # the paper's +3.85 points needs a gap f_w − f_r of about 0.22 on this problem mix
    assert g["gap_for_paper_gain"] == pytest.approx(0.0385 / (0.625 - 6 / 13.44), rel=1e-6)
    assert g["csv_gain_mean"] > 2 * g["paper_csv_gain"] / 100


def test_weighted_vote_beats_naive(g):
    naive, weighted = g["acc_naive"], g["acc_weighted"]
    assert list(naive) == KS
    for n, w in zip(naive["16"], weighted["16"]):
        assert w >= n + 0.03
    for k in KS[1:]:
        for n, w in zip(naive[k], weighted[k]):
            assert w > n
    # voting helps at all: k = 16 beats one CSV sample, and accuracy rises with k
    assert mean(naive["16"]) > mean(g["acc_csv"]) + 0.1
    assert [mean(weighted[k]) for k in KS] == sorted(mean(weighted[k]) for k in KS)


def test_bad_weights_lose(g):
    for n, b in zip(g["acc_naive"]["16"], g["acc_bad"]["16"]):
        assert b < n


def test_uninformative_verifier_gives_nothing(g):
    assert g["uninformative_rates"] == [0.475, 0.225, 0.3]
    assert max(abs(d) for d in g["blind_csv_diff"]) < 0.02
    assert max(abs(d) for d in g["blind_vote_diff"]) < 0.02
    # the same seeds draw the same first answers whatever the verifier
    assert g["blind_acc"]["single"] == g["acc_single"]


def test_executable_checks_fix_every_off_by_one(g):
    assert (g["paper_example_first"], g["paper_example_final"], g["paper_example_truth"]) == (100, 101, 101)
    assert g["exec_n"] == 73
    assert g["exec_first_acc"] == pytest.approx(1 - g["exec_boundary_share"])
    assert g["exec_boundary_share"] == pytest.approx(25 / 73)        # 24 generated boundary cases + Fig. 3
    assert g["exec_csv_acc"] == 1.0
    assert g["exec_true_on_right"] == 1.0 and g["exec_false_on_wrong"] == 1.0


def test_glued_verdicts_agree_with_numbers(g):
    naive, weighted, bad = g["acc_naive"], g["acc_weighted"], g["acc_bad"]
    every = [clear_positive([w - n for w, n in zip(weighted[k], naive[k])]) for k in KS[1:]]
    blind_csv = max(abs(d) for d in g["blind_csv_diff"]) < 0.02
    blind_vote = max(abs(d) for d in g["blind_vote_diff"]) < 0.02
    expected = {
        "weighted": "held" if clear_positive([w - 0.03 - n for w, n in zip(weighted["16"], naive["16"])]) else "failed",
        "csv": "held" if clear_positive([c - 0.05 - s for c, s in zip(g["acc_csv"], g["acc_single"])]) else "failed",
        "every_k": "held" if all(every) else "partial" if any(every) else "failed",
        "bad_weights": "held" if clear_positive([n - b for n, b in zip(naive["16"], bad["16"])]) else "failed",
        "uninformative": "held" if blind_csv and blind_vote else "partial" if blind_csv or blind_vote else "failed",
        "exact": "held" if g["exact_mismatches"] == 0 else "failed",
        "example": "held" if (g["paper_example_first"], g["paper_example_final"]) == (100, 101)
        and g["exec_csv_acc"] == 1.0 else "failed",
        "math": "untested",
    }
    for key, value in expected.items():
        assert g[f"claim_{key}_verdict"] == value, key
    assert g["headline_verdict"] == "재현됨"
    assert "모든 시드에서 문턱을 넘고" in g["vote_sentence"]
