"""What the vision chapters share: one data split, one toy CLIP, MIM, probes, alignment and a cached chain.

EVA, EVA-CLIP, EVA-02, COMM and the Platonic Representation Hypothesis tell one story on
scikit-learn's 8×8 digits: a CLIP teacher T0 → a masked-image-modelling (MIM) student that
regresses T0's features (EVA) → a CLIP initialised from that student (EVA-CLIP) → a smaller
student of the new CLIP (EVA-02) → which layers to read (COMM) → do they converge (Platonic).
What each paper adds (SwiGLU, sub-LN, 2D RoPE, layer merging, …) stays in its chapter; this
module holds the common ground:

- data: `vision_data` (one fixed permutation: 300 captioned pairs, 1300 unlabelled images that
  include the pairs, a probe-train pool outside the pairs, the last 497 as test) and `shift`
  (exact ±1-pixel shifts with zero fill);
- the toy CLIP: `image_tower` (a `TinyViT` whose head is the projection), `CaptionTower`
  (a caption is a bag of word ids; its embedding is the sum of word embeddings), `ToyCLIP`
  with a learnable temperature, `contrastive_loss` with shared positives for identical
  captions, `zero_shot_accuracy`, `train_clip` (Adam or LAMB, FLIP token dropping);
- MIM: `random_mask`, `keep_indices`, `mim_loss` (masked tokens only), `train_mim`;
- yardsticks: `layer_features`, `linear_probe`, `mutual_knn`; the optimiser `Lamb`;
- `chain(seed)`: T0 (with checkpoints at 50/100 steps) → EVA student → toy EVA-CLIP → small
  student, each stage cached on disk (``MLBOOK_CACHE``, default ``~/.cache/mlbook``).
"""
import copy
import hashlib
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from .env import seed_everything
from .models import TinyViT
from .train import train_loop

N_PAIRS, N_UNLABELLED, N_TEST = 300, 1300, 497
TOKENS = 16  # 8×8 image, 2×2 patches
DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


# Data -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VisionData:
    """All 1,797 digits (X in [0, 1], shape (n, 64); y in 0–9) and the index sets of one permutation.

    ``pairs`` (300) are the captioned image–text pairs, ``unlabelled`` (1300) the MIM images
    (the pairs are its first 300), ``probe_pool`` (1000) the labelled images a linear probe may
    train on (outside the pairs; a probe with n labels takes the first n), ``test`` the last 497.
    """
    X: torch.Tensor
    y: torch.Tensor
    pairs: torch.Tensor
    unlabelled: torch.Tensor
    probe_pool: torch.Tensor
    test: torch.Tensor


@lru_cache(maxsize=1)
def vision_data() -> VisionData:
    """The split every vision chapter uses (permutation seed 0, fixed)."""
    from sklearn.datasets import load_digits

    data = load_digits()
    X = torch.tensor(data.data, dtype=torch.float32) / 16.0
    y = torch.tensor(data.target, dtype=torch.long)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    assert len(order) == N_UNLABELLED + N_TEST
    return VisionData(X=X, y=y, pairs=order[:N_PAIRS], unlabelled=order[:N_UNLABELLED],
                      probe_pool=order[N_PAIRS:N_UNLABELLED], test=order[N_UNLABELLED:])


def shift(x: torch.Tensor, dx, dy, size: int = 8) -> torch.Tensor:
    """Move (n, size²) images by (dx, dy) ∈ {−1, 0, 1}² pixels, right and down positive, zero fill.

    out[r, c] = x[r − dy, c − dx] where that pixel exists, else 0. ``dx``/``dy`` are ints or
    (n,) integer tensors (one shift per image).
    """
    n = len(x)
    dx = torch.as_tensor(dx, device=x.device).expand(n)
    dy = torch.as_tensor(dy, device=x.device).expand(n)
    assert dx.abs().max() <= 1 and dy.abs().max() <= 1, "shifts are at most one pixel"
    padded = F.pad(x.view(n, size, size), (1, 1, 1, 1))  # a zero border absorbs the moved-out pixels
    grid = torch.arange(size, device=x.device)
    rows = (grid.unsqueeze(0) - dy.unsqueeze(1) + 1).unsqueeze(2)  # (n, size, 1)
    cols = (grid.unsqueeze(0) - dx.unsqueeze(1) + 1).unsqueeze(1)  # (n, 1, size)
    return padded[torch.arange(n, device=x.device).view(n, 1, 1), rows, cols].reshape(n, size * size)


