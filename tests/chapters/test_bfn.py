"""The Bayesian Flow Networks chapter's claims, asserted from the values it glued.

Exact claims are tight: the accuracy schedule telescopes to a final precision of
1/σ₁² = 2500 for every step count (1e-9), and the mean and variance of μ after 10 of 20
Bayesian updates, estimated from 200 000 Monte-Carlo runs, lie within 2 % of the Bayesian-flow
formula N(γx, γ(1−γ)) with γ(0.5) = 1 − σ₁. The qualitative claims use the book's rule over
three seeds: SWD(n=50) below half the SWD of N(0, I) in every seed, and SWD falling with
the number of steps, every neighbouring pair clear (`seed_effect(...).clear`).

Each bug below was injected into the chapter and run.

Plausible bugs this test catches:
- the loss weight without σ₁^{−2t} (``(-math.log(SIGMA_1) * error).mean()``): the late,
  precise part of the flow is barely trained; n=50 samples stay blurred (mean SWD 0.179 vs
  0.079) and one seed misses half the N(0, I) SWD, so test_samples_approach_the_data fails.
- the sender's noise with standard deviation 1/α instead of 1/√α in ``bfn_sample``: the
  messages are too sure late in sampling and SWD is no longer monotone in n (n=20 0.087,
  n=50 0.114), so test_more_steps_give_better_samples fails.
The schedule and the update are also checked inside the chapter (its asserts stop the run
on a non-telescoping schedule or a wrong conjugate update, before any training).
"""
import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/generative/bfn"
SIGMA_1 = 0.02
MC_TOL = 0.02
GAUSS_FRACTION = 0.5
N_STEPS = (5, 10, 20, 50)


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_setup(g):
    assert g["n_seeds"] >= 3
    assert g["n_steps_list"] == list(N_STEPS)
    assert g["n_samples"] >= 1000


def test_precision_telescopes_to_one_over_sigma1_squared(g):
    assert g["precision_target"] == pytest.approx(SIGMA_1 ** -2, abs=1e-9)
    assert g["precision_n50"] == pytest.approx(2500.0, abs=1e-9)
    assert g["precision_error"] < 1e-9
    assert 1 in g["precision_ns"] and 1000 in g["precision_ns"]
    assert g["claim_precision_verdict"] == "held"


def test_flow_distribution_matches_the_monte_carlo_updates(g):
    assert g["gamma_half"] == pytest.approx(1 - SIGMA_1)
    assert g["var_theory"] == pytest.approx((1 - SIGMA_1) * SIGMA_1)
    assert g["mc_draws"] >= 100_000
    assert g["mc_mean_rel"] < MC_TOL and g["mc_var_rel"] < MC_TOL
    assert g["mc_var"] == pytest.approx(g["var_theory"], rel=MC_TOL)
    assert g["claim_flow_verdict"] == "held"


def test_a_perfect_noise_predictor_has_zero_loss(g):
    assert g["oracle_loss"] < 1e-12


def test_samples_approach_the_data(g):
    bfn50, gauss = g["swd_bfn_n50_seeds"], g["swd_gauss_seeds"]
    assert len(bfn50) == len(gauss) == g["n_seeds"]
    every_seed = all(b < GAUSS_FRACTION * s for b, s in zip(bfn50, gauss))
    assert g["claim_samples_verdict"] == ("held" if every_seed else
                                          "partial" if any(b < GAUSS_FRACTION * s for b, s in zip(bfn50, gauss))
                                          else "failed")
    assert every_seed, (bfn50, gauss)
    assert g["swd_data"] < min(bfn50)   # two data samples are the floor


def test_more_steps_give_better_samples(g):
    seeds = {n: g[f"swd_bfn_n{n}_seeds"] for n in N_STEPS}
    clear = [seed_effect(seeds[a], seeds[b]).clear and seed_effect(seeds[a], seeds[b]).mean > 0
             for a, b in zip(N_STEPS, N_STEPS[1:])]
    assert g["steps_clear_pairs"] == sum(clear)
    assert g["claim_steps_verdict"] == ("held" if all(clear) else "partial" if any(clear) else "failed")
    assert all(clear), seeds


def test_likelihood_is_not_measured_here(g):
    assert g["claim_likelihood_verdict"] == "untested"
    assert (g["paper_mnist_nats"], g["paper_cifar_bpd"], g["paper_text8_bpc"]) == (77.87, 2.66, 1.41)
