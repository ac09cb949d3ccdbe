import warnings

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from mlbook import data, measure, models, plot, train  # noqa: E402


def glyph_warnings(title: str, xlabel: str = "") -> list[str]:
    """Draw a figure in the book's style; return matplotlib's missing-glyph warnings."""
    plot.use_korean_style()
    fig, ax = plt.subplots()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.plot([-1, 1], [0, 1], label="범례")
    ax.legend()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    return [str(w.message) for w in caught if "Glyph" in str(w.message)]


def test_hangul_renders_with_the_packaged_font():
    plot.use_korean_style()
    assert "NanumGothic" in font_manager.findfont(plot.FONT_FAMILY)
    assert glyph_warnings("한글 제목: 소프트맥스는 확률을 만든다", "음수 눈금 −1") == []


def test_digits_split_is_seeded_and_disjoint():
    Xtr, ytr, Xte, yte = data.digits(seed=0)
    assert Xtr.shape[1] == 64 and len(Xtr) + len(Xte) == 1797
    assert 0.0 <= Xtr.min() and Xtr.max() <= 1.0
    again = data.digits(seed=0)
    assert torch.equal(Xte, again[2])
    rows = {tuple(r) for r in Xtr.tolist()}
    assert sum(tuple(r) in rows for r in Xte.tolist()) < 0.05 * len(Xte)  # a few digits repeat


def test_fit_learns_digits():
    Xtr, ytr, Xte, yte = data.digits(seed=0)
    torch.manual_seed(0)
    net = models.MLP([64, 32, 10])
    losses = train.fit(net, Xtr, ytr, steps=200, lr=1e-2)
    assert losses[-1] < 0.3 * losses[0]
    assert train.accuracy(net, Xte, yte) > 0.9


def test_fit_trains_only_the_given_parameters():
    net = models.MLP([4, 3, 2])
    frozen = net[0].weight.detach().clone()
    train.fit(net, torch.randn(16, 4), torch.randint(2, (16,)), steps=5, lr=0.1,
              params=net[2].parameters())
    assert torch.equal(net[0].weight, frozen)


def test_largest_tensor_sees_the_score_matrix():
    q, k = torch.randn(128, 16), torch.randn(128, 16)
    _, numel = measure.largest_tensor(lambda: (q @ k.T).softmax(-1) @ k)
    assert numel == 128 * 128


def test_time_it_is_positive():
    assert measure.time_it(torch.randn, 10, repeat=3) > 0


def test_symbols_missing_from_nanum_fall_back_without_warning():
    assert glyph_warnings("m_{j−1} ⊕ d_j → σ₁, α/r, ΔW의 특이값") == []


def test_a_glyph_no_font_has_still_warns():
    """The build's guard (any stderr fails it) relies on matplotlib still warning here."""
    assert glyph_warnings("ก")  # Thai: neither NanumGothic nor DejaVu Sans has it


def test_peak_memory_counts_live_intermediates_not_inputs():
    n, d = 256, 16
    q, k, v = torch.randn(n, d), torch.randn(n, d), torch.randn(n, d)
    scores_bytes = n * n * 4
    # naive attention holds the n×n scores and their softmax at the same time
    _, naive = measure.peak_memory(lambda: (q @ k.T).softmax(-1) @ v)
    assert 2 * scores_bytes <= naive <= 2 * scores_bytes + 2 * n * d * 4

    def chunked():
        # 16 query rows at a time: each chunk's scores are freed before the next
        return torch.cat([(q[i:i + 16] @ k.T).softmax(-1) @ v for i in range(0, n, 16)])

    out, peak = measure.peak_memory(chunked)
    assert peak < naive / 4
    assert torch.allclose(out, (q @ k.T).softmax(-1) @ v, atol=1e-5)
    _, view_only = measure.peak_memory(lambda: q.T[:4])
    assert view_only == 0


def test_tiny_vit_patches_shapes_and_learns_digits():
    vit = models.TinyViT(patch=2, dim=32, depth=2, heads=2)
    x = torch.arange(64.0).view(1, 64)
    patches = vit.patchify(x)
    assert patches.shape == (1, 16, 4)
    assert patches[0, 0].tolist() == [0.0, 1.0, 8.0, 9.0]  # the top-left 2×2 patch
    assert patches[0, 1].tolist() == [2.0, 3.0, 10.0, 11.0]
    Xtr, ytr, Xte, yte = data.digits(seed=0)
    torch.manual_seed(0)
    train.fit(vit, Xtr, ytr, steps=300, lr=3e-3)
    assert train.accuracy(vit, Xte, yte) > 0.85


def test_tiny_vit_takes_other_attention_and_norm():
    calls = []

    class Mixer(torch.nn.Module):
        def __init__(self, dim, heads):
            super().__init__()
            calls.append((dim, heads))

        def forward(self, x):
            return x.mean(dim=1, keepdim=True).expand_as(x)

    vit = models.TinyViT(dim=16, depth=3, heads=4, attention=Mixer, norm=torch.nn.Identity)
    assert vit(torch.rand(5, 64)).shape == (5, 10)
    assert calls == [(16, 4)] * 3


def test_causal_attention_ignores_later_tokens_and_plain_attention_does_not():
    torch.manual_seed(0)
    x = torch.randn(2, 6, 8)
    later = x.clone()
    later[:, 4:] += 1.0
    causal, plain = models.SelfAttention(8, 2, causal=True), models.SelfAttention(8, 2)
    plain.load_state_dict(causal.state_dict())
    assert torch.allclose(causal(x)[:, :4], causal(later)[:, :4], atol=1e-6)
    assert not torch.allclose(plain(x)[:, :4], plain(later)[:, :4], atol=1e-3)
    assert torch.allclose(causal(x)[:, -1], plain(x)[:, -1], atol=1e-6)   # the last token sees everything


