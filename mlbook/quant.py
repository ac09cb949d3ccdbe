"""Fake quantization: round-to-nearest onto an integer grid and back, in floating point.

The quantization chapters (SmoothQuant, TEQ, Imp) measure what rounding does to a layer's
output without integer kernels: ``fake_quant`` returns the de-quantized tensor, so the error
it adds is the error an integer GEMM with the same scales would add.

- Symmetric (``symmetric=True``): absmax scaling as in the official SmoothQuant fake quant,
  ``scale = max|t| / qmax`` with ``qmax = 2^(bits-1) - 1``; ``q = round(t / scale)``.
- Asymmetric: ``scale = (max - min) / (2^bits - 1)``, ``zero = round(-min / scale)``,
  ``q = clamp(round(t / scale) + zero, 0, 2^bits - 1)``, de-quantized as ``(q - zero)·scale``.

Granularity says which elements share one scale:

- ``"tensor"``: the whole tensor.
- ``"channel"``: each slice along dim 0 (an output channel of a weight of shape (out, in)).
- ``"token"``: each vector along the last dim (a token's activations; leading dims are tokens).
  For a 2-D tensor "channel" and "token" both give one scale per row; the two names say
  which tensor is meant. One scale per *column* (per input channel of an activation) is
  ``fake_quant(x.T, bits, "channel").T``.
- ``("group", g)``: each run of ``g`` consecutive elements along the last dim.

``ste`` (straight-through estimator) says what the backward pass sees:
``None``: the true gradient (round() has zero gradient almost everywhere);
``"round"``: round() passes the gradient through unchanged, scale and zero stay differentiable;
``"identity"``: the whole op is the identity in the backward pass (as Neural Compressor's TEQ).
"""
import math

import torch

_EPS = 1e-8  # keeps an all-zero slice from giving a zero scale


def _round(x: torch.Tensor, ste: str | None) -> torch.Tensor:
    if ste == "round":
        return x + (torch.round(x) - x).detach()   # forward: round(x); backward: d/dx = 1
    return torch.round(x)


def _reduce_dims(t: torch.Tensor, granularity) -> tuple[torch.Tensor, tuple]:
    """View t so that one scale belongs to each row of the result; return it and t's shape."""
    if granularity == "tensor":
        return t.reshape(1, -1), t.shape
    if granularity == "channel":
        return t.reshape(t.shape[0], -1), t.shape
    if granularity == "token":
        return t.reshape(-1, t.shape[-1]), t.shape
    if isinstance(granularity, tuple) and len(granularity) == 2 and granularity[0] == "group":
        g = int(granularity[1])
        if g < 1 or t.shape[-1] % g:
            raise ValueError(f"group size {g} must divide the last dim {t.shape[-1]}")
        return t.reshape(-1, g), t.shape
    raise ValueError(f"unknown granularity {granularity!r}")


def fake_quant(t: torch.Tensor, bits: int, granularity="tensor", symmetric: bool = True,
               ste: str | None = None) -> torch.Tensor:
    """Quantize t to ``bits`` with round-to-nearest and de-quantize it (same shape, same dtype)."""
    if ste not in (None, "round", "identity"):
        raise ValueError(f"ste must be None, 'round' or 'identity', not {ste!r}")
    if bits < 2:
        raise ValueError("bits must be at least 2")
    rows, shape = _reduce_dims(t, granularity)
    inner_ste = None if ste == "identity" else ste
    if symmetric:
        qmax = 2 ** (bits - 1) - 1
        scale = rows.abs().amax(dim=1, keepdim=True).clamp(min=_EPS) / qmax   # absmax / qmax
        q = torch.clamp(_round(rows / scale, inner_ste), -qmax, qmax)
        out = q * scale
    else:
        levels = 2 ** bits - 1
        low = rows.amin(dim=1, keepdim=True)
        high = rows.amax(dim=1, keepdim=True)
        scale = (high - low).clamp(min=_EPS) / levels                          # (max - min) / (2^b - 1)
        zero = _round(-low / scale, inner_ste)                                 # integer that stands for 0.0
        q = torch.clamp(_round(rows / scale, inner_ste) + zero, 0, levels)
        out = (q - zero) * scale
    out = out.reshape(shape)
    if ste == "identity":
        return t + (out - t).detach()   # forward: the quantized tensor; backward: the identity
    return out


def packed_bytes(n: int, bits: int, group: int | None, meta_bytes: int = 2) -> int:
    """Bytes to store n weights at ``bits`` each, packed, plus ``meta_bytes`` per group.

    ``group=None`` is one group for all n (per-tensor). The default ``meta_bytes=2`` is one
    fp16 scale (symmetric); an asymmetric scale and zero point in fp16 take 4.
    """
    groups = 1 if group is None else math.ceil(n / group)
    return math.ceil(n * bits / 8) + groups * meta_bytes
