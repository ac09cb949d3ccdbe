"""The Grounding DINO 1.5 chapter's claims, asserted from the values it glued.

Exact: the token calculator gives the paper's Edge arithmetic at 640×640 with strides 8/16/32
(6400 + 1600 + 400 = 8400 tokens, P5 alone 400: 21× fewer tokens, 441× fewer self-attention
pairs), and the toy's own pyramid (32×32, strides 4/8/16) has the same 21× (84 vs 4); the
sigmoid focal loss equals the hand-computed value. Qualitative, with the issue's threshold fixed
before looking: held-out colour–digit grounding under additive rendering above 0.8 in every seed,
clearly beyond the seed spread (chance 0.25). The multiplicative rendering is reported, not
asserted: only its bookkeeping is checked. The chapter's explanation (colour rules out the
class-mate, so errors go to the colour-mate; naming a region among all 16 phrases, where
elimination does not help, is far below grounding) is asserted, since the prose states it.
The all-level vs P5-only fusion comparison is one seed: "untested"; its step-time ratio must
lie between 1 and the token ratio 21.

Plausible bugs this test catches:
- region_phrase_loss with α on the negatives and 1 − α on the positives
  (``alpha * (1 - targets) + (1 - alpha) * targets``): the chapter's hand check raises, the run
  fails, and test_no_errors_or_stderr errors/fails with every glued test.
- phrase_words without the word offset of the digits (``pairs[:, 0]`` instead of
  ``N_COL + pairs[:, 0]``): digit k and colour k share one word. The held-out diagonal
  ("red zero" = red + red) still grounds at 0.92/0.91/0.94, so the headline alone would not
  catch it; but seen combinations fall to 0.79/0.80/0.76 and every held-out region is "named"
  1.000 (its phrase is its colour twice), so test_training_worked_on_seen_combinations and
  test_the_elimination_explanation_holds fail.
Both bugs were injected into the chapter, the chapter re-run with tools/run_chapter.py, and the
tests run against that run.
"""
import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/vision/grounding_dino15"
THRESHOLD = 0.8


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def mean(values):
    return sum(values) / len(values)


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_token_arithmetic_is_exact(g):
    assert g["tokens_levels_640"] == [6400, 1600, 400]
    assert g["tokens_every_640"] == 8400 and g["tokens_top_640"] == 400
    assert g["token_ratio_640"] == 21 and g["pair_ratio_640"] == 441
    assert g["toy_tokens_every"] == 84 and g["toy_tokens_top"] == 4 and g["toy_token_ratio"] == 21
    assert g["claim_tokens_verdict"] == "held"


def test_loss_matches_the_hand_computation(g):
    assert g["loss_hand"] == pytest.approx(g["loss_hand_expected"], rel=1e-6)
    assert g["loss_hand_expected"] == pytest.approx(1.28088, abs=1e-4)


def test_setup(g):
    assert g["n_seeds"] >= 3
    assert g["n_train_pairs"] == 12
    assert g["held_out_names"] == "red zero, green one, blue two, yellow three"
    assert g["n_eval"] >= 400


def test_training_worked_on_seen_combinations(g):
    for key in ("seen_add", "seen_mul"):
        assert len(g[key]) == g["n_seeds"]
        assert min(g[key]) > 0.9, (key, g[key])


def test_held_out_grounding_beats_the_threshold(g):
    ground = g["ground_add"]
    assert len(ground) == g["n_seeds"]
    assert min(ground) > THRESHOLD, ground
    assert g["ground_add_mean"] == pytest.approx(mean(ground))
    assert min(g["hard_add"]) > 0.5          # colour-mate and class-mate together: still far above 0.25


def test_multiplicative_rendering_is_reported_not_asserted(g):
    for key in ("ground_mul", "hard_mul", "name_mul", "colourmate_mul", "classmate_mul"):
        assert len(g[key]) == g["n_seeds"] and all(0 <= v <= 1 for v in g[key])
    assert g["mul_ground_min"] == min(g["ground_mul"])
    effect = seed_effect(g["ground_add"], g["ground_mul"])
    assert f"보통 장면에서 {effect.describe(3)}" in g["render_gap_sentence"]


def test_the_elimination_explanation_holds(g):
    for render in ("add", "mul"):
        # colour separates the class-mate; what errors remain go to the colour-mate
        assert g[f"classmate_{render}_mean"] < g[f"colourmate_{render}_mean"]
        # naming among all 16 phrases is far below grounding among the scene's objects
        assert g[f"name_{render}_mean"] < g[f"ground_{render}_mean"] - 0.1
        assert g[f"name_{render}_mean"] > 1 / 16            # yet above chance
    assert g["mates_sentence"].startswith("두 렌더링 모두")
    assert g["name_sentence"].startswith("두 렌더링 모두")


def test_fusion_comparison(g):
    acc = g["fusion_acc"]
    assert set(acc) == {"none", "top", "all"}
    assert g["fusion_acc_ratio"] == pytest.approx(acc["top"] / acc["all"])
    assert all(v > 0.8 for v in acc.values())
    # every-level fusion attends over 21× the tokens: slower per step, though far less than 21×
    assert 1 < g["time_fusion_ratio"] < 21
    assert g["claim_top_fusion_verdict"] == "untested"


def test_verdicts_follow_the_numbers(g):
    effect = seed_effect(g["ground_add"], [THRESHOLD] * g["n_seeds"])
    expected = ("held" if effect.clear and effect.mean > 0 else
                "partial" if any(a > THRESHOLD for a in g["ground_add"]) else "failed")
    assert g["claim_ground_verdict"] == expected
    assert g["headline_verdict"] == {"held": "재현됨", "partial": "부분 재현", "failed": "재현 안 됨"}[expected]
    assert g["claim_benchmarks_verdict"] == "untested"
    assert g["claim_edge_speed_verdict"] == "untested"
    assert g["paper_coco"] == 54.3 and g["paper_lvis_minival"] == 55.7 and g["paper_edge_fps_trt"] == 75.2