def test_train_loop_clips_schedules_and_records():
    torch.manual_seed(0)
    net = models.MLP([4, 8, 2])
    X, y = torch.randn(64, 4), torch.randint(2, (64,))
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    seen = []
    losses = train.train_loop(net, lambda: torch.nn.functional.cross_entropy(net(X), y), steps=4,
                              optimizer=opt, scheduler=sched, clip_norm=1e-3,
                              checkpoints={2, 4}, on_checkpoint=seen.append)
    assert len(losses) == 4 and seen == [2, 4]
    assert opt.param_groups[0]["lr"] == 0.5 * 0.5 ** 4
    assert not net.training


def test_loglog_slope_recovers_the_exponent():
    ns = np.array([64, 128, 256, 512, 1024])
    assert abs(measure.loglog_slope(ns, 3 * ns**2) - 2) < 1e-9
    # a constant overhead bends the small sizes; x_min leaves them out
    assert abs(measure.loglog_slope(ns, ns + 1e4, x_min=512) - 1) > 0.5
    assert abs(measure.loglog_slope(ns, 7 * ns + 10, x_min=256) - 1) < 0.02


def test_figure_keeps_the_column_width_and_refuses_three_panels():
    plot.use_korean_style()
    fig, axes = plot.figure(1, 2)
    assert tuple(fig.get_size_inches()) == (plot.FIG_WIDTH_IN, plot.PANEL_HEIGHT_IN)
    plt.close(fig)
    with pytest.raises(ValueError, match="가로 패널"):
        plot.figure(1, 3)


def test_smallest_text_shrinks_with_a_figure_wider_than_the_column():
    plot.use_korean_style()
    fig, ax = plot.figure()
    ax.set_title("제목")
    ax.plot([1, 2], [1, 2])
    fig.canvas.draw()
    pt, px = plot.smallest_text_px(fig, width_px=plot.FIG_WIDTH_IN * fig.dpi)
    assert pt == 9 and px == pytest.approx(9 / 72 * 96)        # tick labels, unshrunk: 12 px
    _, shrunk = plot.smallest_text_px(fig, width_px=2 * plot.COLUMN_PX)
    assert shrunk == pytest.approx(px / 2)                        # twice too wide: half the size
    plt.close(fig)


def test_notebook_figures_are_retina_and_carry_their_measurement():
    """The IPython PNG formatter: 2x pixels, half-size display, measured text; a figure like
    the old FIFO staircase (11 in wide, 8 pt labels) is flagged on stderr."""
    import base64
    import contextlib
    import io
    import struct

    plot.use_korean_style()
    fig, ax = plot.figure()
    ax.plot([1, 2], [1, 2])
    png, meta = plot._measured_retina_png(fig, bbox_inches="tight")
    width, height = struct.unpack(">II", base64.b64decode(png)[16:24])
    assert width // 2 == meta["width"] <= plot.COLUMN_PX
    assert meta["mlbook"]["smallest_text_px"] >= plot.MIN_TEXT_PX
    plt.close(fig)

    wide, axes = plt.subplots(1, 4, figsize=(11, 3.0))
    for a in axes:
        a.set_title("작은 제목", fontsize=8)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        _, meta = plot._measured_retina_png(wide, bbox_inches="tight")
    plt.close(wide)
    assert meta["mlbook"]["smallest_text_px"] < plot.MIN_TEXT_PX
    assert "그림 경고" in err.getvalue()


def test_train_vit_is_one_seeded_recipe_with_a_step_hook():
    """Same seed, same model; the hook sees every step from 0; TinyViT options pass through;
    a variant whose extra layers draw no random numbers starts from the same weights."""
    gen = torch.Generator().manual_seed(0)
    X, y = torch.rand(64, 64, generator=gen), torch.randint(0, 10, (64,), generator=gen)
    seen = []
    a, losses = train.train_vit(X, y, seed=3, steps=4, lr=1e-2, batch_size=16,
                                on_step=lambda model, step: seen.append((type(model).__name__, step)))
    assert seen == [("TinyViT", s) for s in range(5)] and len(losses) == 4 and not a.training
    b, losses_b = train.train_vit(X, y, seed=3, steps=4, lr=1e-2, batch_size=16)
    assert losses_b == losses
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    c, _ = train.train_vit(X, y, seed=4, steps=4, lr=1e-2, batch_size=16)
    assert not torch.equal(a.head.weight, c.head.weight)
    # options reach TinyViT: a wider model on 16×16 inputs (64 tokens)
    wide, _ = train.train_vit(torch.rand(32, 256, generator=gen), y[:32], seed=0, steps=1, lr=1e-3,
                              image=16, dim=16, heads=4)
    assert wide.tokens == 64 and wide.head.in_features == 16
    # one recipe: the first step of two variants of a seed sees the same weights and batch
    _, first_ln = train.train_vit(X, y, seed=5, steps=1, lr=1e-2)
    _, first_scaled = train.train_vit(X, y, seed=5, steps=1, lr=1e-2,
                                      norm=lambda dim: torch.nn.LayerNorm(dim, elementwise_affine=False))
    assert first_scaled == first_ln        # LayerNorm's affine starts at identity: same function at step 0
