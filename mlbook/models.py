"""Tiny models that several chapters train."""
import torch
from torch import nn
from torch.nn import functional as F


class MLP(nn.Sequential):
    """A plain multilayer perceptron: ``MLP([64, 256, 10])`` is Linear-ReLU-Linear."""

    def __init__(self, sizes: list[int], activation=nn.ReLU):
        layers = []
        for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(d_in, d_out))
            if i < len(sizes) - 2:
                layers.append(activation())
        super().__init__(*layers)


class SelfAttention(nn.Module):
    """Multi-head softmax self-attention on (batch, tokens, dim) with PyTorch's fused kernel.

    ``mask`` (optional, boolean, (tokens, tokens) or (batch, tokens, tokens)): True where query
    i may attend to key j. Without it every token sees every token (the ViT setting), or, with
    ``causal=True``, token i attends only to tokens ≤ i (a decoder, as in a language model).
    """

    def __init__(self, dim: int, heads: int, causal: bool = False):
        super().__init__()
        assert dim % heads == 0, "dim must be divisible by heads"
        self.heads, self.causal = heads, causal
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x, mask=None):
        b, n, d = x.shape
        # (b, n, 3d) -> 3 × (b, heads, n, d / heads)
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        if mask is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        else:
            assert not self.causal, "give either causal=True or a mask, not both"
            if mask.dim() == 3:
                mask = mask.unsqueeze(1)  # one mask per sequence, shared by the heads
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.out(y.transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(norm(x)), then x + mlp(norm(x)).

    ``mask`` is handed to the token mixer only when given, so mixers that take no mask
    (the vision chapters' linear attentions) keep working unchanged.
    """

    def __init__(self, dim: int, heads: int, mlp_ratio: int, attention, norm):
        super().__init__()
        self.norm1, self.attn = norm(dim), attention(dim, heads)
        self.norm2 = norm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim))

    def forward(self, x, mask=None):
        h = self.norm1(x)
        x = x + (self.attn(h) if mask is None else self.attn(h, mask=mask))
        return x + self.mlp(self.norm2(x))


class TinyViT(nn.Module):
    """A Vision Transformer small enough for 8×8 digits on a CPU.

    The image (flattened 64 pixels) is cut into ``patch × patch`` patches, embedded as
    tokens with learned positions, passed through ``depth`` blocks, mean-pooled and
    classified. ``attention(dim, heads)`` and ``norm(dim)`` build the token mixer and the
    normalisation of every block, so chapters can swap in their own (linear attention,
    a BatchNorm variant, token reduction) and compare them under one recipe.
    """

    def __init__(self, *, image: int = 8, patch: int = 2, dim: int = 32, depth: int = 2, heads: int = 2,
                 mlp_ratio: int = 2, classes: int = 10, attention=SelfAttention, norm=nn.LayerNorm):
        super().__init__()
        assert image % patch == 0, "patch must divide the image size"
        self.image, self.patch = image, patch
        self.tokens = (image // patch) ** 2
        self.embed = nn.Linear(patch * patch, dim)
        self.pos = nn.Parameter(torch.zeros(1, self.tokens, dim))
        nn.init.normal_(self.pos, std=0.02)
        self.blocks = nn.Sequential(*[Block(dim, heads, mlp_ratio, attention, norm) for _ in range(depth)])
        self.norm = norm(dim)
        self.head = nn.Linear(dim, classes)

    def patchify(self, x):
        """(batch, image²) -> (batch, tokens, patch²), patches in row-major order."""
        b, p, g = x.shape[0], self.patch, self.image // self.patch
        x = x.view(b, g, p, g, p).permute(0, 1, 3, 2, 4)
        return x.reshape(b, g * g, p * p)

    def forward(self, x):
        h = self.embed(self.patchify(x)) + self.pos
        h = self.norm(self.blocks(h))
        return self.head(h.mean(dim=1))
