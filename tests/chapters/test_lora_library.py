"""The Library-of-LoRAs chapter's claims, asserted from the per-seed numbers it glued.

Thresholds are the issue's, fixed before looking: MBC's adjusted Rand index ≥ 0.9 on every
seed (same A init); MSE(Arrow, top-4) < 0.6 × MSE(uniform merge) < MSE(base model) on the
held-out tasks, each inequality judged with the book's rule (`seed_effect(...).clear`: every
seed's paired difference has the same sign and the mean exceeds two standard errors). The
prototype identity ‖ΔW v‖ = σ_max is exact (relative 1e-5), and no random unit input is
amplified more. The paper's LLM accuracies were not measured: "untested".

Plausible bugs this test catches:
- Arrow logits without the absolute value (`(h @ prototypes.T) / temperature`): the chapter's
  hand check (routing must not change when a prototype's sign flips) raises, so the run fails
  and every glued test errors. With the chapter's check asserts removed, tokens on the negative
  side of a prototype go elsewhere: routing precision falls from 0.88 to 0.46 and Arrow's MSE
  rises from 1.2 to 3.3 (> 0.6 × uniform's 5.9): test_arrow_beats_uniform_beats_base,
  test_routing_prefers_the_own_family and test_glued_verdicts_agree_with_numbers fail.
- prototype taken as a column of Vᵀ instead of a row (`vh[:, :, 0]`): the hand check and the
  exercise-2 check raise; without them, ‖ΔW v‖ misses σ_max by up to 99 %
  (test_prototype_is_the_most_amplified_direction), precision drops to chance (0.25) and
  Arrow's MSE reaches the uniform merge's (test_arrow_beats_uniform_beats_base,
  test_routing_prefers_the_own_family).
- softmax over all 16 logits and then keeping the top-k weights, without renormalising
  (`torch.softmax(logits, dim=1).gather(1, chosen)`): the hand check raises; without it the
  MSE claims still hold (2.5 < 0.6 × 5.9), but the weights sum to as little as 0.26
  (test_routing_weights_are_a_top_k_softmax).
Each bug was injected into the chapter and `tools/run_chapter.py` plus this file were run,
once as written and once with the chapter's check asserts removed.
Not caught by this file: MBC keeping the smallest half of each parameter vector instead of
the largest (`<` for `>` in `sparsify`). On this toy the families are so far apart that ARI
stays 1.0 either way; only the chapter's hand check of `sparsify` (run as written) stops it.
"""
import numpy as np
import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/finetuning/lora_library"
METHODS = ["base", "uniform", "arrow", "mbc_arrow", "oracle"]
ARI_MIN = 0.9
ARROW_FACTOR = 0.6
EXACT_TOL = 1e-5


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def positive(effect):
    return effect.clear and effect.mean > 0


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_setup(g):
    n = g["n_seeds"]
    assert n >= 3
    assert g["n_experts"] == 16 and g["top_k"] == 4
    assert (g["ari_min"], g["arrow_factor"], g["exact_tol"]) == (ARI_MIN, ARROW_FACTOR, EXACT_TOL)
    for m in METHODS:
        assert len(g[f"mse_{m}"]) == n
        assert g[f"mse_{m}_mean"] == pytest.approx(np.mean(g[f"mse_{m}"]))
    for key in ("ari_same", "ari_different", "ari_delta_same", "ari_delta_different", "precision"):
        assert len(g[key]) == n
    # Every adapter learned its own task: far below what the base model misses on a new task.
    assert g["train_mse_mean"] < 0.05 * min(g["mse_base"])


def test_prototype_is_the_most_amplified_direction(g):
    # ‖ΔW v‖ = σ_max for the top right singular vector, for every adapter of every library.
    assert g["exact_gap_max"] <= EXACT_TOL
    # No random unit input is amplified beyond σ_max (and a random one falls well short).
    assert g["probe_ratio_max"] <= 1 + EXACT_TOL
    assert g["exact_word"] == "예"
    # The low-rank SVD of exercise 2 (from A and B only) gives the same prototypes up to sign.
    assert g["low_rank_gap"] < 1e-4


def test_mbc_recovers_the_families(g):
    assert min(g["ari_same"]) >= ARI_MIN
    assert g["ari_same_mean"] == pytest.approx(np.mean(g["ari_same"]))


def test_arrow_beats_uniform_beats_base(g):
    arrow = seed_effect([ARROW_FACTOR * u for u in g["mse_uniform"]], g["mse_arrow"])
    uniform = seed_effect(g["mse_base"], [ARROW_FACTOR * u for u in g["mse_uniform"]])
    assert positive(arrow) and positive(uniform)
    assert g["arrow_gap"] == pytest.approx(arrow.mean)
    assert g["uniform_gap"] == pytest.approx(uniform.mean)


def test_routing_prefers_the_own_family(g):
    # Chance is 4 of 16 = 0.25; Arrow must pick mostly the held-out task's own family.
    assert min(g["precision"]) > 0.5
    assert g["precision_mean"] == pytest.approx(np.mean(g["precision"]))


def test_routing_weights_are_a_top_k_softmax(g):
    # Over every held-out token: exactly k experts get weight, and their weights sum to 1
    # (the softmax runs over the chosen logits only).
    assert g["nonzero_per_token"] == [g["top_k"]]
    assert g["weight_sum_gap"] < 1e-6


def test_different_init_breaks_parameter_clustering(g):
    # The toy's lesson: MBC compares parameters, so adapters from different A inits are not
    # comparable; ΔW (exercise 1) is parameterisation-free.
    effect = seed_effect(g["ari_same"], g["ari_different"])
    assert positive(effect)
    assert "분명히 낮습니다" in g["init_sentence"]
    assert ("모두 찾습니다" in g["ari_delta_sentence"]) == (min(g["ari_delta_different"]) >= ARI_MIN)


def test_glued_verdicts_agree_with_numbers(g):
    def verdict(held, partial=False):
        return "held" if held else "partial" if partial else "failed"

    arrow = positive(seed_effect([ARROW_FACTOR * u for u in g["mse_uniform"]], g["mse_arrow"]))
    uniform = positive(seed_effect(g["mse_base"], [ARROW_FACTOR * u for u in g["mse_uniform"]]))
    ari_ok = [a >= ARI_MIN for a in g["ari_same"]]
    exact = g["exact_gap_max"] <= EXACT_TOL and g["probe_ratio_max"] <= 1 + EXACT_TOL
    expected = {
        "arrow": verdict(arrow and uniform, arrow or uniform),
        "mbc": verdict(all(ari_ok), any(ari_ok)),
        "prototype": verdict(exact),
        "llm": "untested",
    }
    for key, value in expected.items():
        assert g[f"claim_{key}_verdict"] == value, key
    assert g["headline_verdict"] == "재현됨"
