"""mlbook.align: the sorting task, policies, reward model, DPO, GAE, PPO and ReST, by hand cases and invariants."""
import math

import pytest
import torch

from mlbook.align import (DIGITS, Experience, RewardModel, SortTask, TabularPolicy, TinyCritic, TinyLM,
                          best_worst_pairs, count_digits, dpo_loss, empirical_cdf, fit_bt, gae, inversions,
                          kl_divergence, mean_reward, num_errors, oracle_prefs, ppo_iteration, ppo_update,
                          rest_improve, rollout, score, sft, train_dpo)
from mlbook.env import seed_everything


def got_num_errors(x: list[int], y: list[int]) -> int:
    """The loop of the GoT repository's examples/sorting/utils.py, re-typed for lists of ints."""
    errors = sum(abs(sum(1 for v in y if v == d) - sum(1 for v in x if v == d)) for d in range(10))
    return errors + sum(1 for a, b in zip(y, y[1:]) if a > b)


@pytest.mark.parametrize("x, y, expected", [
    ([3, 1, 2], [1, 2, 3], 0),            # the sorted answer
    ([3, 1, 2], [3, 1, 2], 1),            # the prompt itself: 3 > 1 is the one adjacent inversion
    ([3, 1, 2], [3, 2, 1], 2),            # right digits, two adjacent inversions
    ([0, 0, 5], [0, 5, 5], 2),            # one 0 too few, one 5 too many, sorted
    ([1, 2, 3], [9, 9, 9], 6),            # three digits missing, three extra, no inversion (ties are not)
    ([9, 8, 7, 6], [9, 8, 7, 6], 3),      # reversed: every neighbour inverted
    ([4, 4], [4], 1),                     # a dropped digit counts once
])
def test_num_errors_on_hand_cases(x, y, expected):
    assert num_errors(torch.tensor(x), torch.tensor(y)).item() == expected == got_num_errors(x, y)


def test_num_errors_is_batched_and_matches_the_repo_loop():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randint(0, 10, (200, 7), generator=gen), torch.randint(0, 10, (200, 7), generator=gen)
    got = num_errors(x, y)
    assert got.shape == (200,)
    assert got.tolist() == [got_num_errors(a, b) for a, b in zip(x.tolist(), y.tolist())]
    assert (num_errors(x, x.sort(-1).values) == 0).all()
    # (B, 1, L) against (B, n, L): each prompt against its n answers.
    assert torch.equal(num_errors(x[:, None], torch.stack([y, x], 1)), torch.stack([got, inversions(x)], 1))
    assert count_digits(x).sum(-1).eq(7).all()


def test_sort_task_is_seeded_and_its_reward_is_minus_num_errors():
    task = SortTask(P=5, L=4, seed=3)
    assert torch.equal(task.prompts, SortTask(P=5, L=4, seed=3).prompts)
    assert not torch.equal(task.prompts, SortTask(P=5, L=4, seed=4).prompts)
    assert task.prompts.shape == (5, 4) and task.prompts.max() < DIGITS
    assert (task.reward(task.ids, task.answers) == 0).all()
    y = torch.randint(0, 10, (5, 3, 4))
    expected = -num_errors(task.prompts[:, None], y).float()
    assert torch.equal(task.reward(task.ids, y), expected)


def test_demos_are_noisy_sorted_answers():
    task = SortTask(seed=0)
    p, y = task.demos(per_prompt=8, seed=1)
    assert p.shape == (task.P * 8,) and y.shape == (task.P * 8, task.L)
    r = task.reward(p, y)
    assert 0.03 < (r == 0).float().mean() < 0.5           # some demos are perfect, most are not
    assert -6 < r.mean() < -1
    assert torch.equal(task.demos(per_prompt=8, seed=1)[1], y)
    clean = task.demos(per_prompt=2, p_sub=0, p_swap=0)[1]
    assert torch.equal(clean, task.answers.repeat_interleave(2, 0))


@pytest.fixture(params=["table", "lm"])
def policy(request):
    seed_everything(0)
    task = SortTask(P=6, L=4, seed=0)
    return task, (TabularPolicy(task) if request.param == "table" else TinyLM(task))


