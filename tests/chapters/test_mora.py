"""The MoRA chapter's claims, asserted from the values it glued.

Exact claims: r̂ = ⌊√((d+k)r) + 0.5⌋ = 256 for d = k = 4096, r = 8, and 65,536 trainable
parameters for LoRA and both MoRA types (counted on the built modules); on 64×64 layers with
random M, rank ΔW is r for LoRA, r̂ for type 1 and 64 for type 6; the merged layer gives the
adapter's output to float32 rounding (relative 1e-5). The fact-memorisation toy uses the
thresholds the chapter fixed before looking (issue 11): on the orthonormal set A the
closed-form energy of MoRA type 6 is ≥ 1.8 × LoRA's (exactly r/d) at every r; MoRA's recall
beats LoRA's clearly (seed_effect) on both sets at every r, by ≥ 0.15 at r = 4; in the
random-bits counter-toy LoRA reads more bits than MoRA, so the headline is "partial".

Plausible bugs this test catches:
- r̂ rounded down instead of to the nearest integer (`int(math.sqrt((d_in + d_out) * r))`
  without `+ 0.5` in mora_rank): 4096 still gives 256, so the chapter's own check passes,
  but type 1 at d = 64, r = 4 gets r̂ = 22 instead of 23 (test_exact_counts_and_ranks).
- LoRA's closed form keeps one singular value too many (`U[:, :r + 1]` in lora_optimum):
  the energy on set A becomes (r+1)/d (test_lora_closed_form_is_exactly_r_over_d) and the
  MoRA/LoRA energy ratio falls below 1.8 (test_mora_energy_about_twice_lora_on_set_a); the
  trained LoRA no longer matches its closed form (test_training_reaches_the_closed_forms).
- type 6 rotating every block by the same angle (R_i = I): the merge check stays exact
  because forward and delta_weight share rope_angles, so this file does not see it;
  tests/package/test_exported_chapter_code.py::test_exported_mora_matches_the_official_formulas
  does (it rebuilds ΔW with kongds/MoRA's loop).
Each bug was injected and the chapter run with tools/run_chapter.py, then this file run.
"""
import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/finetuning/mora"
RANKS = [2, 4, 8]
D = 64
ENERGY_FACTOR = 1.8
RECALL_MARGIN = 0.15


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def mean(values):
    return sum(values) / len(values)


def positive(effect):
    return effect.clear and effect.mean > 0


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_setup(g):
    assert g["n_seeds"] >= 3 and g["ranks"] == RANKS
    assert g["energy_factor"] == ENERGY_FACTOR and g["recall_margin"] == RECALL_MARGIN


def test_exact_counts_and_ranks(g):
    assert g["r_hat_4096"] == g["r_hat_4096_type1"] == 256
    assert g["params_4096"] == {"lora": 65_536, "mora1": 65_536, "mora6": 65_536}
    expected_r_hat = {2: (16, 16), 4: (23, 22), 8: (32, 32)}
    for r in RANKS:
        row = g["rank_rows"][str(r)]
        assert (row["r_hat1"], row["r_hat6"]) == expected_r_hat[r]
        assert row["lora"] == r
        assert row["mora1"] == row["r_hat1"]
        assert row["mora6"] == D


def test_merge_is_exact(g):
    assert 0 < g["merge_gap_max"] <= g["merge_tol"] == 1e-5


def test_lora_closed_form_is_exactly_r_over_d(g):
    for i, r in enumerate(RANKS):
        assert g["energy_closed_A_lora"][i] == pytest.approx([r / D] * g["n_seeds"], abs=1e-5)


def test_training_reaches_the_closed_forms(g):
    assert g["closed_gap"] < 0.02
    # MoRA's problem is a convex least squares: training lands on the same recall
    for s in "AB":
        for method in ("mora1", "mora6"):
            assert g[f"recall_{s}_{method}"] == g[f"recall_closed_{s}_{method}"]


def test_mora_energy_about_twice_lora_on_set_a(g):
    for r in RANKS:
        ratio = g[f"energy_ratio_r{r}"]
        assert ratio == pytest.approx(mean(g["energy_closed_A_mora6"][RANKS.index(r)]) / (r / D), rel=1e-4)
        assert ENERGY_FACTOR <= ratio < 2.3
    # On the Gaussian set B the low-rank truncation keeps more energy than MoRA at every r
    for i in range(len(RANKS)):
        assert mean(g["energy_closed_B_lora"][i]) > mean(g["energy_closed_B_mora6"][i])
    assert g["b_energy_lora_more"] == "예"


def test_mora_recalls_more_on_both_sets(g):
    for s in "AB":
        for i, r in enumerate(RANKS):
            effect = seed_effect(g[f"recall_{s}_mora6"][i], g[f"recall_{s}_lora"][i])
            assert positive(effect), (s, r)
            assert g[f"recall_gap_{s}_r{r}"] == pytest.approx(effect.mean)
        assert g[f"recall_gap_{s}_r4"] >= RECALL_MARGIN


def test_bits_counter_toy_favours_lora(g):
    lora, mora = g["bits_lora"], g["bits_mora6"]
    assert len(lora) == len(mora) == g["n_seeds"]
    assert positive(seed_effect(lora, mora))
    assert 0.6 < mean(mora) < mean(lora) < 0.95


def test_glued_verdicts_agree_with_numbers(g):
    def verdict(held, partial=False):
        return "held" if held else "partial" if partial else "failed"

    clear = [positive(seed_effect(g[f"recall_{s}_mora6"][i], g[f"recall_{s}_lora"][i]))
             for s in "AB" for i in range(len(RANKS))]
    recall_ok = all(clear) and all(g[f"recall_gap_{s}_r4"] >= RECALL_MARGIN for s in "AB")
    bits = seed_effect(g["bits_mora6"], g["bits_lora"])
    mora_bits, lora_bits = positive(bits), bits.clear and bits.mean < 0
    energy_ok = [g[f"energy_ratio_r{r}"] >= ENERGY_FACTOR for r in RANKS]
    expected = {
        "memory": verdict(recall_ok and mora_bits, recall_ok or mora_bits),
        "recall": verdict(recall_ok, any(clear)),
        "energy": verdict(all(energy_ok), any(energy_ok)),
        "bits": verdict(mora_bits, not lora_bits),
        "params": "held", "rank": "held", "merge": "held",
        "benchmarks": "untested",
    }
    for key, value in expected.items():
        assert g[f"claim_{key}_verdict"] == value, key
    assert g["headline_verdict"] == "부분 재현"
