"""One small training loop for every chapter, with a progress bar for readers."""
import torch
from torch.nn import functional as F
from tqdm.auto import tqdm

from .env import progress_enabled, seed_everything


def train_loop(model, step_loss, *, steps: int, optimizer, scheduler=None, clip_norm=None,
               desc: str = "학습", checkpoints=(), on_checkpoint=None, stop_when=None) -> list[float]:
    """The book's one training loop; return the loss of every step.

    ``step_loss()`` draws a batch and returns its loss, so the loop serves supervised
    minibatches (`fit`), language-model windows and diffusion noise alike. Each step:
    zero the gradients, backpropagate, clip to `clip_norm` if given, step the optimizer
    and the scheduler. After each step number in `checkpoints` (1-based),
    ``on_checkpoint(step)`` is called, e.g. to record a learning curve, and then
    ``stop_when(step)``, if given: True ends training there (early stopping).
    """
    model.train()
    losses = []
    for step in tqdm(range(1, steps + 1), desc=desc, leave=False, disable=not progress_enabled()):
        loss = step_loss()
        optimizer.zero_grad()
        loss.backward()
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.item())
        if step in checkpoints:
            if on_checkpoint is not None:
                on_checkpoint(step)
            stop = stop_when is not None and stop_when(step)
            model.train()
            if stop:
                break
    model.eval()
    return losses


def fit(model, X, y, *, steps: int, lr: float, batch_size: int = 128, params=None,
        loss_fn=F.cross_entropy, seed: int = 0, weight_decay: float = 0.0, desc: str = "학습",
        checkpoints=(), on_checkpoint=None):
    """Train `model` on (X, y) with Adam for `steps` minibatch steps; return the losses.

    `params` restricts which parameters are trained (LoRA trains only its factors).
    Minibatches are drawn from a seeded generator, so a run is reproducible.
    `checkpoints` and `on_checkpoint` are passed to `train_loop`.
    """
    params = list(model.parameters() if params is None else params)
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)

    def step_loss():
        idx = torch.randint(len(X), (min(batch_size, len(X)),), generator=gen).to(X.device)
        return loss_fn(model(X[idx]), y[idx])

    return train_loop(model, step_loss, steps=steps, optimizer=opt, desc=desc,
                      checkpoints=checkpoints, on_checkpoint=on_checkpoint)


def train_vit(X, y, *, seed: int, steps: int, lr: float, batch_size: int = 128, on_step=None,
              desc: str = "ViT 학습", **vit):
    """Train a ``TinyViT(**vit)`` on (X, y) under one recipe; return ``(model, step losses)``.

    The chapters that compare ViT variants (normalisation layers, token mixers, widths,
    resolutions) train through this one function, so that every variant of a seed starts
    from the same random draws and sees the same minibatches with the same optimizer.
    ``on_step(model, step)`` is called before the first step (step 0) and after every
    step, to move a schedule that lives inside the model (e.g. SLAB's PRepBN mixing weight).
    """
    from .models import TinyViT

    seed_everything(seed)
    model = TinyViT(**vit).to(X.device)
    hook = {}
    if on_step is not None:
        on_step(model, 0)
        hook = dict(checkpoints=range(1, steps + 1), on_checkpoint=lambda step: on_step(model, step))
    losses = fit(model, X, y, steps=steps, lr=lr, batch_size=batch_size, seed=seed, desc=desc, **hook)
    return model, losses


@torch.no_grad()
def accuracy(model, X, y) -> float:
    """Fraction of rows of X whose arg-max prediction equals y."""
    model.eval()
    return (model(X).argmax(-1) == y).float().mean().item()
