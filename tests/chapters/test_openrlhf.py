"""The OpenRLHF chapter's claims, asserted from the values it glued.

Memory arithmetic is exact: 16 B per parameter for a model trained with mixed-precision Adam
(bf16 weights and gradients, fp32 master weights, Adam m and v), 2 B for a frozen one; 7B
gives 112 + 112 + 14 + 14 = 252 GB (> 3 × 80 GB, at least 4 GPUs), 70B ten times that
(at least 32 GPUs). The toy roles hold exactly 16 B (trained, fp32 with Adam) and 4 B (frozen)
per parameter. Amdahl's law is exact too. PPO with four separate roles must raise the mean
reward of the last 3 iterations above the first 3 + 1.0 on every seed, beyond the seed spread
(the threshold of the part's issue). The generation share of one PPO iteration's CPU time must
grow with the response length L = 8 → 16 → 32 on every seed and exceed 0.5 at L = 32; the
shares are glued under time_ names (they vary from run to run), the verdict from counts. The
paper's 1.22–1.68× is "untested".

Plausible bugs this test catches:
- placement_bytes charges a frozen role like a trained one (16 B for the reference and reward
  models): with the chapter's hand check removed, test_memory_arithmetic_is_exact fails
  (7B total 448 GB, not 252); with the check in place the chapter raises
- the Adam state counted without the fp32 master copy (12 B per trained parameter): the
  chapter's hand check raises; with it removed test_memory_arithmetic_is_exact and
  test_glued_verdicts_agree_with_numbers fail (7B total 196 GB, which would fit in 3 × 80 GB)
- amdahl_speedup written as 1 / ((1 − g) + g·s), with the chapter's asserts removed:
  test_amdahl_is_exact
- the reference role shares the actor's parameters (``reference = actor`` instead of a frozen
  deep copy), with the role-separation assert removed: the KL penalty is identically 0, the
  chapter's token-reward check (``batch.kl != 0``) raises, the run fails and every test errors
  (test_no_errors_or_stderr included)
- the phase timers returned in the wrong order (train time booked as generation):
  test_generation_share_grows_with_length, test_amdahl_is_exact and
  test_glued_verdicts_agree_with_numbers
Each bug was injected in the chapter, the chapter executed with tools/run_chapter.py and this
file run against it; the named tests failed.
"""
import pytest

from tests.glue import error_outputs, glued_values

DOC = "book/alignment/openrlhf"


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def mean(values):
    return sum(values) / len(values)


def clear_positive(diffs):
    """The book's rule: every seed positive and the mean beyond two standard errors."""
    m = mean(diffs)
    stderr = (sum((d - m) ** 2 for d in diffs) / (len(diffs) - 1)) ** 0.5 / len(diffs) ** 0.5
    return all(d > 0 for d in diffs) and m > 2 * stderr


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_memory_arithmetic_is_exact(g):
    assert g["mem_7b_roles_gb"] == [112, 112, 14, 14]
    assert g["mem_7b_total_gb"] == 252
    assert g["mem_three_gpus_gb"] == 240
    assert g["mem_7b_exceeds_three"] == "예"
    assert g["mem_7b_gpus"] == 4
    assert g["mem_70b_roles_gb"] == [1120, 1120, 140, 140]
    assert g["mem_70b_total_gb"] == 2520
    assert g["mem_70b_gpus"] == 32


def test_toy_roles_hold_what_the_formula_says(g):
    # fp32 toy: weights, gradients, Adam m and v at 4 B each for the trained roles; weights only when frozen
    assert g["toy_bytes_per_param"] == {"actor": 16.0, "critic": 16.0, "reference": 4.0}
    assert g["toy_params"]["actor"] == g["toy_params"]["reference"] > 10_000
    assert g["toy_bytes"]["actor"] == 16 * g["toy_params"]["actor"]


def test_amdahl_is_exact(g):
    assert g["docs_amdahl"] == pytest.approx([1 / (0.2 + 0.4), 1 / (0.2 + 0.2), 1 / (0.2 + 0.08), 5.0])
    assert g["docs_amdahl_limit"] == pytest.approx(5.0)
    # 1/S = 0.2 + 0.8/s  →  s = 0.8 / (1/S − 0.2)
    assert g["docs_needed_low"] == pytest.approx(0.8 / (1 / 1.22 - 0.2))
    assert g["docs_needed_high"] == pytest.approx(0.8 / (1 / 1.68 - 0.2))
    gm = g["time_g_measured"]
    assert g["time_amdahl_limit"] == pytest.approx(1 / (1 - gm))
    assert g["time_needed_high"] == pytest.approx(gm / (1 / 1.68 - (1 - gm)))


def test_token_rewards_are_kl_penalty_plus_score(g):
    assert g["reward_sum_error"] < 1e-5


def test_ppo_raises_the_reward(g):
    first, last = g["reward_first3"], g["reward_last3"]
    assert g["n_seeds"] >= 3 and len(first) == len(last) == g["n_seeds"]
    assert clear_positive([b - a - 1.0 for a, b in zip(first, last)])
    # scores are −num_errors: never positive; the SFT start is far from sorted
    assert all(-8 < a < -2 for a in first) and all(b <= 0 for b in last)
    assert len(g["reward_curves"]) == g["n_seeds"]
    assert all(len(curve) == g["iterations"] for curve in g["reward_curves"])
    # the actor pays for it in KL to the frozen reference, which starts at zero
    assert all(curve[0] == pytest.approx(0.0, abs=1e-6) for curve in g["kl_curves"])
    assert all(k > 0.5 for k in g["final_kl"])


def test_generation_share_grows_with_length(g):
    shares = g["time_gen_share"]
    assert list(shares) == ["8", "16", "32"]
    for i in range(g["n_seeds"]):
        assert shares["8"][i] < shares["16"][i] < shares["32"][i]
        assert shares["32"][i] > 0.5
    assert clear_positive([b - a for a, b in zip(shares["8"], shares["32"])])
    for L, phases in g["time_phase_share_mean"].items():
        assert sum(phases) == pytest.approx(1.0)
    # inference reads each finished response once per role: the smallest phase at every length
    assert all(p[1] < min(p[0], p[2]) for p in g["time_phase_share_mean"].values())


def test_glued_verdicts_agree_with_numbers(g):
    first, last, shares = g["reward_first3"], g["reward_last3"], g["time_gen_share"]
    rises = all(shares["8"][i] < shares["16"][i] < shares["32"][i] for i in range(g["n_seeds"]))
    majority = all(s > 0.5 for s in shares["32"])
    expected = {
        "ppo": "held" if clear_positive([b - a - 1.0 for a, b in zip(first, last)]) else "failed",
        "generation": ("held" if rises and majority and clear_positive([b - a for a, b in zip(shares["8"], shares["32"])])
                       else "partial" if rises or majority else "failed"),
        "memory": "held",
        "speedup": "untested",      # no GPU frameworks were run
    }
    for key, value in expected.items():
        assert g[f"claim_{key}_verdict"] == value, key
    assert g["headline_verdict"] == "재현됨"
    assert "3/3" in g["claim_generation_measured"]
    assert g["gain_sentence"].startswith("마지막 3번 − 처음 3번 − 1.0의 평균 +")
