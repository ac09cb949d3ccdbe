"""The EVA-02 chapter's claims, asserted from the values it glued.

The headline is EVA-02's first lever: a stronger MIM teacher gives a stronger student. The
chapter builds teachers of controlled strength (the toy CLIP T0 of `mlbook.vision.chain` at
its two checkpoints and at its end, `ChainConfig`), trains one small d=32 student per teacher and seed by MIM towards
the teacher's tokens, and the issue asks that the mean student probe be monotone in the
teacher probe (3 seeds). The verdict adds the paired end-to-end difference (strongest minus
weakest teacher's student) judged by `seed_effect`; the tests recompute it from the glued
per-seed probes. TrV vs vanilla and MIM vs supervised are reported, not asserted: only their
verdicts are recomputed. The three TrV parts are exact: SwiGLU with hidden 8d/3 has the
weights of a 4d GELU MLP, sub-LN adds exactly one LayerNorm (width = hidden) and it
standardises the input of W3, and 2D RoPE scores are unchanged when both positions move
(absolute embeddings are not; moving only the key changes RoPE too).

Plausible bugs this test catches:
(each tried: key line edited, chapter run up to the teachers, these tests run, edit reverted)
- Rotation with the wrong sign in `rope2d` (``even * cos + odd * sin`` for the first
  component, not a rotation): the chapter's check cell stops the run (the book build fails);
  with that assert disabled, test_rope_scores_see_only_the_offset fails (the score change
  under a common shift is 6.1, not 1e-15).
- sub-LN on the SwiGLU input instead of before W3 (a LayerNorm of width dim applied to x):
  the LayerNorm count is still 3; the chapter's check cell stops the run; with its asserts
  disabled, test_sub_ln_standardises_the_input_of_w3 fails (W3's input variance is 0.99 away
  from 1), and test_trv_parameter_count_is_exact would (the LayerNorm has 2·32, not 2·85, weights).
"""
import numpy as np
import pytest

from mlbook.report import seed_effect
from mlbook.vision import ChainConfig
from tests.glue import error_outputs, glued_values

DOC = "book/vision/eva02"
D_STUDENT, DEPTH, MLP_RATIO = 32, 3, 4


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def verdict(held, partial=False):
    return "held" if held else "partial" if partial else "failed"


def direction_verdict(effect):
    return verdict(effect.clear and effect.mean > 0, effect.mean > 0)


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_swiglu_matches_the_gelu_mlp_weight_count(g):
    d = g["check_dim"]
    assert d == 48 and g["check_hidden"] == 8 * d // 3 == 128
    assert g["weights_swiglu"] == g["weights_gelu"] == 2 * d * 4 * d == 18_432
    assert g["claim_swiglu_verdict"] == "held"


def test_sub_ln_standardises_the_input_of_w3(g):
    """One more LayerNorm per block (2 → 3), and at initialisation (LN weight 1, bias 0) the
    input of the output projection has mean 0 and variance 1 per token; without sub-LN it does not."""
    assert g["ln_plain"] == 2 and g["ln_subln"] == 3
    assert g["student_hidden"] == round(2 * MLP_RATIO * D_STUDENT / 3) == 85
    assert g["subln_mean"] < 1e-5 and g["subln_var_err"] < 1e-3
    assert g["no_subln_var_err"] > 0.1
    assert g["claim_subln_verdict"] == "held"


def test_trv_parameter_count_is_exact(g):
    """TrV changes only the MLP of each block: SwiGLU (2 input layers, hidden 85) + sub-LN
    (width 85) + W3, against Linear(32→128)–GELU–Linear(128→32); RoPE adds no weights."""
    h, d = g["student_hidden"], D_STUDENT
    gelu = d * 4 * d + 4 * d + 4 * d * d + d
    swiglu = 2 * (d * h + h) + 2 * h + h * d + d
    assert g["params_trv"] - g["params_vanilla"] == DEPTH * (swiglu - gelu) == 540
    assert 35_000 < g["params_vanilla"] < 45_000 < 4 * 35_000 < g["params_teacher"]