# Toy CLIP -------------------------------------------------------------------------------------

def image_tower(*, dim: int = 64, depth: int = 3, heads: int = 4, mlp_ratio: int = 4, embed: int = 32,
                **vit) -> TinyViT:
    """The image encoder of every model in the chain: a TinyViT with a mask token whose head
    projects the pooled tokens to the ``embed``-dimensional joint space (d=64: 153,568 weights)."""
    return TinyViT(dim=dim, depth=depth, heads=heads, mlp_ratio=mlp_ratio, classes=embed, mask_token=True, **vit)


class CaptionTower(nn.Module):
    """A caption is a bag of word ids; its embedding is the sum of the words' embeddings.

    ``words`` of shape (batch,) are one-word captions (the digit name: word id = class);
    (batch, L) are L-word captions, e.g. a colour word and a digit name.
    """

    def __init__(self, vocab: int = 10, embed: int = 32):
        super().__init__()
        self.words = nn.Embedding(vocab, embed)

    def forward(self, words: torch.Tensor) -> torch.Tensor:
        e = self.words(words)
        return e if words.dim() == 1 else e.sum(dim=1)


class ToyCLIP(nn.Module):
    """Image tower + caption tower + a learnable temperature τ (stored as log(1/τ), CLIP's init τ = 0.07).

    ``forward(x, words)`` gives the (batch, batch) logits s·⟨f(x_i), g(t_j)⟩ of L2-normalised
    embeddings, with the scale s = 1/τ capped at 100 as in CLIP.
    """

    def __init__(self, image: TinyViT, vocab: int = 10, temperature: float = 0.07):
        super().__init__()
        self.image = image
        self.text = CaptionTower(vocab, image.head.out_features)
        self.log_scale = nn.Parameter(torch.tensor(math.log(1 / temperature)))

    def encode_image(self, x, keep=None):
        return F.normalize(self.image(x, keep=keep), dim=-1)

    def encode_text(self, words):
        return F.normalize(self.text(words), dim=-1)

    def scale(self):
        return self.log_scale.exp().clamp(max=100.0)

    def forward(self, x, words, keep=None):
        return self.scale() * self.encode_image(x, keep) @ self.encode_text(words).T


