"""The Octo chapter's claims, asserted from the values it glued.

The exact claim is tight: with Octo's block-wise mask, adding the MSE and then the diffusion
readout token leaves the goal and observation tokens' outputs unchanged to float32 rounding
(< 1e-5), while the same comparison without a mask changes them by more than 1e-2 (the
control shows the probe can see a leak). The cosine schedule is the official code's: β_19 is
clipped to 0.999, so ᾱ_19 is nearly 0. The qualitative claims use the thresholds the issue
fixed before the run: over three seeds, the diffusion head's success rate beats the MSE
head's by more than 0.2 on the mean and in every seed, and the MSE head collides more, the
paired difference clear by the book's rule (`seed_effect(...).clear`).

Each bug below was injected into the chapter and run (the first at 800 training steps, the
other two at 600).

Plausible bugs this test catches:
- readouts that the observation tokens can see (``if j in readouts: return i in readouts or
  i in OBSERVATIONS``) with the chapter's mask asserts deleted: the readout probe reports a
  difference of 1.22 instead of < 1e-5, so test_a_new_readout_leaves_the_other_tokens_unchanged
  fails; success 0.763 vs 0.437 also fails test_diffusion_head_beats_the_mse_head.
- the diffusion loss fed the MSE readout (``h[:, 3]`` in ``step_loss``) while sampling reads
  the diffusion readout: the head is conditioned on an embedding it never saw, success falls
  to 0.293 against the MSE head's 0.532 and collisions are no longer clearly fewer, so
  test_diffusion_head_beats_the_mse_head and test_mse_head_collides_more fail.
- the rollout callback declared as ``act(goal, prev, now)`` while ``PointMass.rollout`` calls
  it with (o_{t−1}, o_t, goal): both heads steer from the wrong inputs, no rollout succeeds
  (0.000 and 0.000), so the same two tests fail.
The chapter's own check cells stop the run before training on two more bugs: a mask whose
rows break the block structure (its asserts), and the noising coefficients swapped in
``diffusion_loss`` (the oracle head's loss is 14.1 instead of < 1e-6).
"""
import math

import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/vision/octo"
MARGIN_SUCCESS = 0.2
HEADS = ("mse", "diffusion")


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def mean(values):
    return sum(values) / len(values)


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_setup(g):
    assert g["n_seeds"] >= 3
    assert g["n_rollouts"] >= 200
    assert g["n_demos"] >= 400
    assert g["noise_samples"] >= 1
    assert 0.35 <= g["demo_left_share"] <= 0.65          # the demos really are bimodal


def test_a_new_readout_leaves_the_other_tokens_unchanged(g):
    assert g["readout_diff"] < 1e-5
    assert g["full_attention_diff"] > 1e-2
    assert g["claim_readout_verdict"] == "held"


def test_cosine_schedule_is_the_official_one(g):
    f = lambda k: math.cos((k / 20 + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
    assert g["beta_first"] == pytest.approx(1 - f(1) / f(0), rel=1e-5)
    assert g["alpha_bar_last"] < 1e-4
    assert g["oracle_loss"] < 1e-6


def test_diffusion_head_beats_the_mse_head(g):
    diff, mse = g["success_diffusion_seeds"], g["success_mse_seeds"]
    assert len(diff) == len(mse) == g["n_seeds"]
    gaps = [d - m for d, m in zip(diff, mse)]
    assert g["success_gap_seeds"] == pytest.approx(gaps)
    held = mean(gaps) > MARGIN_SUCCESS and all(x > MARGIN_SUCCESS for x in gaps)
    assert g["claim_heads_verdict"] == ("held" if held else "partial" if mean(gaps) > 0 else "failed")
    assert g["seeds_beyond"] == sum(x > MARGIN_SUCCESS for x in gaps)
    assert held, gaps
    assert mean(diff) > 0.7                              # the diffusion head mostly reaches the goal


def test_mse_head_collides_more(g):
    mse, diff = g["collided_mse_seeds"], g["collided_diffusion_seeds"]
    effect = seed_effect(mse, diff)
    assert g["claim_collisions_verdict"] == ("held" if effect.clear and effect.mean > 0
                                             else "partial" if effect.mean > 0 else "failed")
    assert effect.clear and effect.mean > 0, (mse, diff)
    # Prose: the MSE head averages the two ways round into the obstacle; the diffusion head uses both sides.
    assert g["collided_mse"] > 0.5
    assert min(g["side_left_diffusion"], g["side_right_diffusion"]) > 0.25


def test_paper_scale_is_not_measured_here(g):
    assert g["claim_scale_verdict"] == g["claim_finetune_verdict"] == "untested"
    assert (g["paper_trajectories"], g["paper_datasets"], g["paper_platforms"]) == (800_000, 25, 9)
    assert (g["paper_small_params_m"], g["paper_base_params_m"]) == (27, 93)
