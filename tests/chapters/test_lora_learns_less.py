"""The LoRA-learns-less chapter's claims, asserted from the per-seed numbers it glued.

Each method is judged at its own learning rate, the one with the highest mean validation
target accuracy (ties to the smaller rate), as the paper tunes each method's rate.
Qualitative comparisons use the book's rule (`mlbook.report.seed_effect(...).clear`: every
seed's paired difference has the same sign and the mean exceeds two standard errors); the
thresholds are the chapter's: a learning gap of at least 0.05, a Pareto tolerance of 0.02,
and a full-fine-tuning rank ratio of 10 (the paper's lower bound) or 4 (partial).

Plausible bugs this test catches:
- scaling the LoRA update by α instead of α/r (`self.scale = alpha`): the measured forward
  scale becomes 2r instead of 2 (test_lora_update_is_scaled_by_alpha_over_r).
- measuring forgetting on the target task's inputs (`X_test` → `XB_test` in `measure`): the
  kept accuracy at step 0 no longer equals the pre-trained model's accuracy
  (test_fine_tuning_starts_from_the_pretrained_model).
- initialising LoRA's B randomly instead of with zeros: the chapter's own check right after
  wrapping (output equals the frozen layer's) stops the run, so no executed notebook is left
  and every test errors; past that check, the LoRA runs would no longer start from the
  pre-trained model (test_fine_tuning_starts_from_the_pretrained_model).
- leaving W₀ trainable inside LoRALinear (no `requires_grad_(False)`): "LoRA" becomes full
  fine-tuning plus a low-rank branch, learns about as much as full fine-tuning, and the
  headline fails (test_headline_what_the_toy_shows); its points rise above the full
  fine-tuning curve (test_lora_points_never_rise_above_the_full_curve).
"""
import numpy as np
import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/finetuning/lora_learns_less"
RANKS = [1, 2, 4, 8]
METHODS = ["full"] + RANKS
LEARN_MARGIN = 0.05
PARETO_TOL = 0.02
RATIO_PAPER = 10
RATIO_FAR = 4


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def name(method):
    return "full" if method == "full" else f"r{method}"


def per_seed(g, kind, method):
    """(n_seeds,) array of the glued per-seed accuracies at the method's own rate."""
    values = np.array(g[f"{kind}_{name(method)}"], dtype=float)
    assert values.shape == (g["n_seeds"],)
    return values


def positive(effect):
    return effect.clear and effect.mean > 0


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_setup(g):
    assert g["n_seeds"] >= 3
    assert g["ranks"] == RANKS
    assert g["learn_margin"] == LEARN_MARGIN and g["pareto_tol"] == PARETO_TOL
    # Every seed starts from a model that really solved the source task.
    assert len(g["pretrained_acc"]) == g["n_seeds"]
    assert min(g["pretrained_acc"]) > 0.9
    for method in METHODS:
        assert g[f"learn_{name(method)}_mean"] == pytest.approx(per_seed(g, "learn", method).mean())
        assert g[f"keep_{name(method)}_mean"] == pytest.approx(per_seed(g, "keep", method).mean())


def test_lora_update_is_scaled_by_alpha_over_r(g):
    # α = 2r, so the forward pass multiplies B(Ax) by α/r = 2 at every rank (measured from
    # the trained layers' outputs, not read from the code's variable).
    for r in RANKS:
        assert g[f"lora_scale_r{r}"] == pytest.approx(2.0, rel=1e-5)


def test_fine_tuning_starts_from_the_pretrained_model(g):
    # Step 0 of every (method, rate) run: the trunk is untouched (LoRA's B = 0), so the kept
    # accuracy is exactly the pre-trained model's accuracy on the source task's test set.
    step0 = g["keep_step0"]
    assert len(step0) == g["n_seeds"]
    for runs, pretrained in zip(step0, g["pretrained_acc"]):
        assert len(runs) == len(METHODS) * len(g["lrs"])
        assert runs == pytest.approx([pretrained] * len(runs), abs=1e-9)


