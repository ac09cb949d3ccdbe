"""The Show-1 chapter's claims, asserted from the values it glued.

Thresholds are the issue's, fixed before the run: with an unconditional latent expert the
class agreement must not rise with the strength s by more than 0.03 between neighbours and
agreement(0.2) must exceed agreement(1.0) + 0.3, in every seed; realism (mean distance to
the nearest real digit) at s = 0.2 must clearly beat bilinear upsampling; the paper's
"latent models align worse" is not reproduced (the class-conditional latent model aligns
better than the pixel keyframes) and the d-sweep must show alignment failing only where the
latent cannot carry the class: acc(d=2) < acc(d=8). The value counts are exact.

Plausible bugs this test catches:
- noising to the wrong level in `expert_translate` (`levels[-1]` → `levels[1]`: the input
  gets almost no noise while DDIM still walks down from t_s; the chapter's point-mass check
  cannot see it, as an exact oracle lands on c from any level): agreement at s = 1 stays
  far above chance, so the trade-off fails
  (test_strength_trades_the_keyframe_for_the_latent_model).
- dropping the class condition in `cascade` (cond always None, so "클래스" does nothing):
  the "class-aware" latent model aligns worse than the keyframes, the align verdict flips
  to held (test_latent_alignment_not_reproduced_and_the_d_sweep).
- decoding without undoing the per-component PCA scale: the judge's argmax survives it, so
  no claim here moves; the exported `PCALatent` round-trip test catches it
  (tests/package/test_exported_chapter_code.py::test_exported_pca_latent_round_trips_and_is_standardised).
"""
import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/generative/show1"
STRENGTHS = ("02", "04", "06", "08", "10")
MONO_TOL, GAP = 0.03, 0.3


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def mean(values):
    return sum(values) / len(values)


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_exact_value_counts(g):
    assert (g["pixel_inputs"], g["latent_inputs"], g["pixel8_inputs"]) == (16, 16, 64)
    assert g["pixel_ratio"] == 72 == (576 * 320) // (64 * 40)
    assert g["latent_values_576"] == 72 * 40 * 4
    assert g["latent_ratio"] == 48 == (576 * 320 * 3) // (72 * 40 * 4)
    assert g["sr_pixel_ratio"] == 16


def test_setup(g):
    assert g["n_seeds"] >= 3 and g["n_samples"] >= 200 and g["cfg"] == 2.0
    assert g["judge_test_accuracy"] > 0.9


def test_pca_latent_carries_the_class(g):
    recon = [g[f"recon_acc_d{d}"] for d in (2, 4, 8, 16)]
    assert recon == sorted(recon)
    assert recon[0] < 0.6 and recon[-1] > 0.9


def test_strength_trades_the_keyframe_for_the_latent_model(g):
    seeds = [g[f"agree_s{s}_seeds"] for s in STRENGTHS]
    n = len(seeds[0])
    assert n == g["n_seeds"]
    monotone = [all(seeds[j + 1][i] <= seeds[j][i] + MONO_TOL for j in range(len(seeds) - 1)) for i in range(n)]
    wide = [seeds[0][i] > seeds[-1][i] + GAP for i in range(n)]
    effect = seed_effect(seeds[0], seeds[-1])
    held = all(monotone) and all(wide) and effect.clear and effect.mean > 0
    assert g["claim_keep_verdict"] == ("held" if held else "partial" if effect.clear and effect.mean > 0 else "failed")
    assert g["monotone_seeds"] == sum(monotone) and g["wide_seeds"] == sum(wide)
    assert held and g["headline_verdict"] == "재현됨"
    # Prose: at s = 1 the unconditional expert is near chance; even s = 0.2 is below the keyframes.
    assert g["agree_s10"] < 0.2
    assert g["agree_s02"] < g["key_acc"]
    assert g["agree_s02"] == pytest.approx(mean(g["agree_s02_seeds"]))


def test_small_strength_is_more_realistic_than_bilinear(g):
    effect = seed_effect(g["key_real_seeds"], g["real_s02_seeds"])
    assert g["claim_realism_verdict"] == ("held" if effect.clear and effect.mean > 0 else "failed")
    assert g["claim_realism_verdict"] == "held"
    assert g["realism_gain"] == pytest.approx(effect.mean)
    assert g["real_s10"] > g["real_s02"]   # prose: realism worsens again at s = 1


def test_latent_alignment_not_reproduced_and_the_d_sweep(g):
    effect = seed_effect(g["key_acc_seeds"], g["latent_only_seeds"])
    assert g["claim_align_verdict"] == ("held" if effect.clear and effect.mean > 0 else "failed")
    assert g["claim_align_verdict"] == "failed"
    assert effect.clear and effect.mean < 0 and g["latent_aligns_better"] == "예"
    assert g["cond_acc_d2"] < g["cond_acc_d8"]
    assert g["cond_acc_d16"] > g["key_acc"]


def test_memory_is_not_measured(g):
    assert g["claim_memory_verdict"] == "untested"
