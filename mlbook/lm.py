"""What the language-model chapters share: one tiny GPT, one training recipe, two corpora.

The part "언어 모델 해부" opens up a small decoder-only transformer: how linear each block is
(Secretly Linear), which token rows never learned (Magikarp), prefix vs causal masks (CausalLM),
position codes and length generalisation (It Ain't That Bad), a recurrent token mixer (xLSTM).
What each paper measures stays in its chapter; this module holds the common ground:

- ``TinyGPT``: token embedding (+ learned positions), pre-LN blocks (``mlbook.models.Block``:
  causal softmax attention through SDPA, a 4d GELU MLP), a final LayerNorm and an untied,
  bias-free head; every weight drawn from N(0, 0.02²). ``forward`` takes a mask ("causal",
  ("prefix", k) or a boolean matrix), extra embeddings added to the tokens (custom position
  codes), blocks to skip or to replace by a callable, and returns the residual stream
  h_0 (embedding), h_1, …, h_L (after each block) on request;
- ``train_lm``: AdamW (β = (0.9, 0.95)), one-cycle learning rate, gradient clipping at 1.0,
  cross-entropy with target −100 ignored, through ``mlbook.train.train_loop``;
- data: ``char_corpus`` (English technical text shipped with scikit-learn and NumPy, as
  characters), ``windows`` (random next-character windows) and ``markov_tokens`` (a Markov
  token stream with Zipf frequencies and ids that never occur).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import torch
from torch import nn
from torch.nn import functional as F

from .models import Block, SelfAttention
from .train import train_loop

IGNORE = -100  # target id that the loss skips (prompt positions, padding)


# Masks ----------------------------------------------------------------------------------------

def attention_mask(mask, T: int, device=None) -> torch.Tensor:
    """The boolean (T, T) matrix M with M[i, j] = True where query i may attend to key j.

    - ``"causal"``: j ≤ i;
    - ``("prefix", k)``: j ≤ i or j < k, i.e. the first k tokens see each other in both
      directions (a prefix LM), and every later token sees the prefix and its own past;
    - a boolean tensor, (T, T) or (batch, T, T), is returned as it is.
    """
    if isinstance(mask, torch.Tensor):
        if mask.dtype != torch.bool or mask.shape[-2:] != (T, T):
            raise ValueError(f"마스크는 ({T}, {T}) 모양의 bool 텐서여야 합니다: {mask.dtype}, {tuple(mask.shape)}")
        return mask.to(device)
    i = torch.arange(T, device=device)
    causal = i[None, :] <= i[:, None]
    if mask == "causal":
        return causal
    if isinstance(mask, tuple) and len(mask) == 2 and mask[0] == "prefix":
        return causal | (i[None, :] < mask[1])
    raise ValueError(f'마스크는 "causal", ("prefix", k), bool 텐서 중 하나여야 합니다: {mask!r}')


# Model ----------------------------------------------------------------------------------------

class TinyGPT(nn.Module):
    """A decoder-only transformer small enough to train on a CPU in seconds.

    logits = W_out · LN(h_L),  h_ℓ = Block_ℓ(h_{ℓ−1}),  h_0 = E[idx] (+ P[t]) (+ extra_emb).

    ``pos="learned"`` adds a learned position row P[t] for t < ``block``; ``pos=None`` adds none
    (a chapter then passes its own codes as ``extra_emb``). ``mixer(d, n_head)`` builds the token
    mixer of every block; it is called as ``mixer(x, mask=M)`` with the boolean matrix of
    `attention_mask`. The default is softmax self-attention; a recurrent mixer (the xLSTM
    chapter's mLSTM layer) is causal by construction and keeps its own initialisation, while
    every other linear and embedding weight is drawn from N(0, 0.02²) with zero biases.
    """

    def __init__(self, vocab: int, *, d: int = 64, n_layer: int, n_head: int = 4, block: int,
                 pos: str | None = "learned", mixer: Callable[[int, int], nn.Module] = SelfAttention):
        super().__init__()
        if pos not in ("learned", None):
            raise ValueError(f'pos는 "learned" 또는 None이어야 합니다: {pos!r}')
        self.vocab, self.d, self.block = vocab, d, block
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(block, d) if pos == "learned" else None
        self.blocks = nn.ModuleList(Block(d, n_head, 4, mixer, nn.LayerNorm) for _ in range(n_layer))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        own = [self.tok, self.pos, self.head, *(b.mlp for b in self.blocks)]
        own += [b.attn for b in self.blocks if isinstance(b.attn, SelfAttention)]
        for part in own:
            if part is not None:
                part.apply(_init_gpt)

    @property
    def n_layer(self) -> int:
        return len(self.blocks)

    def embed(self, idx: torch.Tensor, extra_emb: torch.Tensor | None = None) -> torch.Tensor:
        """h_0: token rows, plus learned positions, plus `extra_emb` ((T, d) or (B, T, d)) if given."""
        T = idx.shape[1]
        if T > self.block:
            raise ValueError(f"입력 길이 {T}가 block={self.block}보다 깁니다")
        h = self.tok(idx)
        if self.pos is not None:
            h = h + self.pos(torch.arange(T, device=idx.device))
        if extra_emb is not None:
            h = h + extra_emb
        return h

    def forward(self, idx: torch.Tensor, mask="causal", extra_emb: torch.Tensor | None = None,
                skip=(), replace: dict[int, Callable] | None = None, return_hidden: bool = False):
        """Logits (B, T, vocab) for token ids `idx` (B, T).

        ``skip``: block indices whose update is dropped (h_ℓ = h_{ℓ−1}). ``replace``: {ℓ: f} with
        h_ℓ = f(h_{ℓ−1}) instead of the block (f gets and returns (B, T, d); the identity is a skip).
        ``return_hidden=True`` returns ``(logits, [h_0, h_1, …, h_L])``, L + 1 tensors of (B, T, d).
        """
        skip, replace = set(skip or ()), dict(replace or {})
        M = attention_mask(mask, idx.shape[1], idx.device)
        h = self.embed(idx, extra_emb)
        hidden = [h]
        for l, blk in enumerate(self.blocks):
            if l in replace:
                h = replace[l](h)
            elif l not in skip:
                h = blk(h, mask=M)
            hidden.append(h)
        logits = self.head(self.norm(h))
        return (logits, hidden) if return_hidden else logits


def _init_gpt(m: nn.Module) -> None:
    """GPT-2's initialisation: weights N(0, 0.02²), biases zero (LayerNorm keeps 1 and 0)."""
    if isinstance(m, (nn.Linear, nn.Embedding)):
        nn.init.normal_(m.weight, std=0.02)
        if getattr(m, "bias", None) is not None:
            nn.init.zeros_(m.bias)


# Training -------------------------------------------------------------------------------------

def lm_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy over the positions whose target is not −100 (nats)."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE)


def _unpack(batch):
    """A batch is (idx, targets) or (idx, targets, forward keyword arguments)."""
    idx, targets, *rest = batch
    return idx, targets, (rest[0] if rest else {})


@torch.no_grad()
def eval_loss(model: nn.Module, batch, **forward) -> float:
    """`lm_loss` of one batch in eval mode; keyword arguments go to ``model.forward`` (skip, replace, …)."""
    model.eval()
    idx, targets, kw = _unpack(batch)
    return lm_loss(model(idx, **{**kw, **forward}), targets).item()


def train_lm(model: nn.Module, batch_fn: Callable, steps: int, lr: float, wd: float,
             early_stop: tuple[int, Callable[[nn.Module], bool]] | None = None,
             desc: str = "언어 모델 학습") -> list[float]:
    """Train `model` on next-token prediction; return the loss of every step taken.

    ``batch_fn()`` returns ``(idx, targets)`` or ``(idx, targets, kwargs)``, the kwargs going to
    ``model.forward`` (a prefix mask, position codes). Loss: `lm_loss` (targets −100 ignored).
    AdamW with β = (0.9, 0.95) and weight decay `wd` on matrices and embeddings (not on biases
    and LayerNorm gains), a one-cycle schedule peaking at `lr`, gradients clipped to norm 1.0,
    all inside ``mlbook.train.train_loop`` (its progress bar included). Parameters a chapter
    adds to the model as submodules (learned position codes) are trained too.
    ``early_stop=(every, done)``: every `every` steps ``done(model)`` is asked in eval mode
    without gradients; True ends training (so ``len(losses)`` is the step it stopped at).
    """
    decay = [p for p in model.parameters() if p.requires_grad and p.dim() >= 2]
    rest = [p for p in model.parameters() if p.requires_grad and p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": rest, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)

    def step_loss():
        idx, targets, kw = _unpack(batch_fn())
        return lm_loss(model(idx, **kw), targets)

    stop = {}
    if early_stop is not None:
        every, done = early_stop

        @torch.no_grad()
        def stop_when(step):
            model.eval()
            return bool(done(model))

        stop = dict(checkpoints=range(every, steps + 1, every), stop_when=stop_when)
    return train_loop(model, step_loss, steps=steps, optimizer=opt, scheduler=sched, clip_norm=1.0,
                      desc=desc, **stop)


# Data -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CharCorpus:
    """A character corpus: the text, its sorted symbols, and the 90/10 train/validation ids."""

    text: str
    chars: str
    train: torch.Tensor
    val: torch.Tensor

    @property
    def vocab(self) -> int:
        return len(self.chars)

    def encode(self, s: str) -> torch.Tensor:
        index = {c: i for i, c in enumerate(self.chars)}
        return torch.tensor([index[c] for c in s], dtype=torch.long)

    def decode(self, ids) -> str:
        return "".join(self.chars[i] for i in torch.as_tensor(ids).tolist())


@lru_cache(maxsize=1)
def char_corpus() -> CharCorpus:
    """scikit-learn's dataset descriptions, then NumPy's docstrings, as one character stream.

    The text is every ``sklearn/datasets/descr/*.rst`` in name order followed by the docstring
    of every top-level ``numpy`` name (``sorted(dir(numpy))``, aliases included) longer than
    200 characters: about 1.08 M characters over about 101 symbols with scikit-learn 1.9 and
    NumPy 2.4 (other versions differ a little). No download; the same text on every call.
    The first 90 % are the training ids, the last 10 % the validation ids.
    """
    from pathlib import Path

    import numpy as np
    import sklearn

    descr = Path(sklearn.__file__).parent / "datasets" / "descr"
    parts = [p.read_text(encoding="utf-8") for p in sorted(descr.glob("*.rst"))]
    for name in sorted(dir(np)):
        doc = getattr(getattr(np, name, None), "__doc__", None)
        if isinstance(doc, str) and len(doc) > 200:
            parts.append(doc)
    text = "".join(parts)
    chars = "".join(sorted(set(text)))
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    n_train = int(0.9 * len(ids))
    return CharCorpus(text, chars, ids[:n_train], ids[n_train:])


def windows(ids: torch.Tensor, block: int, batch: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """`batch` random windows of a 1-D id stream: inputs x[s : s+block], targets x[s+1 : s+block+1]."""
    start = torch.randint(len(ids) - block, (batch,), generator=gen)
    offsets = start[:, None] + torch.arange(block + 1)
    chunk = ids[offsets]
    return chunk[:, :-1], chunk[:, 1:]


def markov_tokens(V: int, n_unused: int, zipf: float, seed: int, n: int = 200_000,
                  chains: int = 256, spread: float = 1.5) -> tuple[torch.Tensor, torch.Tensor]:
    """A first-order Markov token stream over ids 0…V−1 in which `n_unused` ids never occur.

    The `n_unused` ids are drawn at random; the others get random Zipf ranks r = 1, 2, … with
    base weights π_r ∝ r^(−zipf). Each token a has its own successor law
    P(b | a) ∝ π_b · exp(spread · g_ab), g_ab ~ N(0, 1), zero for unused b, so the stream has
    structure to learn while frequencies stay close to Zipf. `chains` chains started from π run
    side by side and are concatenated into `n` tokens. Returns ``(tokens (n,), unused ids sorted)``.
    """
    if not 0 <= n_unused < V:
        raise ValueError(f"n_unused는 0 이상 V 미만이어야 합니다: {n_unused}")
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(V, generator=gen)
    unused, used = perm[:n_unused].sort().values, perm[n_unused:]  # used[r − 1] has Zipf rank r
    base = torch.zeros(V, dtype=torch.float64)
    base[used] = torch.arange(1, V - n_unused + 1, dtype=torch.float64) ** -zipf
    trans = base * torch.exp(spread * torch.randn(V, V, generator=gen, dtype=torch.float64))
    # Inverse-CDF sampling: the first id whose cumulative mass reaches u ∈ (0, 1]. An id of zero
    # mass repeats its left neighbour's sum, so the leftmost search never lands on it; the
    # division by the row total makes the last sum exactly 1.
    cdf = trans.cumsum(1)
    cdf = cdf / cdf[:, -1:]
    length = -(-n // chains)
    u = 1 - torch.rand(length, chains, 1, generator=gen, dtype=torch.float64)
    out = torch.empty(chains, length, dtype=torch.long)
    state = torch.multinomial(base / base.sum(), chains, replacement=True, generator=gen)
    for t in range(length):
        out[:, t] = state
        state = torch.searchsorted(cdf[state], u[t]).squeeze(1)
    return out.reshape(-1)[:n], unused
