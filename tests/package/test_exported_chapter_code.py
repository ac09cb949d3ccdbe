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
