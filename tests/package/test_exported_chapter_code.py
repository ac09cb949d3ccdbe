"""Modules generated from chapters' `export` cells import on their own and still work."""
import importlib
import pkgutil

import torch

import mlbook.chapters


def test_every_exported_module_imports_on_its_own():
    names = [m.name for m in pkgutil.iter_modules(mlbook.chapters.__path__)]
    assert "online_softmax" in names
    for name in names:
        importlib.import_module(f"mlbook.chapters.{name}")


def test_exported_merge_combines_chunks_into_the_softmax_normalizer():
    from mlbook.chapters.online_softmax import merge

    x = torch.randn(1000, dtype=torch.float64) * 5
    parts = [(c.max(), torch.exp(c - c.max()).sum()) for c in x.split(128)]
    m, d = parts[0]
    for part in parts[1:]:
        m, d = merge((m, d), part)
    assert m == x.max()
    assert torch.allclose(d, torch.exp(x - x.max()).sum())


def test_exported_lora_merges_into_one_linear_layer():
    """LoRA Learns Less exports LoRALinear for the later fine-tuning chapters: the merged
    layer (W₀ + (α/r)·BA) gives the adapter's output, and ΔW has rank at most r."""
    from torch import nn

    from mlbook.chapters.lora_learns_less import LoRALinear

    gen = torch.Generator().manual_seed(0)
    lora = LoRALinear(nn.Linear(12, 7), r=3, alpha=6, generator=gen)
    with torch.no_grad():
        lora.B.normal_(generator=gen)
    x = torch.randn(4, 12, generator=gen)
    assert torch.allclose(lora.merge()(x), lora(x), atol=1e-6)
    assert torch.linalg.matrix_rank(lora.delta_weight()).item() <= 3
    assert not any(p.requires_grad for p in lora.base.parameters())


def test_exported_mora_merges_into_one_linear_layer():
    """MoRA exports MoRALinear with LoRALinear's interface: for type 1 (sum-compress,
    repeat-decompress) and type 6 (RoPE-rotated blocks), on square, wide, tall and
    non-divisible layers, the merged layer gives the adapter's output (1e-5)."""
    from torch import nn

    from mlbook.chapters.mora import MoRALinear, mora_rank

    assert mora_rank(4096, 4096, 8, 1) == mora_rank(4096, 4096, 8, 6) == 256
    assert mora_rank(64, 64, 4, 1) == 23 and mora_rank(64, 64, 4, 6) == 22     # type 6: even
    gen = torch.Generator().manual_seed(0)
    for d_in, d_out in [(64, 64), (64, 40), (7, 30), (30, 7)]:
        for mora_type in (1, 6):
            layer = MoRALinear(nn.Linear(d_in, d_out), r=4, mora_type=mora_type)
            assert layer.M.shape == (layer.r_hat, layer.r_hat) and not layer.M.any()   # zero init
            with torch.no_grad():
                layer.M.normal_(std=0.1, generator=gen)
            x = torch.randn(6, d_in, generator=gen)
            assert torch.allclose(layer.merge()(x), layer(x), atol=1e-5)
            assert not any(p.requires_grad for p in layer.base.parameters())


def test_exported_mora_matches_the_official_formulas():
    """ΔW as kongds/MoRA's get_delta_weight builds it (a loop over input positions for
    type 1; rotated square blocks placed on the diagonal, the padded tail wrapped to the
    first columns, for type 6), written here independently of the chapter's matrices."""
    from torch import nn

    from mlbook.chapters.mora import MoRALinear

    gen = torch.Generator().manual_seed(1)
    d = 64
    for r, mora_type in [(4, 1), (8, 1), (4, 6), (8, 6)]:
        layer = MoRALinear(nn.Linear(d, d), r, mora_type)
        with torch.no_grad():
            layer.M.normal_(generator=gen)
        M, rh = layer.M.detach(), layer.r_hat
        pad = (rh - d % rh) % rh
        if mora_type == 1:
            w = torch.zeros(rh, d)
            for i in range(d + pad):
                w[:, i % d] += M[:, i % rh]
            expected = torch.cat([w] * (-(-d // rh)), dim=0)[:d]
        else:
            blocks = -(-d // rh)
            inv_freq = 1.0 / (10000 ** (torch.arange(0, rh, 2).float() / rh))
            emb = torch.outer(torch.arange(blocks).float(), inv_freq).repeat(1, 2)
            swapped = torch.cat((M[:, rh // 2:], -M[:, :rh // 2]), dim=-1)
            w = torch.zeros(d + pad, d)
            for b in range(blocks):
                block = swapped * emb[b].sin() + M * emb[b].cos()
                cols = [(b * rh + j) % d for j in range(rh)]
                w[b * rh:(b + 1) * rh, cols] = block
            expected = w[:d]
        assert torch.allclose(layer.delta_weight(), expected, atol=1e-5), (r, mora_type)
    assert not MoRALinear(nn.Linear(d, d), 8, 6).delta_weight().any()   # M = 0: no update before training


def test_exported_pca_latent_round_trips_and_is_standardised():
    # Show-1's expert works in this latent: decode must undo encode's scaling, or every
    # translated digit comes back shrunk (a bug the chapter's own claims did not catch).
    from mlbook.chapters.show1 import PCALatent
    from mlbook.gen import digits8

    X_train, _, X_test, _ = digits8()
    full = PCALatent(X_train, d=64)
    assert torch.allclose(full.decode(full.encode(X_test)), X_test, atol=1e-4)
    small = PCALatent(X_train, d=8)
    z = small.encode(X_train)
    assert torch.allclose(z.std(0), torch.ones(8), atol=1e-4)
    # With fewer components, decoding is the orthogonal projection onto them (idempotent).
    once = small.decode(small.encode(X_test))
    assert torch.allclose(small.decode(small.encode(once)), once, atol=1e-4)
