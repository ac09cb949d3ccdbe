"""What the part "정렬과 추론" shares: one sorting task, two policies, a reward model and the RL losses.

RLHF Workflow (iterative DPO), OpenRLHF (PPO), ReST (Grow/Improve) and Graph of Thoughts all
work on one task: given a prompt x of L digits, answer with L digits y that sort x. What each
paper adds (online pairs, role placement, rising thresholds, a graph of prompts) stays in its
chapter; this module holds the common ground:

- the score ``num_errors(x, y)`` of the Graph-of-Thoughts repository
  (``examples/sorting/utils.py``): Σ_d |count_d(y) − count_d(x)| + #{i: y_i > y_{i+1}};
- ``SortTask``: P prompts, the true reward r*(x, y) = −num_errors(x, y), noisy demonstrations;
- two policies with one interface, ``sample(prompts, n)`` and ``logprob(prompts, responses)``:
  ``TabularPolicy`` (a logit table over prompt × position × previous token) and ``TinyLM``
  (a 2-layer causal transformer that reads the prompt's digits); ``TinyCritic`` is its value twin;
- ``sft`` (NLL fine-tuning), Bradley–Terry oracle labels ``oracle_prefs``, ``RewardModel`` + ``fit_bt``;
- ``dpo_loss`` and ``train_dpo``; ``best_worst_pairs`` for best-vs-worst-of-n pairs;
- ``gae`` and PPO in three timed phases: ``rollout`` (generation), ``score`` (reference, reward and
  critic inference) and ``ppo_update`` (training); ``ppo_iteration`` runs all three;
- ReST's Improve step: ``empirical_cdf`` to map scores to [0, 1] and ``rest_improve`` (filter + NLL);
- yardsticks ``mean_reward`` (true reward of samples) and ``kl_divergence`` (to a reference).

Prompts are always passed as prompt indices (N,) into ``task.prompts``; responses are (N, L)
digit tensors. ``sample`` returns (B, n, L): n responses for each of B prompts, so
``prompts.repeat_interleave(n)`` and ``responses.flatten(0, 1)`` give the flat pairs.
Every random draw goes through an explicit seed or ``torch.Generator``. The tensors live on the CPU:
the toys are small enough that a chapter keeps them there at GPU scale too.
"""
import time
from dataclasses import dataclass
from functools import partial

import torch
from torch import nn
from torch.nn import functional as F

from .models import MLP, Block, SelfAttention
from .train import train_loop

DIGITS = 10
SEP = DIGITS  # the token between prompt and response (TinyLM) and the "previous token" at position 0 (table)


# The score --------------------------------------------------------------------------------------

def count_digits(x: torch.Tensor) -> torch.Tensor:
    """count_d(x) for d = 0…9: (..., n) digit lists → (..., 10) counts."""
    return F.one_hot(x, DIGITS).sum(-2)


def inversions(y: torch.Tensor) -> torch.Tensor:
    """Number of adjacent inversions #{i: y_i > y_{i+1}} of (..., n) lists → (...)."""
    return (y[..., :-1] > y[..., 1:]).sum(-1)


