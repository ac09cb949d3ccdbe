"""What the generative-model chapters share: one noise schedule, one ε-model, one DDIM move, one yardstick.

FIFO-Diffusion, Diffusion2GAN, Dreamer XL, Show-1 and Bayesian Flow Networks all stand on a
small DDPM prior (Ho et al., 2020) sampled with DDIM (Song et al., 2021). What each paper
changes (a queue of noise levels, a one-step student, a score-distillation loss, a cascade,
no forward process at all) stays in its chapter; this module holds the common ground:

- data: ``moons2d`` (2-D, labelled by moon), ``digits8`` (8×8 digits in [−1, 1]) and ``pool4``;
- the linear β schedule (β from 1e-4 to 0.02, K = 1000) as ``alpha_bar(t)`` with ᾱ_0 = 1;
- ``q_sample``, the deterministic DDIM move ``ddim_move`` (inversion is the same move with
  t_to > t_from), ``ddim_levels``, ``ddim_sample`` with classifier-free guidance;
- ``EpsMLP`` (sinusoidal time features, optional class embedding with a null class) and
  ``train_eps``, the ε-prediction training loop;
- yardsticks: ``sliced_wasserstein``, ``frechet_distance`` in a PCA-20 space of real digits,
  ``DigitJudge`` (logistic regression: accuracy and mean confidence), ``laplacian_energy``
  (sharpness) and ``NFECounter``. Wall-clock per sample is ``mlbook.measure.time_it`` ÷ batch.

Every tensor argument ``t`` holds integer timesteps in 0…K and broadcasts against the sample's
shape without its last axis: a (batch, frames, 2) video may carry one timestep per frame, (frames,)
for every video alike or (batch, frames) for each.
"""
import math
from functools import lru_cache

import torch
from torch import nn
from torch.nn import functional as F

from .data import digits
from .models import MLP
from .train import train_loop

K = 1000
_BETAS = torch.linspace(1e-4, 0.02, K)
# ᾱ_t = Π_{s ≤ t} (1 − β_s); index 0 is the clean state (ᾱ_0 = 1), so ᾱ has K + 1 entries.
ALPHA_BAR = torch.cat([torch.ones(1), torch.cumprod(1 - _BETAS, dim=0)])


# Data -----------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _moons_standardisation() -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and std of a large reference sample, so every call is scaled the same way."""
    from sklearn.datasets import make_moons

    ref = torch.tensor(make_moons(20_000, noise=0.05, random_state=0)[0], dtype=torch.float32)
    return ref.mean(0), ref.std(0)


