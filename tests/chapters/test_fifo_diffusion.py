"""The FIFO-Diffusion chapter's claims, asserted from the values it glued.

Every threshold is the one the chapter's verdict uses. Generated-video numbers come per
group of videos (``n_groups`` independent groups of the ``n_videos`` per setting, the
chapter's "seeds"); qualitative comparisons use the book's rule
(`mlbook.report.seed_effect(...).clear`: all groups agree in sign and the mean difference
exceeds two standard errors). The headline is judged on seams (largest frame-to-frame jump
below half of chunked clips') and on the motion the toy knows exactly (every data video
turns at one constant speed inside ``SPEED``). The memory claim is exact: the largest
tensor any op produced must be the same for N=64 and for a long video and equal to the
window activations, which is smaller than a tensor holding the whole long video.

Plausible bugs this test catches:
- reversing the queue's noise levels, clean at the tail (`tau[1:]` → `tau[1:].flip(0)` and
  `tau[:-1]` → `tau[:-1].flip(0)` in `queue_levels`): the frames leave the circle (8× normal
  sampling's error), so the headline fails (test_fifo_has_no_seams_but_its_speed_wanders,
  test_fifo_frames_stay_near_the_data); the queue's levels no longer rise towards the tail
  (test_queue_runs_from_a_clean_head_to_a_noisy_tail); lookahead no longer helps.
- ignoring the partitions when measuring the train–inference gap (every n measured as
  n = 1, with the gap figure adapted so that the run completes; unadapted, the run fails):
  the ratios are identical, no seed shows the gap narrowing, and the claim fails
  (test_partitioning_narrows_the_training_inference_gap).
- ignoring the partitions when generating (every setting generated with n = 1): no
  partition count beats n = 1 (test_partition_quality_what_the_toy_shows), and the default
  setting's frames drift off the circle, so the headline fails too
  (test_fifo_frames_stay_near_the_data, test_fifo_has_no_seams_but_its_speed_wanders).
"""
import math

import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/generative/fifo_diffusion"
F, K = 8, 1000
JUMP_RATIO = 0.5
MOTION_TOL = 0.05
SPEED_STD_FACTOR = 2
ERROR_FACTOR = 2


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def mean(values):
    return sum(values) / len(values)


def clearly_lower(a, b):
    effect = seed_effect(b, a)
    return effect.clear and effect.mean > 0


def verdict(held, partial=False):
    return "held" if held else "partial" if partial else "failed"


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_setup_sizes(g):
    assert g["n_groups"] >= 3
    assert g["n_videos"] % g["n_groups"] == 0 and g["n_videos"] // g["n_groups"] >= 4
    assert g["n_frames"] >= 64  # far more frames than the model's window f = 8
    assert g["data_max_jump"] == pytest.approx(2 * math.sin(0.35 / 2))
    assert (g["speed_low"], g["speed_high"]) == (0.15, 0.35)


def test_queue_runs_from_a_clean_head_to_a_noisy_tail(g):
    # n = 2 with lookahead: f/2 reference slots, then n·f slots whose level rises one DDIM
    # step per slot, from τ_1 (leaves as τ_0, clean) to τ_S = K at the tail.
    t, t_prev, head = g["queue_t_n2_ld"], g["queue_t_prev_n2_ld"], g["queue_head_n2_ld"]
    assert head == F // 2 and len(t) == len(t_prev) == head + 2 * F
    assert t_prev[head] == 0 and t[-1] == K
    body, body_prev = t[head:], t_prev[head:]
    assert all(a < b for a, b in zip(body, body[1:]))          # noisier towards the tail
    assert body_prev == [0] + body[:-1]                        # each slot steps one level down
    assert t[:head] == [body[0]] * head and t_prev[:head] == [0] * head
    for n in (1, 2, 4):
        assert g[f"queue_len_n{n}_plain"] == n * F
        assert g[f"queue_len_n{n}_ld"] == n * F + F // 2