def test_logprob_is_the_log_probability_of_sampling(policy):
    """Σ_y π(y|x) = 1 over all 10^L responses, and the frequency of a sampled response matches exp(logprob)."""
    task, pi = policy
    with torch.no_grad():
        for p in pi.parameters():  # away from the uniform start, so the check is not trivial
            p.add_(0.5 * torch.randn_like(p))
        every = torch.cartesian_prod(*[torch.arange(10)] * task.L)          # (10^L, L)
        prompt = torch.zeros(len(every), dtype=torch.long)
        probs = pi.logprob(prompt, every).exp()
        assert probs.sum().item() == pytest.approx(1.0, abs=1e-4)
        token = pi.logprob(prompt[:5], every[:5], per_token=True)
        assert token.shape == (5, task.L) and torch.allclose(token.sum(1), probs[:5].log(), atol=1e-5)
        y = pi.sample(torch.tensor([0]), 4000, generator=torch.Generator().manual_seed(0))[0]
        assert y.shape == (4000, task.L)
        index = (y * 10 ** torch.arange(task.L - 1, -1, -1)).sum(1)
        freq = torch.bincount(index, minlength=len(every)).float() / len(y)
        top = probs.argsort(descending=True)[:5]
        assert torch.allclose(freq[top], probs[top], atol=0.02)


def test_lm_logits_are_causal_in_the_response():
    seed_everything(0)
    task = SortTask(P=3, L=5, seed=0)
    lm = TinyLM(task)
    a = torch.randint(0, 10, (3, 5))
    b = a.clone()
    b[:, 3:] = (b[:, 3:] + 1) % 10
    with torch.no_grad():
        la, lb = lm.logits(task.ids, a), lm.logits(task.ids, b)
        assert torch.allclose(la[:, :4], lb[:, :4], atol=1e-6) and not torch.allclose(la[:, 4], lb[:, 4])
        assert torch.allclose(lm.next_logits(task.ids, a[:, :2]), la[:, 2], atol=1e-5)


def test_sft_raises_the_likelihood_of_the_demos_and_the_true_reward(policy):
    task, pi = policy
    p, y = task.demos(per_prompt=16)
    before = pi.logprob(p, y).mean().item()
    reward_before = mean_reward(task, pi)
    sft(pi, p, y, steps=150, lr=0.05 if isinstance(pi, TabularPolicy) else 3e-3)
    assert pi.logprob(p, y).mean().item() > before + 2.0
    assert mean_reward(task, pi) > reward_before + 1.0


def test_oracle_labels_follow_bradley_terry():
    task = SortTask(P=1, L=4, seed=0)
    a = task.answers.expand(20000, 4)                               # r* = 0
    b = torch.flip(task.answers, [1]).expand(20000, 4)             # r* = −#inversions
    gap = -task.reward(task.ids[:1], b[:1]).item()
    assert gap > 0
    prompts = torch.zeros(20000, dtype=torch.long)
    chosen, rejected = oracle_prefs(task, prompts, a, b, torch.Generator().manual_seed(0))
    a_won = (chosen == a).all(1).float().mean().item()
    assert a_won == pytest.approx(1 / (1 + math.exp(-gap)), abs=0.01)
    assert torch.equal(torch.sort(torch.stack([chosen, rejected]), 0).values,
                       torch.sort(torch.stack([a, b]), 0).values)


def test_fit_bt_recovers_the_true_ordering():
    seed_everything(0)
    task = SortTask(seed=0)
    gen = torch.Generator().manual_seed(0)
    prompts = torch.randint(0, task.P, (3000,), generator=gen)
    noisy = lambda: torch.where(torch.rand(3000, task.L, generator=gen) < 0.3,
                                torch.randint(0, 10, (3000, task.L), generator=gen), task.answers[prompts])
    chosen, rejected = oracle_prefs(task, prompts, noisy(), noisy(), gen)
    rm = RewardModel(task)
    losses = fit_bt(rm, prompts, chosen, rejected, steps=300)
    assert losses[-1] < losses[0]
    assert not any(p.requires_grad for p in rm.parameters())
    # Held-out pairs whose true rewards differ: the RM orders most of them as r* does.
    a, b = noisy(), noisy()
    ra, rb = task.reward(prompts, a), task.reward(prompts, b)
    differ = ra != rb
    agree = ((rm(prompts, a) > rm(prompts, b)) == (ra > rb))[differ].float().mean().item()
    assert agree > 0.8
    assert rm(task.ids, a[:task.P].view(task.P, 1, task.L)).shape == (task.P, 1)


def test_best_worst_pairs_pick_the_extremes():
    prompts = torch.tensor([4, 7])
    responses = torch.arange(2 * 3 * 2).view(2, 3, 2)
    scores = torch.tensor([[0.1, 0.9, -1.0], [5.0, 2.0, 3.0]])
    p, c, r = best_worst_pairs(prompts, responses, scores)
    assert torch.equal(p, prompts)
    assert torch.equal(c, torch.stack([responses[0, 1], responses[1, 0]]))
    assert torch.equal(r, torch.stack([responses[0, 2], responses[1, 1]]))