def moons2d(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two moons (noise 0.05), standardised with fixed constants: ``(x (n, 2), moon label (n,))``."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n, noise=0.05, random_state=seed)
    mean, std = _moons_standardisation()
    return (torch.tensor(x, dtype=torch.float32) - mean) / std, torch.tensor(y, dtype=torch.long)


def digits8(seed: int = 0):
    """scikit-learn's 8×8 digits in [−1, 1]: ``(X_train, y_train, X_test, y_test)``, X of shape (n, 64)."""
    X_train, y_train, X_test, y_test = digits(seed=seed)
    return 2 * X_train - 1, y_train, 2 * X_test - 1, y_test


def pool4(x: torch.Tensor) -> torch.Tensor:
    """8×8 images (n, 64) → 4×4 by 2×2 averaging (n, 16)."""
    return F.avg_pool2d(x.reshape(-1, 1, 8, 8), 2).reshape(len(x), 16)


# Schedule and DDIM ----------------------------------------------------------------------------

def alpha_bar(t: torch.Tensor) -> torch.Tensor:
    """ᾱ_t for integer timesteps t (any shape), on t's device."""
    return ALPHA_BAR.to(t.device)[t]


def _per_sample(a: torch.Tensor) -> torch.Tensor:
    """ᾱ for every sample, shared by the sample's values (its last axis)."""
    return a.unsqueeze(-1)


def q_sample(x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε."""
    a = _per_sample(alpha_bar(t))
    return a.sqrt() * x0 + (1 - a).sqrt() * eps


def ddim_move(x: torch.Tensor, t_from: torch.Tensor, t_to: torch.Tensor, eps: torch.Tensor,
              clip: float | None = None) -> torch.Tensor:
    """One deterministic DDIM move (η = 0) from level t_from to t_to with the noise estimate eps.

    x̂_0 = (x − √(1 − ᾱ_from) ε) / √ᾱ_from, then x_to = √ᾱ_to x̂_0 + √(1 − ᾱ_to) ε.
    With t_to < t_from it denoises; with t_to > t_from it is DDIM inversion.
    With `clip`, x̂_0 is clamped to [−clip, clip] (data known to lie there, e.g. pixels in
    [−1, 1]) and ε is re-derived from x and the clamped x̂_0, so the move stays on the line
    between them; a move to level 0 then lands inside the data's range.
    """
    a, a_to = _per_sample(alpha_bar(t_from)), _per_sample(alpha_bar(t_to))
    x0_hat = (x - (1 - a).sqrt() * eps) / a.sqrt()
    if clip is not None:
        x0_hat = x0_hat.clamp(-clip, clip)
        eps = (x - a.sqrt() * x0_hat) / (1 - a).sqrt()
    return a_to.sqrt() * x0_hat + (1 - a_to).sqrt() * eps


def ddim_levels(steps: int, device=None) -> torch.Tensor:
    """The timesteps an S-step DDIM visits: τ_0 = 0 < τ_1 < … < τ_S = K, shape (S + 1,)."""
    return torch.round(torch.arange(steps + 1, device=device) * K / steps).long()


def guided_eps(model, x: torch.Tensor, t: torch.Tensor, cond=None, cfg: float | None = None) -> torch.Tensor:
    """ε(x, t), conditioned on `cond` if given; with `cfg`, classifier-free guidance
    ε_∅ + cfg·(ε_y − ε_∅), the null class being ``model.null_class``."""
    if cond is None:
        return model(x, t)
    if cfg is None:
        return model(x, t, cond)
    null = torch.full_like(cond, model.null_class)
    eps_null = model(x, t, null)
    return eps_null + cfg * (model(x, t, cond) - eps_null)


@torch.no_grad()
def ddim_sample(model, z: torch.Tensor, steps: int, cond=None, cfg: float | None = None,
                clip: float | None = None) -> torch.Tensor:
    """Run `steps` DDIM moves from pure noise z (level K) down to level 0 (`clip`: see `ddim_move`)."""
    tau = ddim_levels(steps, z.device)
    shape = z.shape[:-1]
    for i in range(steps, 0, -1):
        t = tau[i].expand(shape)
        z = ddim_move(z, t, tau[i - 1].expand(shape), guided_eps(model, z, t, cond, cfg), clip)
    return z


# ε-model and its training ---------------------------------------------------------------------

def timestep_features(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of t (Transformer positions, as in DDPM): (..., dim)."""
    freqs = torch.exp(-math.log(10_000) * torch.arange(dim // 2, device=t.device) / (dim // 2))
    angles = t.float().unsqueeze(-1) * freqs
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class EpsMLP(nn.Module):
    """ε_θ(x, t[, y]) for flat samples x (batch, dim).

    With ``n_classes`` > 0 a class embedding is added to the first hidden layer; class index
    ``n_classes`` is the null class that classifier-free guidance trains by label dropout.
    """

    def __init__(self, dim: int, hidden: int = 128, depth: int = 3, n_classes: int = 0,
                 time_dim: int = 32):
        super().__init__()
        self.time_dim, self.null_class = time_dim, n_classes
        self.inp = nn.Linear(dim + time_dim, hidden)
        self.embed = nn.Embedding(n_classes + 1, hidden) if n_classes else None
        self.body = MLP([hidden] * depth + [dim], activation=nn.SiLU)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.inp(torch.cat([x, timestep_features(t, self.time_dim)], dim=-1))
        if self.embed is not None:
            h = h + self.embed(torch.full_like(t, self.null_class) if y is None else y)
        return self.body(F.silu(h))


def train_eps(model, draw, *, steps: int, lr: float, seed: int, label_dropout: float = 0.1,
              desc: str = "잡음 예측기") -> list[float]:
    """Train an ε-model with the DDPM loss ‖ε_θ(q_sample(x_0, t, ε), t[, y]) − ε‖²; return the losses.

    ``draw(gen)`` returns a batch ``(x_0, y)`` (y is None when unconditional). One timestep is
    drawn per sample and shared along its middle axes (every frame of a clip). With labels,
    each is replaced by the null class with probability `label_dropout`, so one model learns
    ε_y and ε_∅ for guidance. Adam with cosine decay; all randomness comes from one generator
    seeded with `seed`, drawn in the order data, t, ε, dropout.
    """
    gen = torch.Generator(device=next(model.parameters()).device).manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)

    def step_loss():
        x0, y = draw(gen)
        B = len(x0)
        t = torch.randint(1, K + 1, (B,), generator=gen, device=x0.device)
        t = t.reshape((B,) + (1,) * (x0.ndim - 2)).expand(x0.shape[:-1])
        eps = torch.randn(x0.shape, generator=gen, device=x0.device)
        if y is None:
            return ((model(q_sample(x0, t, eps), t) - eps) ** 2).mean()
        drop = torch.rand(B, generator=gen, device=x0.device) < label_dropout
        y = torch.where(drop, torch.full_like(y, model.null_class), y)
        return ((model(q_sample(x0, t, eps), t, y) - eps) ** 2).mean()

    losses = train_loop(model, step_loss, steps=steps, optimizer=opt, scheduler=schedule, desc=desc)
    model.requires_grad_(False)
    return losses


# Yardsticks -----------------------------------------------------------------------------------

def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, projections: int = 256, seed: int = 0) -> float:
    """Sliced 2-Wasserstein distance between two point sets (n, d) and (m, d).

    The directions are fixed by `seed`, so two calls compare the same slices; each slice
    compares 100 quantiles, so the sets may differ in size.
    """
    gen = torch.Generator().manual_seed(seed)
    dirs = torch.randn(a.shape[1], projections, generator=gen, dtype=torch.float64)
    dirs = dirs / dirs.norm(dim=0)
    qs = torch.linspace(0, 1, 100, dtype=torch.float64)
    pa = torch.quantile(a.double().cpu() @ dirs, qs, dim=0)
    pb = torch.quantile(b.double().cpu() @ dirs, qs, dim=0)
    return ((pa - pb) ** 2).mean().sqrt().item()


@lru_cache(maxsize=1)
def _digit_pca(components: int = 20) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and top principal directions of the real training digits (in [−1, 1])."""
    X = digits8()[0].double()
    mean = X.mean(0)
    _, _, Vt = torch.linalg.svd(X - mean, full_matrices=False)
    return mean, Vt[:components].T


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance ("FD") between two sets of 8×8 digits, in the PCA-20 space of real digits.

    ‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2(Σ_a Σ_b)^{1/2}), the FID formula with PCA features
    in place of Inception features.
    """
    mean, P = _digit_pca()
    fa, fb = (a.double().cpu() - mean) @ P, (b.double().cpu() - mean) @ P
    mu_a, mu_b = fa.mean(0), fb.mean(0)
    cov_a, cov_b = torch.cov(fa.T), torch.cov(fb.T)
    # Tr (Σ_a Σ_b)^{1/2} = Σ √λ_i of the symmetric matrix Σ_a^{1/2} Σ_b Σ_a^{1/2}.
    w, V = torch.linalg.eigh(cov_a)
    root_a = V @ torch.diag(w.clamp(min=0).sqrt()) @ V.T
    cross = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp(min=0).sqrt().sum()
    return ((mu_a - mu_b) ** 2).sum().item() + (cov_a.trace() + cov_b.trace() - 2 * cross).item()


class DigitJudge:
    """A logistic-regression digit classifier fitted on the real training digits (in [−1, 1])."""

    def __init__(self, seed: int = 0):
        from sklearn.linear_model import LogisticRegression

        X, y = digits8(seed)[:2]
        self.clf = LogisticRegression(max_iter=2000).fit(X.numpy(), y.numpy())

    def probabilities(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tensor(self.clf.predict_proba(x.detach().cpu().double().numpy()))

    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> float:
        """Fraction of samples the judge reads as their intended class."""
        return (self.probabilities(x).argmax(1) == y.cpu()).double().mean().item()

    def confidence(self, x: torch.Tensor) -> float:
        """Mean probability of the judge's own top class: how digit-like samples look."""
        return self.probabilities(x).max(1).values.mean().item()


def laplacian_energy(x: torch.Tensor) -> float:
    """Mean squared 4-neighbour Laplacian over the interior pixels of 8×8 images: sharpness."""
    img = x.reshape(-1, 8, 8).double()
    lap = (4 * img[:, 1:-1, 1:-1] - img[:, :-2, 1:-1] - img[:, 2:, 1:-1]
           - img[:, 1:-1, :-2] - img[:, 1:-1, 2:])
    return (lap ** 2).mean().item()


class NFECounter(nn.Module):
    """Wraps a model and counts its forward calls (network function evaluations) per batch."""

    def __init__(self, model):
        super().__init__()
        self.model, self.calls = model, 0
        self.null_class = getattr(model, "null_class", None)

    def forward(self, *args):
        self.calls += 1
        return self.model(*args)
