"""The SLAB chapter's claims, asserted from the values it glued.

The headline is the paper's reason for PRepBN: replacing LayerNorm by BatchNorm directly
hurts, and the progressive switch prevents it. It is judged on three arms trained by one
recipe (LN, RepBN from step 0, PRepBN) over at least three seeds, with paired per-seed
differences (`mlbook.report.seed_effect`): held only when both differences are clear in
the paper's direction, failed when either is clear against it or neither is clear. The
tests recompute every verdict from the glued accuracies and check that the PRepBN arm
really is progressive: it starts as the LN model (identical first-step loss) and ends as a
different model from RepBN-from-the-start. Exact claims stay exact: folding (an algebraic
identity, reported as such and not as evidence for the training claim), RepBN = one BN,
the two orders of SLA, and the depth-wise convolution reading exactly the 3×3 grid
neighbourhood of V (and nothing of Q or K). Timing is noisy on a shared CPU: only loose
sanity bounds are asserted on it, never a verdict.

Plausible bugs this test catches:
(each tried: key line edited, chapter re-run, this test run, edit reverted)
- DWC applied to Q instead of V in `LinearAttention.mix`: test_dwc_reads_the_neighbourhood_of_v_only
  (v_5 changes no output, q and k change 9) and test_glued_verdicts_agree_with_numbers (linear claim fails).
- No progression, RepBN from step 0 (`prepbn_gamma` returns 0): test_prepbn_starts_as_ln_and_ends_unlike_direct_bn
  (first-step loss 0.085 away from LN's; PRepBN's test losses equal RepBN's in every seed), besides
  test_gamma_schedule_is_linear_from_one_to_zero.
- γ never reaches 0 (`DECAY_STEPS = STEPS * 2`; trained with LN, evaluated as RepBN): test_every_arm_learned_the_digits
  (PRepBN 0.64) and test_glued_verdicts_agree_with_numbers (the comparable claim fails), besides the schedule test.
- The fold forgets RepBN's shortcut η (a = ω/s): test_folding_is_exact (logits differ by 30, predictions
  agree on 119 to 217 of 449 images) and test_glued_verdicts_agree_with_numbers.
"""
import math

import numpy as np
import pytest

from mlbook.measure import loglog_slope
from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/attention/slab"
ACC_MARGIN = 0.02
SLOPE_FROM = 256
HEADS, D_HEAD = 2, 32
ARMS = ("ln", "repbn", "prepbn")


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def verdict(held, partial=False):
    return "held" if held else "partial" if partial else "failed"


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_sla_orders_and_repbn_reparameterisation_are_exact(g):
    assert g["sla_order_diff"] < 1e-12
    assert g["repbn_bn_diff"] < 1e-12


def test_dwc_reads_the_neighbourhood_of_v_only(g):
    """With φ(Q) = 0 only DWC(V) is left: nudging v_5 on the 4×4 grid changes exactly the
    3×3 block around grid cell (1, 1); nudging q (still negative) or k changes nothing."""
    side, probe = 4, 5
    row, col = divmod(probe, side)
    block = [r * side + c for r in range(row - 1, row + 2) for c in range(col - 1, col + 2)]
    assert g["dwc_neighbourhood"] == block == [0, 1, 2, 4, 5, 6, 8, 9, 10]
    assert g["dwc_changed_by_v"] == block
    assert g["dwc_changed_by_qk"] == 0


def test_gamma_schedule_is_linear_from_one_to_zero(g):
    steps = g["gamma_checkpoints"]          # [0, T0/2, T0, total]
    decay = steps[2]
    assert steps[1] == decay // 2 and steps[3] >= decay
    assert g["gamma_values"] == [1.0, 1.0 - steps[1] / decay, 0.0, 0.0]


def test_prepbn_starts_as_ln_and_ends_unlike_direct_bn(g):
    """Progressive means: γ = 1 at step 0 (the PRepBN model computes the LN model's function
    on the same weights and batch, so the first losses agree exactly), and a path to RepBN
    that differs from training RepBN from the start (the test losses differ in every seed)."""
    assert g["prepbn_start_gap"] == 0.0
    prepbn, direct = np.array(g["test_loss_prepbn"]), np.array(g["test_loss_repbn"])
    assert prepbn.shape == direct.shape == (g["n_seeds"],)
    assert g["prepbn_direct_gap"] == pytest.approx(np.abs(prepbn - direct).min())
    assert g["prepbn_direct_gap"] > 1e-3


def test_every_arm_learned_the_digits(g):
    n_seeds = g["n_seeds"]
    assert n_seeds >= 3
    for arm in ARMS:
        values = np.array(g[f"acc_{arm}_seeds"])
        assert values.shape == (n_seeds,)
        assert g[f"acc_{arm}"] == pytest.approx(values.mean())
        assert values.min() > 0.8, arm          # every model really learned the digits
    assert g["acc_se"] == pytest.approx(math.sqrt(0.95 * 0.05 / g["n_test"]))


def test_folding_is_exact(g):
    n_seeds, n_test = g["n_seeds"], g["n_test"]
    assert n_test == 449
    assert g["norms_before"] == 5                      # two per block (depth 2) and the final norm
    assert g["folded_norms"] == [0] * n_seeds
    assert g["fold_same_predictions"] == [n_test] * n_seeds
    assert g["fold_max_diff64"] < 1e-10
    assert g["fold_max_diff32"] < 1e-3                  # float32 rounding only


