"""The Platonic Representation Hypothesis chapter's claims, asserted from the values it glued.

The metric is exact: the chapter's mutual k-NN alignment equals the shared implementation
(`mlbook.vision.mutual_knn`, the official definition) bit for bit, identical features score
1, and two independent random feature sets land within 0.01 of chance k/(n−1). The two
qualitative claims use the thresholds fixed before looking (3 seeds, trained models only):
Spearman(pair competence, pair alignment) above 0.3 in the mean and positive in every seed;
the top-3 models by competence more mutually aligned than the bottom-3 trained models,
`seed_effect(...).clear`. The verdicts must follow from the glued numbers whichever way they
fall. The cross-modal toy (MLPs on two views of the same digits) uses the same Spearman
threshold, fixed in the book's survey before the chapter ran, and must hold. The zoo's sanity is asserted too: T0 is the most competent trained model, the
untrained ViTs probe near chance level for 50 labels, and two untrained ViTs align far above
chance (the kernel control the chapter teaches).

Each bug below was injected into the chapter and run.

Plausible bugs this test catches:
- ``knn_sets`` without excluding the point itself (no ``fill_diagonal_``): every point is its
  own first neighbour, the chapter's check against the shared implementation fails, the
  run stops and no executed notebook is written; every test here fails, first
  test_no_errors_or_stderr.
- writing the pooled features into the wrong rows (``full[:len(ROWS)] = pooled``): the probe
  and the alignment read zero rows, competence collapses to the majority class and every
  alignment becomes a tie-break artefact; test_zoo_is_sane fails.
"""
import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/vision/platonic"
SPEARMAN_MIN = 0.3


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_setup(g):
    assert g["n_seeds"] >= 3
    assert (g["n_models"], g["n_trained"]) == (9, 6)
    assert (g["k"], g["n_gallery"]) == (10, 497)


def test_metric_is_the_official_definition(g):
    assert g["self_alignment"] == 1.0
    assert g["library_gap"] == 0.0
    assert g["chance"] == pytest.approx(10 / 496)
    assert abs(g["independent_alignment"] - g["chance"]) < 0.01
    assert g["claim_metric_verdict"] == "held"


def test_zoo_is_sane(g):
    # T0 (CLIP, 300 steps) is the most competent trained model and clearly above the
    # untrained ViTs; raw pixels with 50 labels sit near 0.8 (the split's design).
    assert g["competence_t0"] == g["competence_trained_max"] > 0.7
    assert g["competence_random"] < 0.5
    assert 0.7 < g["competence_pixels"] < 0.9
    # Every alignment is a fraction; the kernel control sits far above chance.
    for key in ("top_align_seeds", "bottom_align_seeds", "random_pair_seeds"):
        assert all(0 <= v <= 1 for v in g[key])
    assert min(g["random_pair_seeds"]) > 10 * g["chance"]
    assert g["top_align"] > 3 * g["chance"] and g["bottom_align"] > 3 * g["chance"]
    # The strongest model is the one the anchor observation uses: its alignment with the
    # others follows their competence closely in this zoo.
    assert g["anchor_spearman"] > 0.5


def test_converge_verdict_follows_the_spearman(g):
    rho = g["spearman_seeds"]
    assert len(rho) == g["n_seeds"] and all(-1 <= r <= 1 for r in rho)
    mean = sum(rho) / len(rho)
    assert g["spearman"] == pytest.approx(mean)
    expected = "held" if mean > SPEARMAN_MIN and min(rho) > 0 else "partial" if mean > SPEARMAN_MIN else "failed"
    assert g["claim_converge_verdict"] == expected


def test_top_bottom_verdict_follows_the_seeds(g):
    effect = seed_effect(g["top_align_seeds"], g["bottom_align_seeds"])
    assert g["top_bottom_gap"] == pytest.approx(effect.mean)
    assert g["claim_top_bottom_verdict"] == ("held" if effect.clear and effect.mean > 0 else "failed")


def test_cross_modal_toy_aligns_with_competence(g):
    rho = g["cross_spearman_seeds"]
    mean = sum(rho) / len(rho)
    assert g["cross_spearman"] == pytest.approx(mean)
    expected = "held" if mean > SPEARMAN_MIN and min(rho) > 0 else "partial" if mean > SPEARMAN_MIN else "failed"
    assert g["claim_cross_modal_verdict"] == expected
    # Threshold from the book's survey, fixed before the chapter ran: the two views' MLPs that
    # both classify well share neighbourhoods.
    assert expected == "held", rho
    # The chapter's caveat: untrained MLPs of the two views align far above chance too.
    assert min(g["cross_untrained_seeds"]) > 10 * g["chance"]


def test_paper_scale_claims_are_not_measured(g):
    assert g["claim_vtab_verdict"] == "untested"
    assert g["claim_language_verdict"] == "untested"
