"""The xLSTM chapter's claims, asserted from the values it glued.

Exact claims stay exact: the mLSTM's parallel form equals its recurrent form, and the
stabiliser state changes no output of mLSTM or sLSTM (float64, 1e-8, against outputs of
size ~50). In float32 the unstabilised sLSTM overflows first at ĩ = 89 = ⌈ln FLT_MAX⌉
(e^88 is finite, e^89 is not; 80 is far from the limit); the mLSTM may overflow one step
earlier, because it stores e^ĩ times v kᵀ; the stabilised cells stay finite up to ĩ = 1000.
The two measured claims (matrix vs vector memory retrieval, exponential vs sigmoid input
gate when the stored value must be revised) are recomputed from the per-seed values with
`seed_effect`, and the retrieval numbers are checked against their closed-form size
(1/√(1 + (N−1)/d) and 1/√N), so a memory that does not bind values to keys fails.

Plausible bugs this test catches:
(each tried: key line edited, the chapter's own `assert` on parallel = recurrent disabled so that the
chapter still executes, chapter re-run, this test run, edit reverted)
- mlstm_parallel without the causal mask (j > t included): test_exact_claims (parallel − recurrent 36.5)
  and test_glued_verdicts_agree_with_numbers (main claim "failed").
- stabiliser floor left at 1 instead of e^{−m_t} in mlstm_recurrent: test_exact_claims (parallel − recurrent 48.7)
  and test_glued_verdicts_agree_with_numbers.
- the input gate's stabiliser shift forgotten in slstm_step (i = exp(ĩ), m subtracted only from f):
  test_exact_claims (sLSTM stabilised − unstabilised 0.59) and test_overflow_at_the_float32_limit
  (the "stabilised" sLSTM overflows at ĩ = 89).
"""
import math

import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/anatomy/xlstm"


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_exact_claims(g):
    assert g["h_scale"] > 10                  # outputs are large, so 1e-8 is a tight bound
    assert g["mlstm_par_rec"] < 1e-8
    assert g["mlstm_stab_raw"] < 1e-8
    assert g["slstm_stab_raw"] < 1e-8
    assert g["tinygpt_mlstm_causal"] is True


def test_overflow_at_the_float32_limit(g):
    assert g["ln_float32_max"] == pytest.approx(88.7228, abs=1e-4)
    assert g["exp_finite_88"] and g["exp_inf_89"]
    assert g["overflow_slstm_raw"] == 89
    assert 85 <= g["overflow_mlstm_raw"] <= 89
    assert g["spike_max"] >= 1000
    for key in ("overflow_mlstm_stab", "overflow_mlstm_par", "overflow_slstm_stab"):
        assert g[key] == -1, key             # −1: finite at every spike tried


def test_retrieval_follows_its_closed_form(g):
    d, Ns = g["mem_d"], g["mem_N"]
    assert d == 32 and Ns[0] == 1 and Ns[-1] == 128
    for N, cm, cv in zip(Ns, g["cos_matrix"], g["cos_vector"]):
        assert cm == pytest.approx(1 / math.sqrt(1 + (N - 1) / d), abs=0.08), N
        assert cv == pytest.approx(1 / math.sqrt(N), abs=0.1), N
    assert g["cos_matrix"][0] == pytest.approx(1.0) and g["cos_vector"][0] == pytest.approx(1.0)


def test_revise_models_learned_something(g):
    # Outputting 0 costs E[z²] = 1/3; both cells must do far better than that.
    assert len(g["revise_mse_exp"]) == len(g["revise_mse_sigmoid"]) == g["n_seeds"] >= 3
    assert max(g["revise_mse_exp"] + g["revise_mse_sigmoid"]) < 0.15
    assert g["revise_gate_b_sigmoid"] < 0    # the sigmoid gate moves into its exponential-like tail


def test_glued_verdicts_agree_with_numbers(g):
    big = [i for i, N in enumerate(g["mem_N"]) if N >= 8]
    capacity = all((e := seed_effect(g["cos_matrix_seeds"][i], [2 * c for c in g["cos_vector_seeds"][i]])).clear
                   and e.mean > 0 for i in big)
    assert g["capacity_held"] == capacity
    revise = seed_effect(g["revise_mse_sigmoid"], g["revise_mse_exp"])
    assert g["revise_effect"] == pytest.approx(revise.mean)
    assert g["revise_held"] == (revise.clear and revise.mean > 0)
    exact = (g["mlstm_par_rec"] < 1e-8 and g["mlstm_stab_raw"] < 1e-8 and g["slstm_stab_raw"] < 1e-8
             and g["tinygpt_mlstm_causal"])
    stable = all(g[k] == -1 for k in ("overflow_mlstm_stab", "overflow_mlstm_par", "overflow_slstm_stab"))
    at_limit = g["overflow_slstm_raw"] == 89 and 85 <= g["overflow_mlstm_raw"] <= 89

    def verdict(held, partial=False):
        return "held" if held else "partial" if partial else "failed"

    expected = {"main": verdict(exact), "stabilizer": verdict(stable and at_limit, stable),
                "capacity": verdict(capacity), "revise": verdict(g["revise_held"]),
                "ppl": "untested", "recall": "untested"}
    for key, value in expected.items():
        assert g[f"claim_{key}_verdict"] == value, key
    # What this chapter reports: every measured claim holds on its seeds.
    assert expected == {"main": "held", "stabilizer": "held", "capacity": "held", "revise": "held",
                        "ppl": "untested", "recall": "untested"}
