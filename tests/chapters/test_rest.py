"""The ReST chapter's claims, asserted from the values it glued.

Thresholds are issue 12's, fixed before the run: over three seeds, the true reward rises at
each of G1's Improve steps I1…I4 (every step ``seed_effect(...).clear`` and positive);
G1I4 ≥ BC + 2.0 in every seed; |G1I0 − BC| < 0.3 in every seed (Improve without a filter
barely moves the policy). The second Grow is judged, not asserted to hold: its gain must be
clear and at least half of G1's Improve gain to be "held", clear but smaller is "partial".
The random-filter control (same number kept, random scores) must stay far below ReST.
The Grow step's normalisation is checked inside the chapter (its asserts stop the run).

Each bug below was injected into the chapter and run.

Plausible bugs this test catches:
- the filter inverted in ``rest`` (``1 - normalised`` passed to ``rest_improve``, so each Improve
  keeps the *worst* samples): the true reward falls at every Improve step (mean −2.08, −0.92,
  −0.85, −0.59) and G1I4 ends at −8.48 against BC −4.25; test_each_improve_step_raises_the_true_reward,
  test_filtering_beats_behaviour_cloning and test_random_filter_of_the_same_size_does_not_help fail.
- the Grow's prompt indices tiled instead of interleaved (``task.ids.repeat(samples)`` where
  ``sample`` returns the n answers of each prompt together), so answers are scored and learned
  against the wrong prompt: G1I0 − BC = −2.33/−2.12/−2.43 and G1I4 − BC = −0.80/−0.31/−0.45;
  test_each_improve_step_raises_the_true_reward, test_filtering_beats_behaviour_cloning and
  test_improve_without_a_filter_barely_moves fail. (The chapter's own check cell does not catch it:
  a mismatched pairing still ranks its own samples consistently.)
"""
import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/alignment/rest"
FILTER_GAIN = 2.0
NO_FILTER_TOL = 0.3
SECOND_GROW_SHARE = 0.5
STAGES = ["BC"] + [f"G{g}I{i}" for g in (1, 2) for i in range(5)]


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_setup(g):
    assert g["n_seeds"] >= 3
    assert g["stages"] == STAGES
    assert g["thresholds"] == "0, 0.7, 0.8, 0.9, 0.95"
    assert (g["filter_gain_threshold"], g["no_filter_tol"], g["second_grow_share_threshold"]) == \
        (FILTER_GAIN, NO_FILTER_TOL, SECOND_GROW_SHARE)
    for name in STAGES:
        assert len(g[f"true_{name}_seeds"]) == g["n_seeds"]
        assert all(-12 <= v <= 0 for v in g[f"true_{name}_seeds"])   # r* = −num_errors ≤ 0


def test_grow_normalisation_keeps_the_top_share(g):
    """τ = 0.9 keeps about the top 10 % of a uniform policy's samples (ties can add a little)."""
    assert 0.09 <= g["check_top_share"] <= 0.2
    kept = [int(k) for k in g["kept_G1"].split(", ")]
    assert kept[0] == g["n_prompts"] * g["grow_samples"]       # τ = 0 keeps everything
    assert kept == sorted(kept, reverse=True)
    assert kept[-1] < 0.1 * kept[0]                             # τ = 0.95 keeps about 5 %


def test_each_improve_step_raises_the_true_reward(g):
    effects = [seed_effect(g[f"true_G1I{i}_seeds"], g[f"true_G1I{i - 1}_seeds"]) for i in range(1, 5)]
    rises = [e.clear and e.mean > 0 for e in effects]
    assert g["step_rises"] == sum(rises)
    assert g["step_rise_seeds"] == [sum(d > 0 for d in e.diffs) for e in effects]
    assert g["claim_improve_steps_verdict"] == ("held" if all(rises) else "partial" if any(rises) else "failed")
    assert all(rises), [e.diffs for e in effects]


def test_filtering_beats_behaviour_cloning(g):
    diffs = [a - b for a, b in zip(g["true_G1I4_seeds"], g["true_BC_seeds"])]
    assert g["filter_gain_seeds"] == pytest.approx(diffs)
    assert all(d >= FILTER_GAIN for d in diffs), diffs
    assert g["claim_filter_gain_verdict"] == "held"


def test_improve_without_a_filter_barely_moves(g):
    diffs = [a - b for a, b in zip(g["true_G1I0_seeds"], g["true_BC_seeds"])]
    assert g["no_filter_diffs"] == pytest.approx(diffs)
    within = [abs(d) < NO_FILTER_TOL for d in diffs]
    assert g["claim_no_filter_verdict"] == ("held" if all(within) else "partial" if sum(within) >= 2 else "failed")
    assert all(within), diffs


def test_random_filter_of_the_same_size_does_not_help(g):
    """Data volume is not what helps: ReST beats a filter that keeps as many samples at random."""
    effect = seed_effect(g["true_G1I4_seeds"], g["control_end_seeds"])
    assert effect.clear and effect.mean > 0
    assert g["control_clear"] is True


def test_second_grow_verdict_follows_the_rule(g):
    second = seed_effect(g["true_G2I4_seeds"], g["true_G1I4_seeds"])
    g1 = seed_effect(g["true_G1I4_seeds"], g["true_G1I0_seeds"])
    share = second.mean / g1.mean
    assert g["second_share"] == pytest.approx(share)
    clear = second.clear and second.mean > 0
    assert g["claim_second_grow_verdict"] == ("held" if clear and share >= SECOND_GROW_SHARE
                                               else "partial" if clear else "failed")
    assert g["paper_second_share"] == pytest.approx((83.1 - 77.8) / (77.8 - 71.9))


def test_reward_model_gap_is_reported(g):
    for stage in ("G1I4", "G2I4"):
        assert g[f"gap_{stage}"] == pytest.approx(g[f"rm_gain_{stage}"] - g[f"true_gain_{stage}"])
    assert g["true_gain_G1I4"] == pytest.approx(g["filter_gain"])


def test_unmeasured_claims_are_untested(g):
    assert g["claim_human_eval_verdict"] == "untested"
    assert g["claim_online_rl_verdict"] == "untested"
    assert (g["paper_bc"], g["paper_g1i0"], g["paper_g1i4"], g["paper_g2i3"], g["paper_online_rl"]) == \
        (70.9, 71.9, 77.8, 83.1, 71.6)
