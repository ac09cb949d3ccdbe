"""The RLHF Workflow chapter's claims, asserted from the values it glued.

Two arms of iterative DPO on the part's sorting task, 3 seeds, equal pairs (3 × 192) and equal
DPO steps (3 × 100): offline draws every round's best-vs-worst-of-8 pairs from π₀, online from the
current policy; both train on all pairs so far against the frozen π₀. Round 1 is the same for
both arms (same sampler, same random numbers), so the arms must agree exactly there.
Thresholds fixed before looking (issue 12): online round 3 > offline round 3 and online round 3 >
round 1 in 3/3 seeds, beyond the seed spread (seed_effect.clear). KL to π₀ is reported for both;
online's is larger. A DPO step leaves the table cells no pair visits exactly unchanged. The
paper's LLaMA-3-8B benchmark numbers are quoted, not measured: "untested".

Plausible bugs this test catches:
- the online arm samples from π₀ like the offline arm (``sampler = pi0`` always): the arms then
  coincide, test_no_errors_or_stderr fails (the chapter's check cell asserts the arms differ from
  round 2) and, with that assert removed, test_online_beats_offline, test_chosen_responses_explain_the_gap,
  test_kl_is_reported and test_glued_verdicts_agree_with_numbers fail (zero differences).
- each round trains only on the new pairs instead of all pairs so far (``pairs[-1]`` in place of
  the concatenation): test_no_errors_or_stderr fails (the check cell asserts 12, 24 pairs), and
  with that assert removed test_equal_budget fails (pairs_total 192, not 576).
Each bug was injected into the chapter, the chapter run with tools/run_chapter.py, and this file
run against _build/standalone: the named tests failed.
"""
import pytest

from tests.glue import error_outputs, glued_values

DOC = "book/alignment/rlhf_workflow"
ARMS = ("offline", "online")


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def mean(values):
    return sum(values) / len(values)


def clear_positive(diffs):
    """The book's seed_effect(a, b).clear with every difference positive."""
    m = mean(diffs)
    stderr = (sum((d - m) ** 2 for d in diffs) / (len(diffs) - 1)) ** 0.5 / len(diffs) ** 0.5
    return all(d > 0 for d in diffs) and m > 2 * stderr


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_equal_budget(g):
    assert g["n_seeds"] >= 3
    assert g["pairs_per_round"] == 24 * 8
    assert g["pairs_total"] == 3 * 24 * 8
    for arm in ARMS:
        assert len(g[f"{arm}_reward"]) == g["n_seeds"]
        assert all(len(r) == 3 for r in g[f"{arm}_reward"])


def test_first_round_is_shared(g):
    assert g["first_round_equal"] is True
    for off, on in zip(g["offline_reward"], g["online_reward"]):
        assert off[0] == on[0]
    for off, on in zip(g["offline_kl"], g["online_kl"]):
        assert off[0] == on[0]


def test_rewards_are_sane(g):
    # π₀ makes about four errors per answer; both arms improve on it by far, none is perfect
    assert all(-5 < r < -3 for r in g["sft_reward"])
    for arm in ARMS:
        for sft, rounds in zip(g["sft_reward"], g[f"{arm}_reward"]):
            assert rounds[-1] > sft + 1.5
            assert rounds[-1] < 0
    assert g["sft_mean"] == pytest.approx(mean(g["sft_reward"]))


def test_online_beats_offline(g):
    diffs = [on[-1] - off[-1] for on, off in zip(g["online_reward"], g["offline_reward"])]
    assert clear_positive(diffs)
    assert g["online_wins"] == 3
    assert g["online_final_mean"] == pytest.approx(mean([r[-1] for r in g["online_reward"]]))
    assert g["offline_final_mean"] == pytest.approx(mean([r[-1] for r in g["offline_reward"]]))


def test_iterating_helps(g):
    diffs = [r[-1] - r[0] for r in g["online_reward"]]
    assert clear_positive(diffs)
    assert g["iterate_wins"] == 3
    assert g["online_first_mean"] == pytest.approx(mean([r[0] for r in g["online_reward"]]))


def test_chosen_responses_explain_the_gap(g):
    # offline picks the best of 8 from π₀ every round: its examples stay where they were;
    # online's examples improve with the policy
    for off in g["offline_chosen"]:
        assert max(off) - min(off) < 0.5
    for off, on in zip(g["offline_chosen"], g["online_chosen"]):
        assert on[0] == off[0]
        assert on[-1] > off[-1] + 0.3


def test_kl_is_reported(g):
    on, off = [k[-1] for k in g["online_kl"]], [k[-1] for k in g["offline_kl"]]
    assert all(k > 0 for k in on + off)
    assert g["kl_larger"] == sum(a > b for a, b in zip(on, off))
    assert g["kl_larger"] == 3          # online moved further from π₀: the chapter says so
    assert "모든 시드에서 온라인 쪽이 더 큽니다" in g["kl_sentence"]
    assert g["online_kl_mean"] == pytest.approx(mean(on))
    assert g["offline_kl_mean"] == pytest.approx(mean(off))


def test_same_kl_comparison_is_reported(g):
    # the online trajectory read at the offline arm's final KL lies between its rounds 0 and 3
    for at, sft, on in zip(g["online_at_offline_kl"], g["sft_reward"], g["online_reward"]):
        assert sft <= at <= on[-1]
    assert "같은 KL" in g["same_kl_sentence"]


def test_dpo_leaves_unvisited_cells_unchanged(g):
    assert g["unvisited_change"] == 0.0
    assert g["visited_change"] > 0.1
    assert 0.05 < g["visited_share"] < 0.95


def test_reward_model_agreement_is_measured(g):
    for name in ("pi0", "online"):
        assert all(0.5 < a <= 1.0 for a in g[f"agree_{name}"])
        assert all(0 < c <= 2000 for c in g[f"agree_{name}_pairs"])
    assert g["agree_pi0_mean"] > 0.8


def test_glued_verdicts_agree_with_numbers(g):
    online = [on[-1] - off[-1] for on, off in zip(g["online_reward"], g["offline_reward"])]
    iterate = [r[-1] - r[0] for r in g["online_reward"]]

    def judged(diffs):
        return "held" if clear_positive(diffs) else "partial" if all(d > 0 for d in diffs) else "failed"

    expected = {"online": judged(online), "iterate": judged(iterate),
                "support": "held" if g["unvisited_change"] == 0.0 else "failed",
                "bench": "untested"}
    for key, value in expected.items():
        assert g[f"claim_{key}_verdict"] == value, key
    assert g["headline_verdict"] == "재현됨"
    assert "흔들림을 넘습니다" in g["online_sentence"]