def test_each_method_uses_its_best_validation_rate(g):
    lrs = g["lrs"]
    assert len(lrs) >= 3
    for method in METHODS:
        val = g[f"val_{name(method)}"]
        chosen = max(range(len(lrs)), key=lambda i: (val[i], -lrs[i]))
        assert g[f"best_lr_{name(method)}"] == lrs[chosen]


def test_headline_what_the_toy_shows(g):
    """At each method's own rate, LoRA r = 1 learns clearly less (by ≥ 0.05) and keeps
    clearly more; the gap is far smaller than a single shared low rate made it look."""
    learn = seed_effect(per_seed(g, "learn", "full"), per_seed(g, "learn", 1))
    keep = seed_effect(per_seed(g, "keep", 1), per_seed(g, "keep", "full"))
    assert learn.mean == pytest.approx(g["learn_gap_r1"])
    assert positive(learn) and learn.mean >= LEARN_MARGIN
    assert positive(keep)
    assert g["claim_less_and_less_verdict"] == "held"
    assert g["headline_verdict"] == "재현됨"
    assert g["learn_gap_shared_lr"] > 2 * g["learn_gap_r1"]


def test_lora_points_never_rise_above_the_full_curve(g):
    gaps = np.array(g["pareto_gaps"])
    assert len(gaps) >= len(RANKS)                 # most (rank, rate) end points are comparable
    assert gaps.max() <= PARETO_TOL
    assert (g["pareto_gap_max"], g["pareto_gap_min"]) == (gaps.max(), gaps.min())
    assert len(g["seed_mean_gap"]) == g["n_seeds"]


def test_delta_w_ranks(g):
    # LoRA: the 90% rank can never exceed r (rank(BA) <= r), in every seed and layer.
    for r in RANKS:
        assert all(k <= r for layers in g[f"rank90_seeds_r{r}"] for k in layers)
    full = np.array(g["rank90_seeds_full"], dtype=float)       # (seeds, layers)
    assert full.shape == (g["n_seeds"], 2)
    assert g["rank90_full"] == pytest.approx(full.mean())
    assert (g["rank90_full_layer1"], g["rank90_full_layer2"]) == pytest.approx(tuple(full.mean(axis=0)))
    assert g["rank_ratio_r1"] == pytest.approx(full.mean() / 1)
    assert g["rank_ratio_r1"] >= RATIO_FAR
    # The digits' own 90% rank (uncentred pixels) is a fixed property of the data.
    assert g["data_rank90"] == 9


def test_glued_verdicts_agree_with_numbers(g):
    def verdict(held, partial=False):
        return "held" if held else "partial" if partial else "failed"

    learn = {m: per_seed(g, "learn", m) for m in METHODS}
    keep = {m: per_seed(g, "keep", m) for m in METHODS}
    learn_effect = seed_effect(learn["full"], learn[1])
    learns_less = positive(learn_effect) and learn_effect.mean >= LEARN_MARGIN
    forgets_less = positive(seed_effect(keep[1], keep["full"]))
    full_learns_more = [positive(seed_effect(learn["full"], learn[r])) for r in RANKS]
    rises = positive(seed_effect(learn[8], learn[1]))
    lora_keeps_more = [positive(seed_effect(keep[r], keep["full"])) for r in RANKS]
    gaps = np.array(g["pareto_gaps"])
    ratio = g["rank_ratio_r1"]

    expected = {
        "less_and_less": verdict(learns_less and forgets_less, learns_less or forgets_less),
        "learn_every_rank": verdict(all(full_learns_more) and rises, any(full_learns_more)),
        "forget_every_rank": verdict(all(lora_keeps_more), lora_keeps_more[0]),
        "same_curve": verdict(bool(np.all(np.abs(gaps) <= PARETO_TOL)), bool(gaps.max() <= PARETO_TOL)),
        "high_rank": verdict(ratio >= RATIO_PAPER, ratio >= RATIO_FAR),
    }
    for key, value in expected.items():
        assert g[f"claim_{key}_verdict"] == value, key
    for r in RANKS:
        assert g[f"keep_gap_r{r}"] == pytest.approx(seed_effect(keep[r], keep["full"]).mean)
