"""mlbook.gen: the shared diffusion prior and yardsticks, checked exactly where the maths is exact."""
import pytest
import torch

from mlbook import gen
from mlbook.gen import (ALPHA_BAR, K, DigitJudge, EpsMLP, NFECounter, ddim_levels, ddim_move, ddim_sample,
                        digits8, frechet_distance, laplacian_energy, moons2d, pool4, q_sample,
                        sliced_wasserstein, train_eps)


def test_schedule_is_ddpm_linear_beta_with_a_clean_level_zero():
    assert ALPHA_BAR.shape == (K + 1,) and ALPHA_BAR[0] == 1
    assert ALPHA_BAR[1].item() == pytest.approx(1 - 1e-4)
    betas = 1 - ALPHA_BAR[1:] / ALPHA_BAR[:-1]
    assert betas[-1].item() == pytest.approx(0.02, rel=1e-3)
    assert (ALPHA_BAR[1:] < ALPHA_BAR[:-1]).all()


def test_ddim_move_to_the_same_level_is_the_identity():
    x, eps = torch.randn(5, 7), torch.randn(5, 7)
    t = torch.tensor([1, 10, 300, 700, 1000])
    assert torch.allclose(ddim_move(x, t, t, eps), x, atol=1e-5)


def test_ddim_move_with_the_true_noise_lands_on_q_sample_both_ways():
    # If eps is the noise that made x_t, a DDIM move to any level gives q_sample at that level.
    x0, eps = torch.randn(4, 3), torch.randn(4, 3)
    t_from, t_to = torch.tensor([800, 800, 50, 50]), torch.tensor([100, 0, 600, 1000])
    moved = ddim_move(q_sample(x0, t_from, eps), t_from, t_to, eps)
    assert torch.allclose(moved, q_sample(x0, t_to, eps), atol=1e-5)


def test_per_frame_timesteps_broadcast_over_the_last_axis():
    x0, eps = torch.randn(2, 8, 2), torch.randn(2, 8, 2)
    t = torch.randint(1, K + 1, (2, 8))
    xt = q_sample(x0, t, eps)
    a = ALPHA_BAR[t[1, 3]]
    assert torch.allclose(xt[1, 3], a.sqrt() * x0[1, 3] + (1 - a).sqrt() * eps[1, 3])


def test_ddim_levels_and_sampler_with_an_oracle_model():
    assert ddim_levels(4).tolist() == [0, 250, 500, 750, 1000]
    # The ε-model of a point mass at c is exact: ε = (x_t − √ᾱ c)/√(1 − ᾱ). DDIM must return c.
    c = torch.tensor([[0.3, -1.2]])

    def oracle(x, t):
        a = ALPHA_BAR[t].unsqueeze(-1)
        return (x - a.sqrt() * c) / (1 - a).sqrt()

    counted = NFECounter(oracle)
    out = ddim_sample(counted, torch.randn(16, 2), steps=5)
    assert torch.allclose(out, c.expand(16, 2), atol=1e-4)
    assert counted.calls == 5


def test_guidance_mixes_conditional_and_null_predictions():
    model = EpsMLP(dim=2, hidden=16, n_classes=3)
    x, t, y = torch.randn(4, 2), torch.full((4,), 500), torch.tensor([0, 1, 2, 0])
    e_y, e_null = model(x, t, y), model(x, t, torch.full_like(y, 3))
    assert torch.allclose(gen.guided_eps(model, x, t, y, 2.0), e_null + 2 * (e_y - e_null), atol=1e-6)
    assert torch.allclose(model(x, t), e_null)


def test_train_eps_learns_a_point_mass_and_is_reproducible():
    def draw(g):
        return torch.full((64, 2), 0.5), None

    losses = []
    for _ in range(2):
        torch.manual_seed(0)
        model = EpsMLP(dim=2, hidden=32)
        losses.append(train_eps(model, draw, steps=300, lr=2e-3, seed=1))
    assert losses[0] == losses[1]
    assert sum(losses[0][-50:]) / 50 < 0.5 * sum(losses[0][:50]) / 50
    z = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    untrained = EpsMLP(dim=2, hidden=32)
    error = (ddim_sample(model, z, steps=20) - 0.5).abs().mean()
    assert error < 0.5 * (ddim_sample(untrained, z, steps=20) - 0.5).abs().mean()


def test_distances_of_a_set_with_itself_are_zero_and_grow_with_a_shift():
    x, _ = moons2d(500, seed=1)
    assert sliced_wasserstein(x, x) == 0
    assert sliced_wasserstein(x, x + 1.0) > sliced_wasserstein(x, x + 0.1) > 0
    real = digits8()[2]
    assert abs(frechet_distance(real, real)) < 1e-8
    assert frechet_distance(real, real + 0.2) == pytest.approx(frechet_distance(real, real - 0.2), rel=1e-6)
    assert frechet_distance(real, torch.zeros_like(real).uniform_(-1, 1)) > 10 * frechet_distance(real, real + 0.05)


def test_data_helpers():
    x, y = moons2d(2000, seed=0)
    assert x.shape == (2000, 2) and set(y.tolist()) == {0, 1}
    assert x.mean(0).abs().max() < 0.1 and (x.std(0) - 1).abs().max() < 0.1
    X_train, y_train, X_test, _ = digits8()
    assert X_train.min() == -1 and X_train.max() == 1 and X_train.shape[1] == 64
    blocks = torch.arange(64.0).reshape(1, 64)
    assert pool4(blocks)[0, 0].item() == (0 + 1 + 8 + 9) / 4 and pool4(X_test).shape == (len(X_test), 16)


def test_judge_and_sharpness():
    judge = DigitJudge()
    _, _, X_test, y_test = digits8()
    assert judge.accuracy(X_test, y_test) > 0.9
    assert judge.confidence(X_test) > judge.confidence(torch.zeros_like(X_test))
    flat = torch.zeros(3, 64)
    assert laplacian_energy(flat) == 0
    checker = (torch.arange(64).reshape(8, 8) % 2 * 2 - 1).float().reshape(1, 64)
    blurred = pool4(checker).reshape(1, 1, 4, 4).repeat_interleave(2, 2).repeat_interleave(2, 3).reshape(1, 64)
    assert laplacian_energy(checker) > laplacian_energy(blurred)


def test_clipped_ddim_move_keeps_x0_in_range_and_changes_nothing_inside_it():
    x0, eps = torch.rand(6, 5) * 1.6 - 0.8, torch.randn(6, 5)   # inside [−1, 1]
    t_from, t_to = torch.full((6,), 700), torch.tensor([0, 0, 100, 300, 500, 900])
    xt = q_sample(x0, t_from, eps)
    assert torch.allclose(ddim_move(xt, t_from, t_to, eps, clip=1.0), ddim_move(xt, t_from, t_to, eps), atol=1e-5)
    # A noise estimate that puts x̂_0 far outside: the move to level 0 lands on the clamp.
    wild = ddim_move(xt, t_from, torch.zeros(6, dtype=torch.long), -5 * eps.sign(), clip=1.0)
    assert wild.abs().max() <= 1 + 1e-5 and (wild.abs() > 1 - 1e-5).any()
    z = torch.randn(8, 5)
    assert ddim_sample(lambda x, t: 3 * x, z, steps=4, clip=1.0).abs().max() <= 1 + 1e-5