def test_largest_tensor_grows_quadratically_for_softmax_and_linearly_for_sla(g):
    n = np.array(g["sweep_n"])
    assert n[0] == g["sweep_n_min"] and n[-1] == g["sweep_n_max"] and (np.diff(np.log2(n)) > 0).all()
    assert (n >= SLOPE_FROM).sum() >= 3
    softmax, sla = np.array(g["largest_softmax"]), np.array(g["largest_sla"])
    big = n >= SLOPE_FROM
    # The n×n score matrix per head, and the (N, heads·d_h) output of SLA: exact element counts.
    assert (softmax[big] == HEADS * n[big] ** 2).all()
    assert (sla[big] == HEADS * D_HEAD * n[big]).all()
    assert loglog_slope(n, softmax, x_min=SLOPE_FROM) == pytest.approx(2, abs=1e-9)
    assert loglog_slope(n, sla, x_min=SLOPE_FROM) == pytest.approx(1, abs=1e-9)
    assert g["mem_slope_softmax"] == pytest.approx(2, abs=1e-6)
    assert g["mem_slope_sla"] == pytest.approx(1, abs=1e-6)


def test_timing_is_consistent_and_loosely_scaled(g):
    n = np.array(g["sweep_n"])
    soft, sla = np.array(g["time_softmax_ms"]), np.array(g["time_sla_ms"])
    assert soft.shape == sla.shape == n.shape and (soft > 0).all() and (sla > 0).all()
    assert g["time_slope_softmax"] == pytest.approx(loglog_slope(n, soft, x_min=SLOPE_FROM))
    assert g["time_slope_sla"] == pytest.approx(loglog_slope(n, sla, x_min=SLOPE_FROM))
    # Loose sanity bounds, never a verdict: four sizes (256…2048) timed on a shared CPU, where
    # one load spike moves a slope by ±0.5 (seen: softmax 3.53, SLA 1.62 at load 10). What
    # must hold is the order: the quadratic cost grows clearly faster than the linear one.
    assert 0.3 <= g["time_slope_sla"] <= 2.0 and 1.4 <= g["time_slope_softmax"] <= 4.5
    assert g["time_slope_softmax"] - g["time_slope_sla"] >= 0.7
    # The crossover is reported, not asserted tightly: it must agree with the glued times.
    slower = soft > sla
    expected = next((int(x) for i, x in enumerate(n) if slower[i:].all()), None)
    assert g["time_crossover"] == expected
    assert expected is not None and expected < n[-1]
    assert g["time_ratio_at_max"] == pytest.approx(soft[-1] / sla[-1])


def test_glued_verdicts_agree_with_numbers(g):
    acc = {arm: g[f"acc_{arm}_seeds"] for arm in ARMS}
    direct, progressive = seed_effect(acc["repbn"], acc["ln"]), seed_effect(acc["prepbn"], acc["repbn"])
    prepbn_ln = seed_effect(acc["prepbn"], acc["ln"])
    assert g["acc_effect_direct"] == pytest.approx(direct.mean)
    assert g["acc_effect_progressive"] == pytest.approx(progressive.mean)
    assert g["acc_effect_prepbn_ln"] == pytest.approx(prepbn_ln.mean)
    hurts = direct.clear and direct.mean < 0                 # the paper's direction: direct BN is worse
    helps = progressive.clear and progressive.mean > 0       # and the progression recovers it
    against = (direct.clear and direct.mean > 0) or (progressive.clear and progressive.mean < 0)
    assert (g["direct_hurts"], g["progression_helps"], g["contradicted"]) == (hurts, helps, against)
    assert g["acc_comparable"] == (prepbn_ln.mean >= -ACC_MARGIN)

    n_seeds, n_test = g["n_seeds"], g["n_test"]
    fold_exact = (g["fold_max_diff64"] < 1e-10 and g["folded_norms"] == [0] * n_seeds
                  and g["fold_same_predictions"] == [n_test] * n_seeds)
    slopes_exact = abs(g["mem_slope_softmax"] - 2) < 1e-6 and abs(g["mem_slope_sla"] - 1) < 1e-6
    dwc_on_v = g["dwc_changed_by_v"] == g["dwc_neighbourhood"] and g["dwc_changed_by_qk"] == 0
    expected = {
        "main": verdict(hurts and helps, (hurts or helps) and not against),
        "comparable": verdict(prepbn_ln.mean >= -ACC_MARGIN),
        "fold": verdict(fold_exact),
        "repbn": verdict(g["repbn_bn_diff"] < 1e-12),
        "linear": verdict(slopes_exact and g["sla_order_diff"] < 1e-12 and dwc_on_v),
        # ImageNet accuracy and GPU latency are not measured the paper's way.
        "imagenet": "untested",
    }
    for key, value in expected.items():
        assert g[f"claim_{key}_verdict"] == value, key
    # What this chapter reports on its seeds: RepBN from the start is clearly *better* than LN
    # in this toy (the paper's premise does not show), the progression does not beat it, the
    # PRepBN model is as accurate as LN, and the exact claims hold.
    assert expected == {"main": "failed", "comparable": "held", "fold": "held", "repbn": "held",
                        "linear": "held", "imagenet": "untested"}
    assert against and not hurts
    assert g["headline_verdict"] == "재현 안 됨"