def test_dpo_loss_at_the_reference_is_log_2():
    logp = torch.randn(4, 2)
    assert dpo_loss(logp[:, 0], logp[:, 1], logp[:, 0], logp[:, 1], beta=0.1).item() == pytest.approx(math.log(2))
    # Raising the chosen log-probability (relative to the reference) lowers the loss.
    assert dpo_loss(logp[:, 0] + 1, logp[:, 1], logp[:, 0], logp[:, 1]).item() < math.log(2)
    assert dpo_loss(logp[:, 0], logp[:, 1] + 1, logp[:, 0], logp[:, 1]).item() > math.log(2)


def test_dpo_step_leaves_unvisited_table_cells_unchanged():
    """Offline data cannot move the policy where its responses never go: those rows keep their logits."""
    seed_everything(0)
    task = SortTask(P=4, L=5, seed=0)
    pi0 = TabularPolicy(task)
    with torch.no_grad():
        pi0.table.normal_()
    pi = TabularPolicy(task)
    pi.load_state_dict(pi0.state_dict())
    prompts = torch.tensor([0, 0, 1])
    chosen = task.answers[prompts]
    rejected = torch.flip(chosen, [1])
    train_dpo(pi, pi0, prompts, chosen, rejected, steps=5, lr=0.1)
    visited = torch.zeros(pi.table.shape[:3], dtype=torch.bool)
    for y, p in [(chosen, prompts), (rejected, prompts)]:
        prev = torch.cat([torch.full_like(y[:, :1], DIGITS), y[:, :-1]], 1)
        visited[p[:, None], torch.arange(task.L), prev] = True
    changed = (pi.table != pi0.table).any(-1)
    assert changed[visited].all()
    assert not changed[~visited].any()
    assert pi.logprob(prompts, chosen).sum() > pi0.logprob(prompts, chosen).sum()


def test_gae_with_gamma_lambda_one_is_reward_to_go_minus_value():
    rewards, values = torch.randn(6, 5), torch.randn(6, 5)
    adv, ret = gae(rewards, values, gamma=1.0, lam=1.0)
    to_go = rewards.flip(1).cumsum(1).flip(1)
    assert torch.allclose(adv, to_go - values, atol=1e-6)
    assert torch.allclose(ret, to_go, atol=1e-6)


def test_gae_with_lambda_zero_is_the_one_step_td_error():
    rewards, values = torch.randn(3, 4), torch.randn(3, 4)
    adv, _ = gae(rewards, values, gamma=0.9, lam=0.0)
    next_v = torch.cat([values[:, 1:], torch.zeros(3, 1)], 1)
    assert torch.allclose(adv, rewards + 0.9 * next_v - values, atol=1e-6)


def test_score_puts_the_kl_penalty_on_tokens_and_the_reward_at_the_end():
    seed_everything(0)
    task = SortTask(P=4, L=5, seed=0)
    actor, reference, critic = TinyLM(task), TinyLM(task), TinyCritic(task)
    prompts, responses = rollout(actor, task.ids, 3, torch.Generator().manual_seed(0))
    assert prompts.shape == (12,) and responses.shape == (12, 5)
    batch = score(actor, critic, reference, task.reward, prompts, responses, beta=0.5)
    log_ratio = batch.logprobs - batch.ref_logprobs
    expected = -0.5 * log_ratio
    expected[:, -1] += task.reward(prompts, responses)
    assert torch.allclose(batch.rewards, expected)
    assert torch.equal(batch.values, torch.zeros(12, 5))           # the critic's head starts at zero
    assert batch.advantages.mean().abs() < 1e-5 and batch.advantages.std().item() == pytest.approx(1, abs=1e-4)
    assert batch.kl == pytest.approx(log_ratio.sum(1).mean().item())