def test_fifo_has_no_seams_but_its_speed_wanders(g):
    fifo, chunked = g["groups_max_jump_n4_ld"], g["chunked_groups_max_jump"]
    assert len(fifo) == len(chunked) == g["n_groups"]
    assert g["fifo_max_jump"] == pytest.approx(mean(fifo))
    assert g["jump_ratio"] == pytest.approx(mean(fifo) / mean(chunked))
    no_seams = clearly_lower(fifo, chunked) and g["jump_ratio"] < JUMP_RATIO
    fifo_out, normal_out = g["groups_out_of_range_n4_ld"], g["normal_groups_out_of_range"]
    fifo_std, normal_std = g["groups_speed_std_n4_ld"], g["normal_groups_speed_std"]
    motion_like_data = (mean(fifo_out) <= mean(normal_out) + MOTION_TOL
                        and mean(fifo_std) <= SPEED_STD_FACTOR * mean(normal_std))
    frames_on_data = g["error_n4_ld"] < ERROR_FACTOR * g["chunked_error"]
    assert g["claim_jump_verdict"] == verdict(no_seams and frames_on_data and motion_like_data,
                                              no_seams and frames_on_data)
    # What this toy shows (and the prose says): chunking jumps almost a diameter, FIFO has
    # no seam; but FIFO's speed leaves the data's range far more often than normal sampling's
    # clips do, and wanders within a video, where every data video has one constant speed.
    assert no_seams
    assert g["chunked_max_jump"] > 1.5
    assert g["fifo_max_jump"] < g["plain_max_jump"] < g["chunked_max_jump"]
    assert clearly_lower(normal_out, fifo_out) and mean(fifo_out) > mean(normal_out) + MOTION_TOL
    assert mean(fifo_std) > SPEED_STD_FACTOR * mean(normal_std)
    assert mean(normal_out) < 0.15 and mean(normal_std) < 0.03   # normal sampling moves like the data
    assert g["claim_jump_verdict"] == "partial"
    assert g["headline_verdict"] == "부분 재현"


def test_fifo_frames_stay_near_the_data(g):
    # With partitions and lookahead, FIFO's frames lie almost as close to the circle as
    # normally sampled clips (the model's own baseline).
    assert g["error_ratio_n4_ld"] == pytest.approx(g["error_n4_ld"] / g["chunked_error"])
    assert g["error_ratio_n4_ld"] < 2
    assert g["chunked_error"] < 0.1


def test_partitioning_narrows_the_training_inference_gap(g):
    # Window spread (τ_f − τ_1)/K, read from the queue's own windows: about (f − 1)/(n f).
    assert g["spread_n1"] == pytest.approx(0.875)
    assert g["spread_n2"] == pytest.approx(0.438, abs=1e-3)
    assert g["spread_n4"] == pytest.approx(0.219, abs=1e-3)
    n1, n4 = g["gap_seeds_n1_plain"], g["gap_seeds_n4_plain"]
    assert len(n1) == len(n4) >= 3
    assert min(n1) > 1 and min(n4) > 1  # diagonal windows are harder than shared ones
    effect = seed_effect(n1, n4)
    assert g["claim_gap_verdict"] == verdict(effect.clear and effect.mean > 0)
    assert g["claim_gap_verdict"] == "held"
    assert (g["gap_n1"], g["gap_n4"]) == pytest.approx((mean(n1), mean(n4)))


def test_partition_quality_what_the_toy_shows(g):
    err = {n: g[f"groups_error_n{n}_ld"] for n in (1, 2, 3, 4)}
    better_than_1 = [n for n in (2, 3, 4) if clearly_lower(err[n], err[1])]
    better_than_4 = [n for n in (1, 2, 3) if clearly_lower(err[n], err[4])]
    lower_than_4 = [n for n in (1, 2, 3) if mean(err[n]) < mean(err[4])]
    listed = lambda ns: ", ".join(map(str, ns)) if ns else "없음"  # noqa: E731
    assert g["better_than_n1"] == listed(better_than_1)
    assert g["better_than_n4"] == listed(better_than_4)
    assert g["lower_than_n4"] == listed(lower_than_4)
    assert g["claim_partition_quality_verdict"] == verdict(len(better_than_1) == 3 and not better_than_4,
                                                           bool(better_than_1))
    # Prose: every partition count beats n = 1 once lookahead is on, but more partitions are
    # not better: n = 2 and 3 lie below n = 4 on average (at least one of them clearly).
    assert better_than_1 == [2, 3, 4]
    assert lower_than_4 == [2, 3] and better_than_4
    assert g["best_n"] in (2, 3)
    assert g["claim_partition_quality_verdict"] == "partial"


def test_memory_does_not_grow_with_video_length(g):
    assert g["n_long"] >= 1024
    assert g["largest_64"] == g["largest_long"] == g["window_activation"]
    # The probe would notice growth: the whole long video alone is larger.
    assert g["whole_video_long"] == 64 * g["n_long"] * 2
    assert g["whole_video_long"] > g["window_activation"]
    assert g["queue_slots"] == 8 // 2 + 4 * 8  # f/2 + n f for n = 4 with lookahead
    assert g["claim_memory_verdict"] == "held"


def test_lookahead_verdict_follows_the_numbers(g):
    error_lower = clearly_lower(g["groups_error_n4_ld"], g["groups_error_n4_plain"])
    jump_lower = clearly_lower(g["groups_max_jump_n4_ld"], g["groups_max_jump_n4_plain"])
    gap_lower = clearly_lower(g["gap_seeds_n4_ld"], g["gap_seeds_n4_plain"])
    assert g["claim_lookahead_verdict"] == verdict(error_lower and gap_lower, error_lower or jump_lower)
    # Prose: lookahead clearly improves the generated frames at n = 4.
    assert error_lower and jump_lower