def contrastive_loss(logits: torch.Tensor, captions: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE whose targets share the positives of identical captions.

    With P_ij = 1 if captions i and j are equal, the target row i is P_i· / Σ_j P_ij, and the
    loss is ½[CE(logits, P̂) + CE(logitsᵀ, P̂)]. With 10 captions a batch repeats each one many
    times; plain InfoNCE (P = identity) would push a digit away from its own caption's copies.
    """
    c = captions if captions.dim() == 2 else captions.unsqueeze(1)
    same = (c.unsqueeze(1) == c.unsqueeze(0)).all(-1).float()
    target = same / same.sum(1, keepdim=True)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


@torch.no_grad()
def zero_shot_accuracy(clip: ToyCLIP, X: torch.Tensor, y: torch.Tensor, classes: int = 10) -> float:
    """Fraction of images whose nearest caption (cosine) among the ``classes`` digit names is their label."""
    clip.eval()
    sims = clip.encode_image(X) @ clip.encode_text(torch.arange(classes, device=X.device)).T
    return (sims.argmax(1) == y).float().mean().item()


def keep_indices(n: int, drop: float, gen: torch.Generator, tokens: int = TOKENS) -> torch.Tensor:
    """FLIP dropping: for each of n images, the sorted indices of the tokens − round(drop·tokens) kept."""
    n_keep = tokens - round(drop * tokens)
    return torch.rand(n, tokens, generator=gen).argsort(1)[:, :n_keep].sort(1).values


class Lamb(torch.optim.Optimizer):
    """LAMB (You et al., 2020) with φ = identity: an Adam direction rescaled per tensor.

    u = m̂ / (√v̂ + ε) + λw (Adam's bias-corrected moments), trust ratio r = ‖w‖ / ‖u‖
    (1 where either norm is 0), w ← w − η·r·u. So each tensor moves by exactly η·‖w‖.
    """

    def __init__(self, params, lr: float = 1e-2, betas=(0.9, 0.999), eps: float = 1e-6,
                 weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            (b1, b2), lr = group["betas"], group["lr"]
            for w in group["params"]:
                if w.grad is None:
                    continue
                state = self.state[w]
                if not state:
                    state.update(t=0, m=torch.zeros_like(w), v=torch.zeros_like(w))
                state["t"] += 1
                state["m"].mul_(b1).add_(w.grad, alpha=1 - b1)
                state["v"].mul_(b2).addcmul_(w.grad, w.grad, value=1 - b2)
                m_hat = state["m"] / (1 - b1 ** state["t"])
                v_hat = state["v"] / (1 - b2 ** state["t"])
                u = m_hat / (v_hat.sqrt() + group["eps"]) + group["weight_decay"] * w
                w_norm, u_norm = w.norm(), u.norm()
                ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
                w.sub_(lr * ratio * u)


def _optimizer(name: str, params, lr: float):
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "lamb":
        return Lamb(params, lr=lr)
    raise ValueError(f"optimizer는 'adam' 또는 'lamb'입니다: {name!r}")


def train_clip(*, seed: int, steps: int, init: TinyViT | None = None, optimizer: str = "adam",
               lr: float = 1e-3, batch: int = 128, drop: float = 0.0, tower: dict | None = None,
               checkpoints=(), on_checkpoint=None) -> tuple[ToyCLIP, list[float]]:
    """Train a toy CLIP on the 300 pairs (caption = the digit's name); return ``(clip, step losses)``.

    ``init``: an image tower whose weights start the image tower (EVA-CLIP); otherwise random
    (``tower`` holds `image_tower`'s arguments). ``drop``: fraction of image tokens dropped at
    random per image and step (FLIP; evaluation always sees all 16). After each step number in
    ``checkpoints``, ``on_checkpoint(clip, step)`` is called (e.g. to keep T0 at 50 steps).
    """
    seed_everything(seed)
    d = vision_data()
    clip = ToyCLIP(image_tower(**(tower or {})))
    if init is not None:
        clip.image.load_state_dict(init.state_dict())
    gen = torch.Generator().manual_seed(seed)
    X, y = d.X[d.pairs], d.y[d.pairs]

    def step_loss():
        idx = torch.randint(len(X), (min(batch, len(X)),), generator=gen)
        keep = keep_indices(len(idx), drop, gen) if drop > 0 else None
        return contrastive_loss(clip(X[idx], y[idx], keep=keep), y[idx])

    losses = train_loop(clip, step_loss, steps=steps, optimizer=_optimizer(optimizer, clip.parameters(), lr),
                        desc="CLIP 학습", checkpoints=checkpoints,
                        on_checkpoint=None if on_checkpoint is None else lambda step: on_checkpoint(clip, step))
    return clip, losses


# Masked image modelling -----------------------------------------------------------------------

def random_mask(n: int, ratio: float, gen: torch.Generator, tokens: int = TOKENS) -> torch.Tensor:
    """(n, tokens) boolean, True at exactly round(ratio·tokens) random positions per image.

    EVA masks block-wise on a 16×16 grid; on a 4×4 grid a block is most of the image, so the
    positions here are drawn uniformly.
    """
    order = torch.rand(n, tokens, generator=gen).argsort(1)
    mask = torch.zeros(n, tokens, dtype=torch.bool)
    return mask.scatter_(1, order[:, :round(ratio * tokens)], True)


def mim_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, kind: str) -> torch.Tensor:
    """The MIM loss on masked tokens only: pred, target (batch, tokens, ·), mask (batch, tokens).

    ``"teacher"``: −mean over masked tokens of cos(pred_i, target_i) (EVA's official loss);
    ``"pixels"``: mean squared error of the masked patches' pixels (MAE without norm-pix).
    Visible tokens are never read, so their targets cannot change the loss.
    """
    p, t = pred[mask], target[mask]
    if kind == "teacher":
        return -F.cosine_similarity(p, t, dim=-1).mean()
    if kind == "pixels":
        return F.mse_loss(p, t)
    raise ValueError(f"kind는 'teacher' 또는 'pixels'입니다: {kind!r}")


@torch.no_grad()
def teacher_tokens(teacher: TinyViT, X: torch.Tensor) -> torch.Tensor:
    """The regression targets: the teacher's last-layer tokens after its final norm, (n, tokens, d)."""
    teacher.eval()
    return teacher.norm(teacher.layer_tokens(X)[-1])


def train_mim(teacher: TinyViT | None = None, *, seed: int, steps: int, target: str = "teacher",
              mask_ratio: float = 0.4, lr: float = 1e-3, batch: int = 128, checkpoints=(),
              on_checkpoint=None, **tower) -> tuple[TinyViT, list[float]]:
    """Train a MIM student on the 1300 unlabelled images; return ``(student, step losses)``.

    Masked patches become the mask token; a linear predictor on the student's normed last-layer
    tokens regresses, at masked positions only, the teacher's tokens (``target="teacher"``,
    `teacher_tokens` of an image tower on the unmasked image) or the patch pixels
    (``target="pixels"``). The predictor is discarded; ``tower`` holds `image_tower`'s
    arguments (d=32 gives the small EVA-02-style student). After each step number in
    ``checkpoints``, ``on_checkpoint(student, step)`` is called (e.g. to probe a learning curve).
    """
    seed_everything(seed)
    d = vision_data()
    X = d.X[d.unlabelled]
    student = image_tower(**tower)
    if target == "teacher":
        assert teacher is not None, "target='teacher' needs a teacher image tower"
        targets = teacher_tokens(teacher, X)
    else:
        targets = student.patchify(X)
    predictor = nn.Linear(student.norm.normalized_shape[0], targets.shape[-1])
    model = nn.ModuleDict(dict(student=student, predictor=predictor))
    gen = torch.Generator().manual_seed(seed)

    def step_loss():
        idx = torch.randint(len(X), (min(batch, len(X)),), generator=gen)
        mask = random_mask(len(idx), mask_ratio, gen)
        tokens = student.norm(student.layer_tokens(X[idx], mask=mask)[-1])
        return mim_loss(predictor(tokens), targets[idx], mask, target)

    losses = train_loop(model, step_loss, steps=steps, optimizer=torch.optim.Adam(model.parameters(), lr=lr),
                        desc="MIM 학습", checkpoints=checkpoints,
                        on_checkpoint=None if on_checkpoint is None else lambda step: on_checkpoint(student, step))
    return student, losses


# Yardsticks -----------------------------------------------------------------------------------

def _tower(model) -> TinyViT:
    return model.image if isinstance(model, ToyCLIP) else model


@torch.no_grad()
def layer_features(model, X: torch.Tensor) -> list[torch.Tensor]:
    """Mean-pooled tokens of every layer, ``[h̄_0, …, h̄_depth]`` of shape (n, d).

    h̄_0 pools the embedded patches (with positions); the last entry pools the tokens after
    the final norm, i.e. what the model's head reads. ``model`` is an image tower or a ToyCLIP.
    """
    vit = _tower(model)
    vit.eval()
    tokens = vit.layer_tokens(X)
    tokens[-1] = vit.norm(tokens[-1])
    return [h.mean(dim=1) for h in tokens]


def linear_probe(features, n_labels: int = 50, C: float = 1.0) -> float:
    """Test accuracy of a logistic-regression probe trained on the first ``n_labels`` of the probe pool.

    ``features``: a tensor (1797, f) of features of all `vision_data` images (e.g. raw pixels,
    ``d.X``, or one entry of `layer_features`), or a model, whose last-layer pooled features are
    used. Features are standardised with the probe-train mean and std.
    """
    from sklearn.linear_model import LogisticRegression

    d = vision_data()
    if not isinstance(features, torch.Tensor):
        features = layer_features(features, d.X)[-1]
    F_ = features.detach().double().cpu()
    train, test = d.probe_pool[:n_labels], d.test
    mean, std = F_[train].mean(0), F_[train].std(0) + 1e-6
    Z = ((F_ - mean) / std).numpy()
    clf = LogisticRegression(C=C, max_iter=2000).fit(Z[train.numpy()], d.y[train].numpy())
    return float((clf.predict(Z[test.numpy()]) == d.y[test].numpy()).mean())


def mutual_knn(A: torch.Tensor, B: torch.Tensor, k: int = 10) -> float:
    """Mutual k-nearest-neighbour alignment of two feature sets of the same n samples (Huh et al., 2024).

    Rows are L2-normalised; N_A(i) are the k rows of A with the largest inner product with row i,
    i itself excluded; the score is mean_i |N_A(i) ∩ N_B(i)| / k, in [0, 1], chance ≈ k/(n−1).
    As the official ``platonic-rep`` code, minus its clipping of outliers at the 95th percentile.
    """
    def knn(Z):
        Z = F.normalize(Z.double(), dim=-1)
        sims = (Z @ Z.T).fill_diagonal_(-math.inf)
        return sims.topk(k, dim=1).indices

    n = len(A)
    assert len(B) == n and k < n, "A and B need the same n > k samples"
    in_a = torch.zeros(n, n).scatter_(1, knn(A), 1.0)
    in_b = torch.zeros(n, n).scatter_(1, knn(B), 1.0)
    return ((in_a * in_b).sum(1) / k).mean().item()


# The cached chain -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ChainConfig:
    """Step counts and recipes of the chain (CPU sizes; a GPU run may pass larger ones)."""
    t0_steps: int = 300
    t0_checkpoints: tuple = (50, 100)
    clip_lr: float = 1e-3
    mim_steps: int = 300
    mask_ratio: float = 0.4
    mim_lr: float = 1e-3
    eva_clip_steps: int = 100
    eva_clip_drop: float = 0.5
    small_steps: int = 400
    small_tower: dict = field(default_factory=lambda: dict(dim=32, heads=2))
    batch: int = 64


CACHE_FORMAT = 1  # raise when what a cache file holds changes, so old files are rebuilt


def cache_dir() -> Path:
    return Path(os.environ.get("MLBOOK_CACHE", Path.home() / ".cache" / "mlbook"))


def _key(stage: str, seed: int, config: dict) -> str:
    text = json.dumps(dict(stage=stage, seed=seed, config=config, torch=torch.__version__,
                           format=CACHE_FORMAT), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _cached(stage: str, seed: int, config: dict, build) -> dict:
    """Load stage's state dicts from the cache, or build, save atomically and return them.

    A file that cannot be read or holds another key (corrupt, or written by an older format)
    is rebuilt. Two processes may build at once: each writes a temporary file and renames it
    with `os.replace`, so a reader sees either no file or a whole one.
    """
    key = _key(stage, seed, config)
    path = cache_dir() / f"vision-{stage}-{key}.pt"
    try:
        saved = torch.load(path, weights_only=True)
        if saved["key"] == key:
            return saved["states"]
    except Exception:  # missing, truncated or foreign file: rebuild below
        pass
    states = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        torch.save(dict(key=key, states=states), tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return states


def _clip_from(state: dict, tower: dict | None = None) -> ToyCLIP:
    clip = ToyCLIP(image_tower(**(tower or {})))
    clip.load_state_dict(state)
    return clip.eval()


def _tower_from(state: dict, tower: dict | None = None) -> TinyViT:
    vit = image_tower(**(tower or {}))
    vit.load_state_dict(state)
    return vit.eval()


def chain(seed: int, stages=("t0", "eva", "eva_clip", "small"), config: ChainConfig = ChainConfig()) -> dict:
    """The models of the chain for one seed, built once and then read from the cache.

    Returns a dict with the requested stages and the stages they need:
    ``"t0"`` (ToyCLIP, ``t0_steps`` from scratch) and ``"t0@50"``, ``"t0@100"`` (its checkpoints);
    ``"eva"`` (d=64 MIM student of T0's image tower, feature targets); ``"pixel"`` (the same
    MIM with pixel targets; built only when asked for); ``"eva_clip"`` (ToyCLIP initialised from
    the EVA student, Adam, ``eva_clip_drop`` of tokens dropped); ``"small"`` (the d=32 MIM student
    of the toy EVA-CLIP's image tower). Each stage's cache key covers its own and its
    ancestors' settings, the seed and the torch version.
    """
    c = asdict(config)
    clip_cfg = dict(steps=c["t0_steps"], checkpoints=c["t0_checkpoints"], lr=c["clip_lr"], batch=c["batch"])
    mim_cfg = dict(steps=c["mim_steps"], mask_ratio=c["mask_ratio"], lr=c["mim_lr"], batch=c["batch"])
    cfgs = dict(t0=clip_cfg, eva=dict(t0=clip_cfg, **mim_cfg), pixel=dict(mim_cfg))
    cfgs["eva_clip"] = dict(eva=cfgs["eva"], steps=c["eva_clip_steps"], drop=c["eva_clip_drop"], lr=c["clip_lr"])
    cfgs["small"] = dict(eva_clip=cfgs["eva_clip"], steps=c["small_steps"], tower=c["small_tower"],
                         mask_ratio=c["mask_ratio"], lr=c["mim_lr"], batch=c["batch"])
    parents = dict(t0=None, eva="t0", pixel=None, eva_clip="eva", small="eva_clip")
    out: dict = {}

    def build_t0():
        snaps = {}
        clip, _ = train_clip(seed=seed, steps=c["t0_steps"], lr=c["clip_lr"], batch=c["batch"],
                             checkpoints=c["t0_checkpoints"],
                             on_checkpoint=lambda clip, step: snaps.update({f"t0@{step}": copy.deepcopy(clip.state_dict())}))
        return dict(t0=clip.state_dict(), **snaps)

    def mim(teacher, target, steps, tower):
        student, _ = train_mim(teacher, seed=seed, steps=steps, target=target, mask_ratio=c["mask_ratio"],
                               lr=c["mim_lr"], batch=c["batch"], **tower)
        return student.state_dict()

    builders = dict(
        t0=build_t0,
        eva=lambda: dict(eva=mim(out["t0"].image, "teacher", c["mim_steps"], {})),
        pixel=lambda: dict(pixel=mim(None, "pixels", c["mim_steps"], {})),
        eva_clip=lambda: dict(eva_clip=train_clip(seed=seed, steps=c["eva_clip_steps"], init=out["eva"],
                                                  lr=c["clip_lr"], batch=c["batch"],
                                                  drop=c["eva_clip_drop"])[0].state_dict()),
        small=lambda: dict(small=mim(out["eva_clip"].image, "teacher", c["small_steps"], c["small_tower"])),
    )

    def need(stage):
        if stage in out:
            return
        if parents[stage] is not None:
            need(parents[stage])
        for name, state in _cached(stage, seed, cfgs[stage], builders[stage]).items():
            is_clip = name.startswith("t0") or name == "eva_clip"
            tower = c["small_tower"] if name == "small" else None
            out[name] = _clip_from(state) if is_clip else _tower_from(state, tower)

    for stage in stages:
        need(stage)
    return out