def test_ppo_update_moves_a_bandit_toward_the_better_arm():
    """L = 1 after the prompt: a one-token bandit whose reward is the digit's value."""
    seed_everything(0)
    task = SortTask(P=2, L=1, seed=0)
    actor, reference, critic = TabularPolicy(task), TabularPolicy(task), TinyCritic(task)
    opt_a, opt_c = torch.optim.Adam(actor.parameters(), lr=0.1), torch.optim.Adam(critic.parameters(), lr=0.01)
    reward = lambda prompts, y: y[:, 0].float()
    gen = torch.Generator().manual_seed(0)
    first = ppo_iteration(actor, critic, reference, reward, task.ids, opt_a, opt_c, n=64, beta=0.0, generator=gen)
    for it in range(15):
        last = ppo_iteration(actor, critic, reference, reward, task.ids, opt_a, opt_c, n=64, beta=0.0,
                             generator=gen, seed=it)
    assert last["reward"] > first["reward"] + 2.0
    assert actor.table[:, 0, DIGITS].argmax(-1).tolist() == [9, 9]
    assert last["kl"] > 0.1
    assert all(last[k] > 0 for k in ("generate_s", "inference_s", "train_s"))


def test_ppo_clipping_stops_the_update_once_the_ratio_leaves_the_band():
    """With every advantage positive, the clipped objective has no gradient once ρ > 1 + ε."""
    seed_everything(0)
    task = SortTask(P=1, L=2, seed=0)
    actor, critic = TabularPolicy(task), TinyCritic(task)
    prompts, responses = torch.zeros(4, dtype=torch.long), torch.tensor([[1, 2]] * 4)
    old = actor.logprob(prompts, responses, per_token=True).detach() - 1.0     # ρ = e > 1.2
    ones = torch.ones(4, 2)
    batch = Experience(prompts, responses, old, old, ones, ones[:, 0], ones, ones, ones)
    before = actor.table.clone()
    ppo_update(actor, critic, batch, torch.optim.SGD(actor.parameters(), lr=1.0),
               torch.optim.SGD(critic.parameters(), lr=0.1), clip=0.2, epochs=1, minibatch=4)
    assert torch.equal(actor.table, before)
    batch.logprobs = batch.logprobs + 1.0                                      # ρ = 1: inside the band
    ppo_update(actor, critic, batch, torch.optim.SGD(actor.parameters(), lr=1.0),
               torch.optim.SGD(critic.parameters(), lr=0.1), clip=0.2, epochs=1, minibatch=4)
    assert actor.logprob(prompts[:1], responses[:1]) > TabularPolicy(task).logprob(prompts[:1], responses[:1])


def test_ppo_on_the_sort_task_raises_the_true_reward():
    seed_everything(0)
    task = SortTask(P=8, L=4, seed=0)
    p, y = task.demos(per_prompt=8)
    actor = TinyLM(task)
    sft(actor, p, y, steps=100, lr=3e-3)
    reference = TinyLM(task)
    reference.load_state_dict(actor.state_dict())
    reference.requires_grad_(False)
    critic = TinyCritic(task)
    opt_a, opt_c = torch.optim.Adam(actor.parameters(), lr=1e-3), torch.optim.Adam(critic.parameters(), lr=3e-3)
    start = mean_reward(task, actor, n=64)
    gen = torch.Generator().manual_seed(0)
    for it in range(12):
        ppo_iteration(actor, critic, reference, task.reward, task.ids, opt_a, opt_c, n=16, generator=gen, seed=it)
    assert mean_reward(task, actor, n=64) > start + 0.5
    assert kl_divergence(actor, reference, task.ids) > 0.01
    assert kl_divergence(reference, reference, task.ids) == pytest.approx(0, abs=1e-6)


def test_empirical_cdf_ranks_scores_into_zero_one():
    s = torch.tensor([[3.0, -1.0], [10.0, 3.0]])
    assert empirical_cdf(s).tolist() == [[0.75, 0.25], [1.0, 0.75]]


def test_rest_improve_trains_only_on_kept_samples():
    seed_everything(0)
    task = SortTask(P=3, L=4, seed=0)
    prompts = torch.tensor([0, 0, 1, 2])
    responses = torch.stack([task.answers[0], torch.flip(task.answers[0], [0]), task.answers[1], task.answers[2]])
    cdf = torch.tensor([0.9, 0.2, 0.95, 0.5])
    pi = TabularPolicy(task)
    kept = rest_improve(pi, prompts, responses, cdf, 0.8, steps=20, lr=0.1)
    assert kept == 2
    # Prompt 2's only sample was filtered out: its rows never moved.
    assert (pi.table[2] == 0).all() and (pi.table[0] != 0).any() and (pi.table[1] != 0).any()
    assert pi.logprob(prompts[:1], responses[:1]) > pi.logprob(prompts[1:2], responses[1:2])
    assert rest_improve(TabularPolicy(task), prompts, responses, cdf, 0.99, steps=5, lr=0.1) == 0
