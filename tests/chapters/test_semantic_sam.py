"""The Semantic-SAM chapter's claims, asserted from the values it glued.

The exact claim is tight: on 64 clicks with random logits, the multi-choice loss (the
min-cost injective matching of K = 3 outputs to the click's 3 nested masks, through
`mlbook.matching`) equals the minimum over the 6 permutations enumerated one by one and the
cost of scipy's Hungarian assignment, to 1e-5. The qualitative claims use the book's rule over
three seeds, with the issue's thresholds fixed before looking: the mean over levels of the best
IoU among the K outputs, multi-choice above single output by more than 0.15, and the part-level
best IoU, multi-choice above SAM-style (K = 3, one sampled level, loss on the best output only)
by more than 0.08 — each "held" only when the paired differences minus the threshold are
`seed_effect(...).clear`, "partial" when only the difference itself is clear. At the shipped toy
size (batch 24, 300 steps, chosen for the 30 s CPU budget) the mean-IoU claim holds and the part
claim is partial (one seed's gain, +0.055, is under 0.08); the test asserts the verdict the numbers
give and that the part gain is clear. Semantics and joint-data training are not measured here
("untested").

Each bug below was injected into the chapter and run.

Plausible bugs this test catches:
- the multi-choice loss pairing output k with level k (the cost matrix's diagonal) instead of
  taking the cheapest matching (``pair_cost(...).diagonal(dim1=1, dim2=2).sum(-1)``; the
  chapter's own assert removed so the run completes): the loss is no longer the minimum over the
  six permutations (largest gap 0.098 on the 64 check clicks), so
  test_matching_loss_is_the_minimum_over_the_six_permutations fails. (Training still reaches the
  same part IoU, 0.686: in this toy the three levels always come in the same order, so a fixed
  slot per level works; the chapter's discussion asks why SA-1B's unordered masks need matching.)
- an off-by-one that gives the multi-choice loss ``masks[:, 1:]`` (object and group only): the
  part level is never a target, part IoU falls to 0.572 against SAM-style 0.601 (differences
  −0.050, −0.008, −0.028), so
  test_multi_choice_learns_the_part_level_that_sam_style_training_misses fails.
"""
import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/vision/semantic_sam"
LEVELS = ("part", "object", "group")
SCHEMES = ("single", "sam", "multi")
MEAN_MARGIN = 0.15
PART_MARGIN = 0.08


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def expected_verdict(a, b, margin):
    effect = seed_effect(a, b)
    beyond = seed_effect([x - margin for x in a], b)
    if beyond.clear and beyond.mean > 0:
        return "held"
    return "partial" if effect.clear and effect.mean > 0 else "failed"


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_setup(g):
    assert g["n_seeds"] >= 3
    assert g["receptive_field"] == 33           # 1 + 2·(1 + 2 + 4 + 8 + 1): covers the 16×16 scene
    assert g["n_test"] >= 500
    assert g["n_maps_k3"] == 6 and g["n_maps_k6"] == 120
    assert (g["paper_levels"], g["paper_sam_outputs"]) == (6, 3)


def test_matching_loss_is_the_minimum_over_the_six_permutations(g):
    assert g["matching_clicks"] >= 64
    assert g["matching_error"] < 1e-5
    assert g["claim_matching_verdict"] == "held"


def test_ious_are_consistent(g):
    for scheme in SCHEMES:
        per_level = [g[f"iou_{scheme}_{name}_seeds"] for name in LEVELS]
        assert all(len(v) == g["n_seeds"] for v in per_level)
        assert all(0.0 <= x <= 1.0 for v in per_level for x in v)
        means = [sum(col) / 3 for col in zip(*per_level)]
        assert g[f"iou_{scheme}_mean_seeds"] == pytest.approx(means, abs=1e-6)
        for name in LEVELS:
            assert g[f"iou_{scheme}_{name}"] == pytest.approx(sum(g[f"iou_{scheme}_{name}_seeds"]) / g["n_seeds"], abs=1e-6)


def test_multi_choice_beats_a_single_output_on_the_mean_over_levels(g):
    multi, single = g["iou_multi_mean_seeds"], g["iou_single_mean_seeds"]
    assert g["mean_gain_seeds"] == pytest.approx([m - s for m, s in zip(multi, single)])
    assert g["claim_multi_verdict"] == expected_verdict(multi, single, MEAN_MARGIN)
    assert g["claim_multi_verdict"] == "held", (multi, single)


def test_multi_choice_learns_the_part_level_that_sam_style_training_misses(g):
    multi, sam = g["iou_multi_part_seeds"], g["iou_sam_part_seeds"]
    assert g["part_gain_seeds"] == pytest.approx([m - s for m, s in zip(multi, sam)])
    assert g["claim_part_verdict"] == expected_verdict(multi, sam, PART_MARGIN)
    # At the shipped toy size (batch 24, 300 steps) the gain is clear in every seed but one seed
    # stays below the 0.08 threshold: the chapter reports "partial" and says why.
    effect = seed_effect(multi, sam)
    assert effect.clear and effect.mean > 0, (multi, sam)
    assert g["claim_part_verdict"] in ("held", "partial")


def test_a_single_output_cannot_fit_every_level(g):
    # One mask for three nested answers: at least one level stays far below the multi-output models.
    worst = min(g[f"iou_single_{name}"] for name in LEVELS)
    assert worst < min(g[f"iou_multi_{name}"] for name in LEVELS) - 0.1


def test_semantics_and_joint_training_are_not_measured_here(g):
    assert g["claim_semantics_verdict"] == "untested"
    assert g["claim_joint_verdict"] == "untested"
    assert (g["paper_coco_pq"], g["paper_readme_swint"], g["paper_readme_swinl"]) == (60.2, 88.1, 89.0)
