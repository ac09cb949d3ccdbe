"""The Platypus chapter's claims, asserted from the values it glued.

Exact: MLP-only LoRA (gate, up, down; r = 16) has 3·r·(d + d_ff)·L trainable parameters,
36,372,480 for LLaMA-2-13B and 141,557,760 for 70B, and a real stack of LoRALinear modules
counts the same (792 for d = 12, d_ff = 32, L = 3, r = 2). The LLaMA-2 totals follow from the
configs (13,015,864,320 and 68,976,648,192).

Measured (thresholds fixed before looking, the issue's): decontamination at cosine 0.99 finds
every leak with at most 1 % of clean items removed; contaminated − filtered accuracy on the
leaked items exceeds 0.02 (seed_effect on the paired differences minus the margin); de-dup at
0.95 keeps at most 65 % with an accuracy drop clearly under 0.02. Each verdict must be the one
its numbers give (held / partial / failed), whatever the run measured. Merging, leaderboard
rank and A100 hours were not measured: "untested".

Each bug below was injected and the chapter run again.

Plausible bugs this test catches:
- training the "filtered" model on the unfiltered pool (the keep mask ignored): its leaked-item
  accuracy equals the contaminated model's in every seed (differences 0.0), and
  test_filtered_model_did_not_see_the_leaks fails (the glued verdict stays consistent, so only
  this behavioural test sees it).
- mlp_lora_params counting one factor only (per_linear = r·d_model instead of r·(d + d_ff)):
  the chapter's assert against a real stack of LoRALinear modules raises, the run leaves no
  executed notebook and every test errors (test_no_errors_or_stderr fails); with that assert
  removed, test_mlp_only_lora_parameter_counts fails (9,830,400 ≠ 36,372,480).
"""
import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/finetuning/platypus"


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def judge(held, partial=False):
    return "held" if held else "partial" if partial else "failed"


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_setup(g):
    assert g["n_seeds"] >= 3
    assert (g["n_clean"], g["n_test"], g["n_leak"]) == (600, 400, 120)
    assert (g["decontam_tau"], g["dedup_tau"]) == (0.99, 0.95)
    for key in ("recall", "clean_removed", "leaked_contaminated", "leaked_filtered", "kept", "dedup_drop"):
        assert len(g[key]) == g["n_seeds"], key


def test_mlp_only_lora_parameter_counts(g):
    assert g["mini_trainable"] == 3 * 2 * (12 + 32) * 3 == 792
    assert g["lora_13b"] == 16 * (5120 + 13824) * 3 * 40 == 36_372_480
    assert g["lora_70b"] == 16 * (8192 + 28672) * 3 * 80 == 141_557_760
    assert g["total_13b"] == 13_015_864_320
    assert g["total_70b"] == 68_976_648_192
    assert g["lora_13b_pct"] == pytest.approx(100 * 36_372_480 / 13_015_864_320)
    assert g["claim_lora_params_verdict"] == "held"


def test_similarities_are_cosines(g):
    # Cosines of non-negative pixel vectors lie in [0, 1]; a leak copy (σ = 0.05) stays close.
    assert 0.97 < g["sim_leak_min"] <= 1.0
    assert 0.9 < g["sim_clean_max"] <= 1.0


def test_decontamination_filter_is_judged_from_its_numbers(g):
    recall, removed = g["recall"], g["clean_removed"]
    assert all(0.95 <= r <= 1.0 for r in recall)          # the filter finds (almost) every leak
    assert all(0.0 <= c <= 0.01 for c in removed)
    ok = [r == 1.0 and c <= 0.01 for r, c in zip(recall, removed)]
    assert g["claim_filter_verdict"] == judge(all(ok), any(ok))
    assert g["headline_verdict"] == {"held": "재현됨", "partial": "부분 재현", "failed": "재현 안 됨"}[judge(all(ok), any(ok))]


def test_filtered_model_did_not_see_the_leaks(g):
    contaminated, filtered = g["leaked_contaminated"], g["leaked_filtered"]
    # The contaminated model saw every leaked item with its label: it (almost) never misses them.
    assert min(contaminated) >= 0.98
    # Filtering removes the inflation: clearly lower on the leaked items, in every seed.
    effect = seed_effect(contaminated, filtered)
    assert effect.clear and effect.mean > 0
    assert g["inflation_mean"] == pytest.approx(effect.mean)
    # And the contaminated model does better on the items it saw than on those it did not.
    memorised = seed_effect(contaminated, g["unseen_contaminated"])
    assert memorised.clear and memorised.mean > 0


def test_inflation_verdict_follows_the_margin(g):
    contaminated, filtered = g["leaked_contaminated"], g["leaked_filtered"]
    margin = seed_effect([c - 0.02 for c in contaminated], filtered)
    raw = seed_effect(contaminated, filtered)
    expected = judge(margin.clear and margin.mean > 0, raw.clear and raw.mean > 0)
    assert g["claim_inflation_verdict"] == expected


def test_dedup_keeps_a_fraction(g):
    kept, drop = g["kept"], g["dedup_drop"]
    assert all(0.5 < k < 0.75 for k in kept)            # about 60 % of the clean digits survive 0.95
    assert all(abs(d) < 0.05 for d in drop)
    drop_ok = seed_effect([0.02] * len(drop), drop)
    kept_ok = all(k <= 0.65 for k in kept)
    held = drop_ok.clear and drop_ok.mean > 0
    assert g["claim_dedup_verdict"] == judge(kept_ok and held, kept_ok or held)


def test_unmeasured_claims_are_untested(g):
    for key in ("merge", "leaderboard", "a100"):
        assert g[f"claim_{key}_verdict"] == "untested", key
    # The merge exploration shows interference: merged models fall well below one adapter.
    assert g["merge_single"] > 0.9
    assert g["merge_avg"] < g["merge_single"] - 0.1
    assert g["merge_sum"] < g["merge_single"] - 0.1
