"""mlbook.quant: round-to-nearest fake quantization and packed sizes, checked exactly."""
import pytest
import torch

from mlbook.quant import fake_quant, packed_bytes

GRANULARITIES = ["tensor", "channel", "token", ("group", 8)]


def sample(seed=0, shape=(16, 32)):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=gen, dtype=torch.float64)


def scales_of(t, bits, granularity, symmetric):
    """The scale each element was quantized with, broadcast to t's shape (float64 reference)."""
    if granularity == "tensor":
        rows = t.reshape(1, -1)
    elif granularity in ("channel", "token"):   # 2-D: one scale per row either way
        rows = t.reshape(t.shape[0], -1)
    else:
        rows = t.reshape(-1, granularity[1])
    if symmetric:
        s = rows.abs().amax(1, keepdim=True) / (2 ** (bits - 1) - 1)
    else:
        s = (rows.amax(1, keepdim=True) - rows.amin(1, keepdim=True)) / (2 ** bits - 1)
    return s.expand_as(rows).reshape(t.shape)


@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("bits", [2, 3, 4, 8])
def test_fake_quant_is_idempotent(granularity, symmetric, bits):
    once = fake_quant(sample(), bits, granularity, symmetric)
    assert torch.allclose(fake_quant(once, bits, granularity, symmetric), once, rtol=0, atol=1e-12)


@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("bits", [3, 4, 8])
def test_error_is_at_most_half_a_step_in_range(granularity, symmetric, bits):
    t = sample(1)
    err = (fake_quant(t, bits, granularity, symmetric) - t).abs()
    half_step = scales_of(t, bits, granularity, symmetric) / 2
    assert (err <= half_step * (1 + 1e-9)).all()
    # and the grid is really used: the error is not identically zero
    assert err.max() > 0


def test_symmetric_grid_is_absmax_over_qmax():
    t = torch.tensor([[-1.0, 0.5, 0.26, 0.0]], dtype=torch.float64)
    # qmax = 7 for 4 bits: scale 1/7; 0.5·7 = 3.5 rounds to 4 (round half to even), 0.26·7 = 1.82 → 2
    assert fake_quant(t, 4).tolist() == [[-1.0, 4 / 7, 2 / 7, 0.0]]


def test_asymmetric_grid_keeps_min_and_max():
    t = torch.tensor([[0.0, 1.0, 3.0, 0.4]], dtype=torch.float64)
    # 2 bits: scale 1, zero 0: the grid is 0, 1, 2, 3
    assert fake_quant(t, 2, symmetric=False).tolist() == [[0.0, 1.0, 3.0, 0.0]]
    # an integer zero point keeps the grid on min and max exactly
    assert fake_quant(t - 1.0, 2, symmetric=False).tolist() == [[-1.0, 0.0, 2.0, -1.0]]
    # zero = round(1.5) = 2 moves the grid by half a step: min lands half a step away, no more
    shifted = fake_quant(t - 1.5, 2, symmetric=False)
    assert shifted.tolist() == [[-2.0, 0.0, 1.0, -1.0]]


def test_per_channel_error_is_at_most_per_tensor_when_one_row_is_large():
    w = sample(2)
    w[3] *= 100    # one output channel much larger than the rest
    err_tensor = fake_quant(w, 8, "tensor") - w
    err_channel = fake_quant(w, 8, "channel") - w
    assert err_channel.norm() <= err_tensor.norm()
    others = torch.arange(len(w)) != 3    # the large row no longer sets the other rows' step
    assert err_channel[others].norm() < 0.1 * err_tensor[others].norm()


def test_channel_is_dim0_and_token_is_the_last_dim_for_3d():
    t = sample(3, (2, 4, 8))
    t[1] *= 50
    assert torch.equal(fake_quant(t, 8, "channel")[0], fake_quant(t[0], 8, "tensor"))
    flat = t.reshape(-1, 8)
    assert torch.equal(fake_quant(t, 8, "token").reshape(-1, 8), fake_quant(flat, 8, "channel"))


def test_group_must_divide_the_last_dim():
    with pytest.raises(ValueError):
        fake_quant(sample(), 4, ("group", 5))


def test_packed_bytes_hand_cases():
    assert packed_bytes(32, 4, 32) == 16 + 2             # 32 int4 in 16 bytes + one fp16 scale
    assert packed_bytes(64, 3, 32, meta_bytes=4) == 24 + 8   # 192 bits + 2 × (scale, zero)
    assert packed_bytes(10, 3, None) == 4 + 2             # 30 bits round up to 4 bytes
    assert packed_bytes(4096, 8, None) == 4096 + 2
    n = 32 * 1024
    # fp16 against int4 with an fp16 scale and zero per 32: 16 / (4 + 1) = 3.2
    assert 2 * n / packed_bytes(n, 4, 32, meta_bytes=4) == 3.2


def test_ste_gradients():
    t = torch.tensor([0.3, -0.7, 1.0, 0.05], dtype=torch.float64, requires_grad=True)
    # no STE: round() has zero gradient, and so has absmax·round(t/absmax) except through the scale
    fake_quant(t, 4, ste=None).sum().backward()
    plain = t.grad.clone()
    t.grad = None
    fake_quant(t, 4, ste="identity").sum().backward()
    assert torch.equal(t.grad, torch.ones_like(t))            # the whole op is the identity backwards
    t.grad = None
    fake_quant(t, 4, ste="round").sum().backward()
    # round bypassed: each element's direct path has slope 1. The scale = |t|max / 7 also moves
    # every q·scale: d(round(t/s)·s)/ds = round(t/s) − t/s under the STE, the rounding residual.
    scale = 1.0 / 7
    residual = (torch.round(t.detach() / scale) - t.detach() / scale).sum()
    expected = torch.ones_like(t)
    expected[2] += residual / 7          # t[2] = 1.0 is the absmax element
    assert torch.allclose(t.grad, expected)
    assert expected[2] != 1
    # no STE: only the scale path is left, and it reaches only the absmax element
    assert torch.equal(plain != 0, torch.tensor([False, False, True, False]))


def test_round_ste_keeps_the_scale_differentiable():
    # The only path from a per-channel multiplier a to the loss with ste="round" that is not
    # the identity goes through the scale; the identity STE ignores it.
    w = sample(4, (4, 8))
    a = torch.ones(8, dtype=torch.float64, requires_grad=True)
    x = sample(5, (16, 8))
    target = x @ w.T
    loss = ((x / a) @ fake_quant(w * a, 3, ("group", 8), symmetric=False, ste="round").T - target).pow(2).sum()
    (grad_round,) = torch.autograd.grad(loss, a)
    loss = ((x / a) @ fake_quant(w * a, 3, ("group", 8), symmetric=False, ste="identity").T - target).pow(2).sum()
    (grad_identity,) = torch.autograd.grad(loss, a)
    assert grad_round.abs().sum() > 0 and grad_identity.abs().sum() > 0
    assert not torch.allclose(grad_round, grad_identity)


def test_unknown_options_are_refused():
    with pytest.raises(ValueError):
        fake_quant(sample(), 8, "row")
    with pytest.raises(ValueError):
        fake_quant(sample(), 8, ste="sign")