def num_errors(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The GoT repository's sorting score, batched: Σ_d |count_d(y) − count_d(x)| + #adjacent inversions of y.

    As ``num_errors`` in spcl/graph-of-thoughts, examples/sorting/utils.py (digits 0…9, strict
    inversions y_i > y_{i+1}), less its parsing: the repository scores an unparsable answer 300.
    x (the list to sort) and y (the answer) broadcast in their leading axes and may differ in length.
    It is zero exactly when y is the sorted x, and needs no sorted answer to compute.
    """
    return (count_digits(y) - count_digits(x)).abs().sum(-1) + inversions(y)


def _prompt_tokens(table: torch.Tensor, prompts: torch.Tensor, responses: torch.Tensor) -> torch.Tensor:
    """The digits of each prompt, shaped to broadcast against responses (B, L) or (B, n, L)."""
    x = table[prompts]
    return x.unsqueeze(-2) if responses.dim() == x.dim() + 1 else x


class SortTask:
    """P random lists of L digits (seeded) to be sorted; the true reward r*(x, y) = −num_errors(x, y)."""

    def __init__(self, P: int = 24, L: int = 6, seed: int = 0):
        gen = torch.Generator().manual_seed(seed)
        self.P, self.L, self.seed = P, L, seed
        self.prompts = torch.randint(0, DIGITS, (P, L), generator=gen)
        self.answers = self.prompts.sort(-1).values
        self.ids = torch.arange(P)

    def reward(self, prompts: torch.Tensor, responses: torch.Tensor) -> torch.Tensor:
        """r*(x, y) = −num_errors(x, y) for prompt indices (B,) and responses (B, L) or (B, n, L)."""
        return -num_errors(_prompt_tokens(self.prompts, prompts, responses), responses).float()

    def demos(self, per_prompt: int = 8, p_sub: float = 0.25, p_swap: float = 0.25,
              seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """Noisy demonstrations for SFT: ``(prompt indices (P·per_prompt,), responses (P·per_prompt, L))``.

        Each is the sorted answer with every digit replaced by a uniform random digit with
        probability p_sub, then every adjacent pair (left to right) swapped with probability p_swap,
        as a careless human sorter would write it.
        """
        gen = torch.Generator().manual_seed(seed)
        prompts = self.ids.repeat_interleave(per_prompt)
        y = self.answers[prompts].clone()
        sub = torch.rand(y.shape, generator=gen) < p_sub
        y = torch.where(sub, torch.randint(0, DIGITS, y.shape, generator=gen), y)
        for i in range(self.L - 1):
            swap = torch.rand(len(y), generator=gen) < p_swap
            left, right = y[:, i].clone(), y[:, i + 1].clone()
            y[:, i], y[:, i + 1] = torch.where(swap, right, left), torch.where(swap, left, right)
        return prompts, y


# Policies ---------------------------------------------------------------------------------------

class Policy(nn.Module):
    """An autoregressive policy π(y | x) = Π_t π(y_t | x, y_<t) over responses of L digits.

    A subclass gives ``logits(prompts, responses)``, the teacher-forced next-token logits (N, L, 10)
    (row t depends on y_<t only), and ``next_logits(prompts, prefix)`` (N, 10) for sampling.
    """

    L: int

    @torch.no_grad()
    def sample(self, prompts: torch.Tensor, n: int = 1, *, generator: torch.Generator | None = None,
               temperature: float = 1.0) -> torch.Tensor:
        """n responses for each of B prompts, token by token: (B, n, L)."""
        flat = prompts.repeat_interleave(n)
        y = torch.empty(len(flat), 0, dtype=torch.long, device=flat.device)
        for _ in range(self.L):
            probs = (self.next_logits(flat, y) / temperature).softmax(-1)
            y = torch.cat([y, torch.multinomial(probs, 1, generator=generator)], 1)
        return y.view(len(prompts), n, self.L)

    def logprob(self, prompts: torch.Tensor, responses: torch.Tensor, per_token: bool = False) -> torch.Tensor:
        """log π(y_t | x, y_<t) per token (N, L) with ``per_token``, else their sum log π(y | x) (N,)."""
        logp = self.logits(prompts, responses).log_softmax(-1)
        token = logp.gather(-1, responses.unsqueeze(-1)).squeeze(-1)
        return token if per_token else token.sum(-1)


class TabularPolicy(Policy):
    """π(y_t | x, y_<t) = softmax(θ[x, t, y_{t−1}]): one logit row per prompt, position and previous digit.

    Starts uniform (θ = 0). A gradient step changes only the rows that its responses pass through,
    so data that never reaches a state cannot change what the policy does there.
    """

    def __init__(self, task: SortTask):
        super().__init__()
        self.L = task.L
        self.table = nn.Parameter(torch.zeros(task.P, task.L, DIGITS + 1, DIGITS))

    def logits(self, prompts, responses):
        prev = torch.cat([torch.full_like(responses[:, :1], SEP), responses[:, :-1]], 1)
        return self.table[prompts[:, None], torch.arange(self.L, device=prev.device), prev]

    def next_logits(self, prompts, prefix):
        prev = prefix[:, -1] if prefix.shape[1] else torch.full_like(prompts, SEP)
        return self.table[prompts, prefix.shape[1], prev]


class CausalTrunk(nn.Module):
    """The body of TinyLM and TinyCritic: a causal transformer over [x_1 … x_L, SEP, y_1 … y_t].

    ``states(prompts, prefix)`` returns the t + 1 hidden states at SEP, y_1, …, y_t (N, t + 1, d):
    state t has read x and y_≤t, so it predicts y_{t+1} (policy) or values that state (critic).
    No KV cache: sampling recomputes the whole prefix at every step, as a naive generator does.
    """

    def __init__(self, task: SortTask, d: int = 32, layers: int = 2, heads: int = 2):
        super().__init__()
        self.L = task.L
        self.register_buffer("prompt_tokens", task.prompts.clone())
        self.embed = nn.Embedding(DIGITS + 1, d)
        self.pos = nn.Parameter(0.02 * torch.randn(1, 2 * task.L, d))
        attention = partial(SelfAttention, causal=True)
        self.blocks = nn.Sequential(*[Block(d, heads, 2, attention, nn.LayerNorm) for _ in range(layers)])
        self.norm = nn.LayerNorm(d)

    def states(self, prompts, prefix):
        sep = torch.full_like(prompts[:, None], SEP)
        tokens = torch.cat([self.prompt_tokens[prompts], sep, prefix], 1)
        h = self.embed(tokens) + self.pos[:, :tokens.shape[1]]
        return self.norm(self.blocks(h))[:, self.L:]


class TinyLM(Policy):
    """A 2-layer causal transformer policy (d = 32) that reads the prompt's digits, then writes y."""

    def __init__(self, task: SortTask, d: int = 32, layers: int = 2, heads: int = 2):
        super().__init__()
        self.L = task.L
        self.trunk = CausalTrunk(task, d, layers, heads)
        self.head = nn.Linear(d, DIGITS)

    def logits(self, prompts, responses):
        return self.head(self.trunk.states(prompts, responses[:, :-1]))

    def next_logits(self, prompts, prefix):
        return self.head(self.trunk.states(prompts, prefix)[:, -1])


class TinyCritic(nn.Module):
    """The value twin of TinyLM: V(s_t) for the states s_t = (x, y_<t), t = 0…L−1, shape (N, L).

    The value head starts at zero, so the first advantages are the rewards themselves.
    """

    def __init__(self, task: SortTask, d: int = 32, layers: int = 2, heads: int = 2):
        super().__init__()
        self.trunk = CausalTrunk(task, d, layers, heads)
        self.head = nn.Linear(d, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def values(self, prompts, responses):
        return self.head(self.trunk.states(prompts, responses[:, :-1])).squeeze(-1)


def _minibatches(n: int, batch_size: int, seed: int):
    """A seeded draw of minibatch indices: call the result for the next batch."""
    gen = torch.Generator().manual_seed(seed)
    return lambda: torch.randint(n, (min(batch_size, n),), generator=gen)


def sft(policy: Policy, prompts: torch.Tensor, responses: torch.Tensor, *, steps: int, lr: float,
        batch_size: int = 64, seed: int = 0, desc: str = "SFT") -> list[float]:
    """Supervised fine-tuning: minimise the per-token NLL −(1/L) log π(y | x) over (prompts, responses) with Adam."""
    draw = _minibatches(len(prompts), batch_size, seed)

    def step_loss():
        idx = draw()
        return -policy.logprob(prompts[idx], responses[idx]).mean() / policy.L

    return train_loop(policy, step_loss, steps=steps, optimizer=torch.optim.Adam(policy.parameters(), lr=lr),
                      desc=desc)


@torch.no_grad()
def mean_reward(task: SortTask, policy: Policy, n: int = 32, seed: int = 0) -> float:
    """E_x E_{y∼π(·|x)} r*(x, y), estimated with n samples for every prompt of the task."""
    y = policy.sample(task.ids, n, generator=torch.Generator().manual_seed(seed))
    return task.reward(task.ids, y).mean().item()


@torch.no_grad()
def kl_divergence(policy: Policy, reference: Policy, prompts: torch.Tensor, n: int = 32, seed: int = 0) -> float:
    """KL(π ‖ π_ref) of whole responses, averaged over prompts.

    With y ∼ π, KL = E_y Σ_t KL(π(·|x, y_<t) ‖ π_ref(·|x, y_<t)): every token's exact KL over the
    10 digits, summed along sampled prefixes (lower variance than Σ_t log π/π_ref of the tokens).
    """
    y = policy.sample(prompts, n, generator=torch.Generator().manual_seed(seed)).flatten(0, 1)
    flat = prompts.repeat_interleave(n)
    logp, logq = policy.logits(flat, y).log_softmax(-1), reference.logits(flat, y).log_softmax(-1)
    return (logp.exp() * (logp - logq)).sum((-1, -2)).mean().item()


# Preferences and the reward model ---------------------------------------------------------------

def oracle_prefs(task: SortTask, prompts: torch.Tensor, a: torch.Tensor, b: torch.Tensor,
                 generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Bradley–Terry oracle labels: a ≻ b with probability σ(r*(a) − r*(b)); returns (chosen, rejected)."""
    p_a = torch.sigmoid(task.reward(prompts, a) - task.reward(prompts, b))
    a_wins = (torch.rand(p_a.shape, generator=generator) < p_a).unsqueeze(-1)
    return torch.where(a_wins, a, b), torch.where(a_wins, b, a)


def sort_features(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The reward model's view of (x, y): count_d(y) − count_d(x) (10), #inversions(y) (1), one-hot y (10L)."""
    counts = (count_digits(y) - count_digits(x)).float()
    return torch.cat([counts, inversions(y).unsqueeze(-1).float(), F.one_hot(y, DIGITS).flatten(-2).float()], -1)


class RewardModel(nn.Module):
    """A proxy reward r_φ(x, y): a small MLP (one hidden layer) on ``sort_features``.

    The features make r* learnable (it is a sum of |count differences| and inversions),
    and the one-hot tokens give the model room to fit label noise instead.
    """

    def __init__(self, task: SortTask, hidden: int = 64):
        super().__init__()
        self.register_buffer("prompt_tokens", task.prompts.clone())
        self.mlp = MLP([DIGITS + 1 + DIGITS * task.L, hidden, 1])

    def forward(self, prompts, responses):
        """r_φ for prompt indices (B,) and responses (B, L) or (B, n, L)."""
        x = _prompt_tokens(self.prompt_tokens, prompts, responses)
        return self.mlp(sort_features(x, responses)).squeeze(-1)


def fit_bt(rm: RewardModel, prompts: torch.Tensor, chosen: torch.Tensor, rejected: torch.Tensor, *,
           steps: int = 400, lr: float = 3e-3, batch_size: int = 256, weight_decay: float = 0.0,
           seed: int = 0) -> list[float]:
    """Fit r_φ by the Bradley–Terry likelihood: minimise −log σ(r_φ(x, y_w) − r_φ(x, y_l)); then freeze it."""
    rm.requires_grad_(True)
    draw = _minibatches(len(prompts), batch_size, seed)

    def step_loss():
        idx = draw()
        margin = rm(prompts[idx], chosen[idx]) - rm(prompts[idx], rejected[idx])
        return F.softplus(-margin).mean()

    opt = torch.optim.Adam(rm.parameters(), lr=lr, weight_decay=weight_decay)
    losses = train_loop(rm, step_loss, steps=steps, optimizer=opt, desc="보상 모델")
    rm.requires_grad_(False)
    return losses


def best_worst_pairs(prompts: torch.Tensor, responses: torch.Tensor,
                     scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Best-vs-worst-of-n pairs: for responses (B, n, L) scored (B, n), return (prompts, chosen, rejected)."""
    rows = torch.arange(len(prompts))
    return prompts, responses[rows, scores.argmax(1)], responses[rows, scores.argmin(1)]


# DPO --------------------------------------------------------------------------------------------

def dpo_loss(logp_chosen: torch.Tensor, logp_rejected: torch.Tensor, ref_chosen: torch.Tensor,
             ref_rejected: torch.Tensor, beta: float = 0.1) -> torch.Tensor:
    """−log σ(β[(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))]), averaged over pairs.

    At π = π_ref the margin is zero and the loss is log 2.
    """
    margin = (logp_chosen - ref_chosen) - (logp_rejected - ref_rejected)
    return F.softplus(-beta * margin).mean()


def train_dpo(policy: Policy, reference: Policy, prompts: torch.Tensor, chosen: torch.Tensor,
              rejected: torch.Tensor, *, beta: float = 0.1, steps: int, lr: float, batch_size: int = 64,
              seed: int = 0) -> list[float]:
    """Minimise ``dpo_loss`` over the pairs with Adam; the reference's log-probabilities are computed once."""
    with torch.no_grad():
        ref_c, ref_r = reference.logprob(prompts, chosen), reference.logprob(prompts, rejected)
    draw = _minibatches(len(prompts), batch_size, seed)

    def step_loss():
        i = draw()
        return dpo_loss(policy.logprob(prompts[i], chosen[i]), policy.logprob(prompts[i], rejected[i]),
                        ref_c[i], ref_r[i], beta)

    return train_loop(policy, step_loss, steps=steps, optimizer=torch.optim.Adam(policy.parameters(), lr=lr),
                      desc="DPO")


# PPO --------------------------------------------------------------------------------------------

def gae(rewards: torch.Tensor, values: torch.Tensor, gamma: float = 1.0,
        lam: float = 0.95) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over the L tokens: ``(advantages, returns)``, both (N, L).

    δ_t = r_t + γ V(s_{t+1}) − V(s_t) with V(s_L) = 0 (the response is over);
    A_t = δ_t + γλ A_{t+1}; the critic's target is A_t + V(s_t).
    """
    advantages = torch.zeros_like(rewards)
    next_value, next_adv = torch.zeros_like(rewards[:, 0]), torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        next_adv = delta + gamma * lam * next_adv
        advantages[:, t], next_value = next_adv, values[:, t]
    return advantages, advantages + values


@dataclass
class Experience:
    """One PPO batch after inference; every per-token tensor is (N, L)."""
    prompts: torch.Tensor
    responses: torch.Tensor
    logprobs: torch.Tensor       # log π_old(y_t | s_t), the actor at rollout time
    ref_logprobs: torch.Tensor   # log π_ref(y_t | s_t)
    values: torch.Tensor         # V(s_t), the critic at rollout time
    scores: torch.Tensor         # sequence reward r(x, y), (N,)
    rewards: torch.Tensor        # −β (log π_old − log π_ref) per token, + r(x, y) at the last token
    advantages: torch.Tensor     # GAE, whitened over the batch
    returns: torch.Tensor        # critic targets

    @property
    def kl(self) -> float:
        """Mean Σ_t (log π_old − log π_ref) over responses: a sample estimate of KL(π_old ‖ π_ref)."""
        return (self.logprobs - self.ref_logprobs).sum(1).mean().item()


@torch.no_grad()
def rollout(actor: Policy, prompts: torch.Tensor, n: int,
            generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Generation phase: n responses per prompt from the actor, flat: ``(prompts (B·n,), responses (B·n, L))``."""
    return prompts.repeat_interleave(n), actor.sample(prompts, n, generator=generator).flatten(0, 1)


@torch.no_grad()
def score(actor: Policy, critic: TinyCritic, reference: Policy, reward_fn, prompts: torch.Tensor,
          responses: torch.Tensor, *, beta: float = 0.05, gamma: float = 1.0, lam: float = 0.95) -> Experience:
    """Inference phase: actor, reference, reward and critic read the rollout; returns the PPO batch.

    Token reward r_t = −β (log π_old(y_t|s_t) − log π_ref(y_t|s_t)), plus r(x, y) = reward_fn(prompts,
    responses) at the last token (OpenRLHF's token-level KL penalty); advantages by ``gae``, then whitened.
    """
    logprobs = actor.logprob(prompts, responses, per_token=True)
    ref_logprobs = reference.logprob(prompts, responses, per_token=True)
    values = critic.values(prompts, responses)
    scores = reward_fn(prompts, responses).float()
    rewards = -beta * (logprobs - ref_logprobs)
    rewards[:, -1] += scores
    advantages, returns = gae(rewards, values, gamma, lam)
    advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    return Experience(prompts, responses, logprobs, ref_logprobs, values, scores, rewards, advantages, returns)


def ppo_update(actor: Policy, critic: TinyCritic, batch: Experience, actor_opt: torch.optim.Optimizer,
               critic_opt: torch.optim.Optimizer, *, clip: float = 0.2, epochs: int = 2,
               minibatch: int = 64, seed: int = 0) -> tuple[list[float], list[float]]:
    """Training phase: the clipped surrogate for the actor and a squared error for the separate critic.

    Actor: −E_t min(ρ_t A_t, clip(ρ_t, 1 − ε, 1 + ε) A_t) with ρ_t = π(y_t|s_t)/π_old(y_t|s_t), ε = clip.
    Critic: ½ E_t (V(s_t) − R_t)². Each runs epochs · ⌈N / minibatch⌉ Adam steps on random minibatches;
    returns (actor losses, critic losses).
    """
    steps = epochs * -(-len(batch.prompts) // minibatch)
    draw = _minibatches(len(batch.prompts), minibatch, seed)

    def actor_loss():
        i = draw()
        ratio = (actor.logprob(batch.prompts[i], batch.responses[i], per_token=True) - batch.logprobs[i]).exp()
        adv = batch.advantages[i]
        return -torch.min(ratio * adv, ratio.clamp(1 - clip, 1 + clip) * adv).mean()

    def critic_loss():
        i = draw()
        return 0.5 * ((critic.values(batch.prompts[i], batch.responses[i]) - batch.returns[i]) ** 2).mean()

    return (train_loop(actor, actor_loss, steps=steps, optimizer=actor_opt, desc="PPO 행위자"),
            train_loop(critic, critic_loss, steps=steps, optimizer=critic_opt, desc="PPO 가치"))


def ppo_iteration(actor: Policy, critic: TinyCritic, reference: Policy, reward_fn, prompts: torch.Tensor,
                  actor_opt: torch.optim.Optimizer, critic_opt: torch.optim.Optimizer, *, n: int = 8,
                  beta: float = 0.05, gamma: float = 1.0, lam: float = 0.95, clip: float = 0.2, epochs: int = 2,
                  minibatch: int = 64, generator: torch.Generator | None = None, seed: int = 0) -> dict:
    """One PPO iteration, rollout → score → ppo_update, with the wall-clock seconds of each phase.

    Returns ``reward`` (mean r(x, y) of the rollout), ``kl`` (``Experience.kl``) and
    ``generate_s``, ``inference_s``, ``train_s``.
    """
    t0 = time.perf_counter()
    flat, responses = rollout(actor, prompts, n, generator)
    t1 = time.perf_counter()
    batch = score(actor, critic, reference, reward_fn, flat, responses, beta=beta, gamma=gamma, lam=lam)
    t2 = time.perf_counter()
    ppo_update(actor, critic, batch, actor_opt, critic_opt, clip=clip, epochs=epochs, minibatch=minibatch,
               seed=seed)
    t3 = time.perf_counter()
    return dict(reward=batch.scores.mean().item(), kl=batch.kl,
                generate_s=t1 - t0, inference_s=t2 - t1, train_s=t3 - t2)


# ReST -------------------------------------------------------------------------------------------

def empirical_cdf(scores: torch.Tensor) -> torch.Tensor:
    """Each score's empirical CDF among all of them, F(s) = #{s' ≤ s} / N, in (0, 1] (ties share a value)."""
    flat = scores.flatten()
    ranks = torch.searchsorted(flat.sort().values, flat, right=True)
    return (ranks.float() / len(flat)).view(scores.shape)


def rest_improve(policy: Policy, prompts: torch.Tensor, responses: torch.Tensor, normalised: torch.Tensor,
                 threshold: float, *, steps: int, lr: float, batch_size: int = 64, seed: int = 0) -> int:
    """ReST's Improve step: keep the Grow samples with normalised score ≥ threshold, NLL fine-tune on them.

    ``prompts`` (N,), ``responses`` (N, L) and ``normalised`` (N,) scores in [0, 1] (e.g.
    ``empirical_cdf`` of reward-model scores). Returns how many samples were kept (0: no training).
    """
    keep = normalised >= threshold
    if keep.any():
        sft(policy, prompts[keep], responses[keep], steps=steps, lr=lr, batch_size=batch_size, seed=seed,
            desc="ReST Improve")
    return int(keep.sum())