def test_rope_scores_see_only_the_offset(g):
    assert g["rope_shift_diff"] < 1e-6
    assert g["abs_shift_diff"] > 1e-3
    assert g["rope_key_only_diff"] > 1e-3
    assert g["claim_rope_verdict"] == "held"


def test_scale_and_seeds(g):
    chain = ChainConfig()
    assert g["teacher_steps"] == [*chain.t0_checkpoints, chain.t0_steps] and g["strong_steps"] == chain.t0_steps
    assert g["n_seeds"] >= 3
    assert g["n_masked"] == round(0.4 * 16) == 6
    assert g["n_probe_labels"] == 50 and g["n_unlabelled"] == 1300 and g["n_pairs"] == 300
    for steps in g["teacher_steps"]:
        assert len(g[f"teacher_probe_{steps}"]) == len(g[f"student_probe_{steps}"]) == g["n_seeds"]


def test_teachers_are_ordered_by_their_own_probe(g):
    means = {s: np.mean(g[f"teacher_probe_{s}"]) for s in g["teacher_steps"]}
    assert g["teacher_order"] == sorted(g["teacher_steps"], key=means.get)
    assert np.allclose(g["teacher_means"], [means[s] for s in g["teacher_order"]])
    # the strongest teacher learned the digits; the weakest is a real, weaker teacher
    assert means[g["teacher_order"][-1]] > np.mean(g["random_probe"]) + 0.2
    assert means[g["teacher_order"][-1]] - means[g["teacher_order"][0]] > 0.1


def test_student_probe_is_monotone_in_teacher_probe(g):
    """The issue's assertion: the 3-seed mean student probe rises with the teacher probe."""
    order = g["teacher_order"]
    means = [np.mean(g[f"student_probe_{s}"]) for s in order]
    assert np.allclose(g["student_means"], means)
    assert all(a < b for a, b in zip(means, means[1:])), f"student means {means} along teachers {order}"
    assert g["monotone"] is True


def test_main_verdict_is_computed_from_the_probes(g):
    order = g["teacher_order"]
    means = [np.mean(g[f"student_probe_{s}"]) for s in order]
    monotone = all(a < b for a, b in zip(means, means[1:]))
    end = seed_effect(g[f"student_probe_{order[-1]}"], g[f"student_probe_{order[0]}"])
    end_clear = end.clear and end.mean > 0
    assert g["end_effect"] == pytest.approx(end.mean)
    assert g["end_clear"] == end_clear
    assert g["claim_main_verdict"] == verdict(monotone and end_clear, monotone or end_clear)


def test_reported_comparisons_have_verdicts_from_numbers(g):
    """TrV vs vanilla and MIM vs supervised: reported, not asserted; the verdicts follow the numbers."""
    vanilla = g[f"student_probe_{g['strong_steps']}"]
    trv = seed_effect(g["trv_probe"], vanilla)
    sup = seed_effect(vanilla, g["supervised_probe"])
    assert g["trv_effect"] == pytest.approx(trv.mean)
    assert g["sup_effect"] == pytest.approx(sup.mean)
    assert g["claim_trv_verdict"] == direction_verdict(trv)
    assert g["claim_small_verdict"] == direction_verdict(sup)
    # every trained model is a model, not a constant: probes in [0, 1] and above chance (0.1)
    for probes in (g["trv_probe"], g["supervised_probe"], vanilla):
        assert all(0.1 < p <= 1.0 for p in probes)


def test_students_beat_an_untrained_tower_under_the_strongest_teacher(g):
    strongest = g["teacher_order"][-1]
    assert np.mean(g[f"student_probe_{strongest}"]) > np.mean(g["random_probe"]) + 0.1


def test_paper_scale_numbers_are_untested(g):
    assert g["claim_imagenet_verdict"] == "untested"
    assert g["claim_clip_verdict"] == "untested"
