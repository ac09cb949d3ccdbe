"""The LoRA-learns-less chapter's claims, asserted from the per-seed numbers it glued.

Accuracies are the chapter's per-seed test accuracies at its main learning rate; every
comparison is on the mean over seeds (pairs share one pre-trained model per seed), with
the chapter's own thresholds: a learning gap of at least 0.05, a Pareto tolerance of
0.02, and a full-fine-tuning rank ratio of 10 (the paper's lower bound) or 4 (partial).
"""
import numpy as np
import pytest

from tests.glue import error_outputs, glued_values

DOC = "book/finetuning/lora_learns_less"
RANKS = [1, 2, 4, 8]
LEARN_MARGIN = 0.05
PARETO_TOL = 0.02
RATIO_PAPER = 10
RATIO_FAR = 4


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def per_seed(g, kind, method):
    """(n_seeds,) array of the glued per-seed accuracies, kind in {"learn", "keep"}."""
    name = "full" if method == "full" else f"r{method}"
    values = np.array(g[f"{kind}_{name}"], dtype=float)
    assert values.shape == (g["n_seeds"],)
    return values


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_setup(g):
    assert g["n_seeds"] >= 3
    assert g["ranks"] == RANKS
    assert g["learn_margin"] == LEARN_MARGIN and g["pareto_tol"] == PARETO_TOL
    # Every seed starts from a model that really solved the source task.
    assert len(g["pretrained_acc"]) == g["n_seeds"]
    assert min(g["pretrained_acc"]) > 0.9
    for method in ["full"] + RANKS:
        name = "full" if method == "full" else f"r{method}"
        assert g[f"learn_{name}_mean"] == pytest.approx(per_seed(g, "learn", method).mean())
        assert g[f"keep_{name}_mean"] == pytest.approx(per_seed(g, "keep", method).mean())


def test_full_finetuning_learns_more(g):
    gap = per_seed(g, "learn", "full") - per_seed(g, "learn", 1)
    assert gap.mean() == pytest.approx(g["learn_gap_r1"])
    assert gap.mean() >= LEARN_MARGIN
    learn_by_rank = [per_seed(g, "learn", r).mean() for r in RANKS]
    assert all(per_seed(g, "learn", "full").mean() > v for v in learn_by_rank)
    assert np.all(np.diff(learn_by_rank) > 0)      # more rank, more learning


def test_low_rank_lora_forgets_less(g):
    keep_full, keep_r1 = per_seed(g, "keep", "full"), per_seed(g, "keep", 1)
    assert keep_r1.mean() > keep_full.mean()
    assert g["keep_r1_wins"] == int(np.sum(keep_r1 > keep_full))
    # The chapter reports that the advantage is gone at r = 8 (claim "partial").
    assert per_seed(g, "keep", 8).mean() < keep_full.mean()


def test_no_lora_point_above_the_full_curve(g):
    gaps = np.array(g["pareto_gaps"])
    assert len(gaps) >= len(RANKS)                 # most (rank, lr) end points are comparable
    assert gaps.max() <= PARETO_TOL
    assert (g["pareto_gap_max"], g["pareto_gap_min"]) == (gaps.max(), gaps.min())


def test_delta_w_ranks(g):
    # LoRA: the 90% rank can never exceed r (rank(BA) <= r), in every seed and layer.
    for r in RANKS:
        assert all(k <= r for layers in g[f"rank90_seeds_r{r}"] for k in layers)
    full = np.array(g["rank90_seeds_full"], dtype=float)       # (seeds, layers)
    assert full.shape == (g["n_seeds"], 2)
    assert g["rank90_full"] == pytest.approx(full.mean())
    assert g["rank_ratio_r1"] == pytest.approx(full.mean() / 1)
    assert g["rank_ratio_r1"] >= RATIO_FAR
    # The digits' own 90% rank (uncentred pixels) is a fixed property of the data.
    assert g["data_rank90"] == 9


def test_glued_verdicts_agree_with_numbers(g):
    def verdict(held, partial=False):
        return "held" if held else "partial" if partial else "failed"

    learn = {m: per_seed(g, "learn", m).mean() for m in ["full"] + RANKS}
    keep = {m: per_seed(g, "keep", m).mean() for m in ["full"] + RANKS}
    learns_less = learn["full"] - learn[1] >= LEARN_MARGIN
    forgets_less = keep[1] > keep["full"]
    full_learns_more = [learn["full"] > learn[r] for r in RANKS]
    rises = bool(np.all(np.diff([learn[r] for r in RANKS]) > 0))
    lora_keeps_more = [keep[r] > keep["full"] for r in RANKS]
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
    # What this toy shows, as stated in the chapter's prose.
    assert expected["less_and_less"] == "held"
    assert expected["learn_every_rank"] == "held"
    assert expected["forget_every_rank"] == "partial"
    assert expected["same_curve"] == "partial"
    assert expected["high_rank"] == "partial"
    assert g["headline_verdict"] == "재현됨"
