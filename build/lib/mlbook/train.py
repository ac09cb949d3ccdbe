"""One small training loop for every chapter, with a progress bar for readers."""
import torch
from torch.nn import functional as F
from tqdm.auto import tqdm

from .env import progress_enabled


def fit(model, X, y, *, steps: int, lr: float, batch_size: int = 128, params=None,
        loss_fn=F.cross_entropy, seed: int = 0, weight_decay: float = 0.0, desc: str = "학습",
        checkpoints=(), on_checkpoint=None):
    """Train `model` on (X, y) with Adam for `steps` minibatch steps; return the losses.

    `params` restricts which parameters are trained (LoRA trains only its factors).
    Minibatches are drawn from a seeded generator, so a run is reproducible.
    After each step number in `checkpoints` (1-based), ``on_checkpoint(step)`` is called,
    e.g. to record a learning curve; training then resumes in train mode.
    """
    params = list(model.parameters() if params is None else params)
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    losses = []
    model.train()
    for step in tqdm(range(1, steps + 1), desc=desc, leave=False, disable=not progress_enabled()):
        idx = torch.randint(len(X), (min(batch_size, len(X)),), generator=gen).to(X.device)
        loss = loss_fn(model(X[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if on_checkpoint is not None and step in checkpoints:
            on_checkpoint(step)
            model.train()
    model.eval()
    return losses


@torch.no_grad()
def accuracy(model, X, y) -> float:
    """Fraction of rows of X whose arg-max prediction equals y."""
    model.eval()
    return (model(X).argmax(-1) == y).float().mean().item()
