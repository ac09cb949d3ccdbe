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
    (the vision chapters' linear attentions) keep working unchanged. ``mlp(dim)`` builds the
    channel mixer; without it the block uses Linear–GELU–Linear with hidden width
    ``mlp_ratio · dim`` (a chapter plugs its own, e.g. a SwiGLU, through the factory).
    """

    def __init__(self, dim: int, heads: int, mlp_ratio: int, attention, norm, mlp=None):
        super().__init__()
        self.norm1, self.attn = norm(dim), attention(dim, heads)
        self.norm2 = norm(dim)
        if mlp is None:
            self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim))
        else:
            self.mlp = mlp(dim)

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

    Options for the vision chapters (their defaults build exactly the model above):
    ``mlp(dim)`` builds every block's channel mixer; ``pos=None`` drops the learned absolute
    positions (a mixer that encodes positions itself, such as 2D RoPE, takes over);
    ``mask_token=True`` adds a learned token that replaces masked patches (masked image
    modelling). `layer_tokens` returns every layer's tokens, with masking and FLIP-style
    dropping of tokens.
    """

    def __init__(self, *, image: int = 8, patch: int = 2, dim: int = 32, depth: int = 2, heads: int = 2,
                 mlp_ratio: int = 2, classes: int = 10, attention=SelfAttention, norm=nn.LayerNorm,
                 mlp=None, pos: str | None = "abs", mask_token: bool = False):
        super().__init__()
        assert image % patch == 0, "patch must divide the image size"
        assert pos in ("abs", None), "pos is 'abs' (learned absolute positions) or None"
        self.image, self.patch = image, patch
        self.tokens = (image // patch) ** 2
        self.embed = nn.Linear(patch * patch, dim)
        if pos == "abs":
            self.pos = nn.Parameter(torch.zeros(1, self.tokens, dim))
            nn.init.normal_(self.pos, std=0.02)
        else:
            self.pos = None
        self.blocks = nn.Sequential(*[Block(dim, heads, mlp_ratio, attention, norm, mlp) for _ in range(depth)])
        self.norm = norm(dim)
        self.head = nn.Linear(dim, classes)
        # Drawn last, so every other parameter gets the same random draws as without it.
        self.mask_token = None
        if mask_token:
            self.mask_token = nn.Parameter(torch.zeros(1, 1, dim))
            nn.init.normal_(self.mask_token, std=0.02)

    def patchify(self, x):
        """(batch, image²) -> (batch, tokens, patch²), patches in row-major order."""
        b, p, g = x.shape[0], self.patch, self.image // self.patch
        x = x.view(b, g, p, g, p).permute(0, 1, 3, 2, 4)
        return x.reshape(b, g * g, p * p)

    def layer_tokens(self, x, mask=None, keep=None) -> list[torch.Tensor]:
        """Every layer's tokens: ``[h_0, h_1, …, h_depth]``, h_0 the embedded patches.

        ``mask`` (batch, tokens), boolean: True patches are replaced by the mask token
        before the positions are added (BEiT/EVA). ``keep`` (batch, n_keep), long: only
        these tokens, with their own positions, enter the blocks (FLIP's random dropping),
        so every h has n_keep tokens. The last entry is *before* the final norm.
        """
        h = self.embed(self.patchify(x))
        if mask is not None:
            assert self.mask_token is not None, "build the model with mask_token=True to mask patches"
            h = torch.where(mask.unsqueeze(-1), self.mask_token.to(h.dtype), h)
        if self.pos is not None:
            h = h + self.pos
        if keep is not None:
            # Without absolute positions nothing would tell the mixer which grid cells remain.
            assert self.pos is not None, "token dropping needs pos='abs'"
            h = torch.gather(h, 1, keep.unsqueeze(-1).expand(-1, -1, h.shape[-1]))
        out = [h]
        for block in self.blocks:
            h = block(h)
            out.append(h)
        return out

    def forward(self, x, keep=None):
        h = self.layer_tokens(x, keep=keep)[-1]
        return self.head(self.norm(h).mean(dim=1))
