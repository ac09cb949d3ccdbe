"""The blockwise-parallel-transformer chapter's claims, asserted from the values it glued.

Largest tensors come from a dispatch-mode probe (every tensor an aten op produced), so they
are compared exactly with the shapes the paper's accounting names (n·s², s·4h, s·h): that
is what the paper's per-layer formula counts, and the calculator claim is judged on it.
Peak memories are exact byte counts of live storages; the length ratios at equal memory
are refitted here from them. The "4x longer" claim is judged on training memory (forward
+ backward with rematerialisation), as the paper's numbers are; forward-only peaks and the
formula are context only. Numerical agreement uses the chapter's tolerances (1e-12 in
float64, 1e-5 in float32).

Plausible bugs this test catches:
- BPT's FFN moved out of the block loop (run once on the concatenated sequence): test_largest_tensor_drops_by_exactly_the_expansion_factor, test_calculator_matches_largest_tensor, test_glued_verdicts_agree_with_numbers and more
- each query block attending only its own key block: test_fused_layer_equals_unfused_forward_and_backward, test_glued_verdicts_agree_with_numbers
- the "4x" verdict read from the forward-only, no-grad lengths (3.04x) instead of training memory: test_glued_verdicts_agree_with_numbers
- the BPT formula counting the FFN hidden (4·p·b·s·h) instead of the output: test_calculator_matches_largest_tensor, test_longer_sequences_at_equal_memory, test_glued_verdicts_agree_with_numbers
- bpt_layer ignoring remat (no per-block checkpoint in training): test_training_with_rematerialisation
"""
import math

import numpy as np
import pytest

from mlbook.measure import loglog_slope as slope
from tests.glue import error_outputs, glued_values

DOC = "book/attention/blockwise_parallel_transformer"
METHODS = ("vanilla", "memeff", "bpt")
_KO = {"vanilla": "표준", "memeff": "메모리 효율", "bpt": "BPT"}


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def formula_bytes(method, s, h, heads, c, p):
    """The paper's per-layer activation (Ring Attention, Table 1), p bytes per element, b = 1."""
    if method == "vanilla":
        return max(p * heads * s * s, 4 * p * s * h)
    if method == "memeff":
        return max(p * s * h + 2 * p * c * h, 4 * p * s * h)
    return p * s * h


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_fused_layer_equals_unfused_forward_and_backward(g):
    assert g["exact_s"] % g["exact_block"] != 0          # a ragged last block is covered
    assert g["exact_err_f64"] < 1e-12
    assert g["exact_err_f32"] < 1e-5


def test_largest_tensor_drops_by_exactly_the_expansion_factor(g):
    ss, h, n, c, e = g["sweep_s"], g["hidden"], g["heads"], g["block"], g["expansion"]
    assert e == 4 and len(ss) >= 3 and ss[-1] // ss[0] >= 4
    # The setting where the claim is exact: a block's FFN hidden and score chunk fit in s·h.
    assert all(c * e <= s and n * c * c <= s * h and e * h <= s for s in ss)
    assert g["largest_vanilla"] == [n * s * s for s in ss]       # the n×s×s scores
    assert g["largest_memeff"] == [e * s * h for s in ss]        # the s×4h FFN hidden
    assert g["largest_bpt"] == [s * h for s in ss]               # the s×h output
    assert g["largest_ratio"] == [e] * len(ss)
    assert g["largest_ratio_min"] == g["largest_ratio_max"] == e
    assert g["largest_shapes_word"] == "예"


def test_largest_tensor_by_block_size(g):
    s, h, n, e = g["s_block_sweep"], g["hidden"], g["heads"], g["expansion"]
    expected = [max(s * h, c * e * h, n * c * c, e * h * h) for c in g["block_sweep"]]
    assert g["largest_by_block"] == expected == g["largest_by_block_expected"]
    limit = g["block_limit"]
    assert limit == min(s // e, math.isqrt(s * h // n))     # c·4h ≤ s·h and n·c² ≤ s·h
    # Up to that block size the ratio to the memory-efficient layer stays exactly 4, beyond it
    # a tensor inside the block is larger; at c = s BPT builds the whole score matrix.
    memeff = e * s * h
    ratios = {c: memeff / n_ for c, n_ in zip(g["block_sweep"], g["largest_by_block"])}
    assert any(c <= limit for c in ratios) and any(c > limit for c in ratios)
    assert all(r == 4.0 for c, r in ratios.items() if c <= limit)
    assert all(r < 4.0 for c, r in ratios.items() if c > limit)
    assert g["largest_by_block"][-1] == n * s * s


def test_calculator_matches_largest_tensor(g):
    # The formula counts the largest single tensor of the layer: equal to the byte.
    ss, h, n, c = g["sweep_s"], g["hidden"], g["heads"], g["block"]
    formula = {m: [formula_bytes(m, s, h, n, c, 4) for s in ss] for m in METHODS}
    for m in METHODS:
        assert g[f"formula_{m}"] == formula[m]
        assert [4 * x for x in g[f"largest_{m}"]] == formula[m]
        # Peaks are not what the formula counts: their multiple of it is shown, and refitted here.
        ratios = [pk / f for pk, f in zip(g[f"peak_{m}"], formula[m])]
        assert ratios == pytest.approx(g[f"peak_over_formula_{m}"])
        assert g["pof_drift"][_KO[m]] == pytest.approx(max(ratios) / min(ratios))
        assert min(ratios) >= 1                   # live tensors include the one the formula counts
        assert slope(ss, g[f"peak_{m}"]) == pytest.approx(g[f"slope_peak_{m}"])
    assert g["formula_is_largest"] and g["formula_is_largest_word"] == "예"
    for i in range(len(ss)):
        assert g["peak_vanilla"][i] > g["peak_memeff"][i] > g["peak_bpt"][i]
    assert g["order_same"]
    # The BPT slope approaches 1 once the block-size constant stops mattering.
    assert g["slope_peak_bpt_last"] > g["slope_peak_bpt"]
    assert g["peak_ratio_memeff_bpt"] == pytest.approx(g["peak_memeff"][-1] / g["peak_bpt"][-1])


def test_longer_sequences_at_equal_memory(g):
    ss, h, n = g["sweep_s"], g["hidden"], g["heads"]
    s0 = g["s_max"]
    assert s0 == ss[-1]
    # The formula: budget = vanilla at s0 → memeff s0·n·s0/(4h), BPT n·s0²/h.
    assert g["len_formula"] == {"표준": s0, "메모리 효율": n * s0 * s0 // (4 * h), "BPT": n * s0 * s0 // h}
    assert g["len_ratio_formula_memeff"] == 4.0
    assert g["len_ratio_formula_vanilla"] == n * s0 / h
    assert g["s0_for_32x_formula"] == 32 * h // n
    # The measured analogues, refitted from the glued peaks: forward only, and training.
    fwd = lengths(ss, {m: g[f"peak_{m}"] for m in ("memeff", "bpt")}, g["peak_vanilla"][-1])
    assert fwd["bpt"] / fwd["memeff"] == pytest.approx(g["len_ratio_measured_memeff"])
    assert fwd["bpt"] / s0 == pytest.approx(g["len_ratio_measured_vanilla"])
    p = g["peak_train"]
    train = lengths(ss, {"memeff": p["메모리 효율"], "bpt": p["BPT"]}, p["표준"][-1])
    assert train["bpt"] / train["memeff"] == pytest.approx(g["len_ratio_train_memeff"])
    assert train["bpt"] / s0 == pytest.approx(g["len_ratio_train_vanilla"])
    # Backward adds s·h tensors to every method, so training narrows BPT's lead over forward only.
    assert g["len_ratio_train_memeff"] < g["len_ratio_measured_memeff"] < g["len_ratio_formula_memeff"]


def lengths(ss, peaks, budget):
    out = {}
    for m, values in peaks.items():
        alpha, beta = np.polyfit(ss, values, 1)
        out[m] = (budget - beta) / alpha
    return out


def test_training_with_rematerialisation(g):
    p, ss = g["peak_train"], g["sweep_s"]
    assert all(len(p[m]) == len(ss) for m in p)
    order = all(p["표준"][i] > p["메모리 효율"][i] > p["BPT"][i] for i in range(len(ss)))
    assert g["train_order"] == order
    assert g["train_ratio_memeff_bpt"] == pytest.approx(p["메모리 효율"][-1] / p["BPT"][-1])
    # Without rematerialisation autograd keeps every block's FFN hidden: at least one s·4h sheet more.
    s, e, h = ss[-1], g["expansion"], g["hidden"]
    assert g["peak_train_bpt_no_remat"] - p["BPT"][-1] >= s * e * h * 4
    assert g["remat_saving_sheets"] == pytest.approx((g["peak_train_bpt_no_remat"] - p["BPT"][-1]) / (s * e * h * 4))


def test_memory_trace_and_widget_grid(g):
    assert g["trace_peak"]["BPT"] * 2 < g["trace_peak"]["메모리 효율"]
    assert g["trace_ratio"] == pytest.approx(g["trace_peak"]["메모리 효율"] / g["trace_peak"]["BPT"])
    assert 1 <= g["grid_points_inside"] < g["grid_points"]
    # Outside the premise the formula misses the block's own tensors.
    assert g["grid_ratio_outside_max"] > g["grid_ratio_inside_max"] >= 1


def test_glued_verdicts_agree_with_numbers(g):
    ss, h, n, e = g["sweep_s"], g["hidden"], g["heads"], g["expansion"]
    exact_ok = g["exact_err_f64"] < 1e-12 and g["exact_err_f32"] < 1e-5
    largest_exact = (g["largest_memeff"] == [e * s * h for s in ss] and g["largest_bpt"] == [s * h for s in ss]
                     and g["largest_vanilla"] == [n * s * s for s in ss])
    c = g["block"]
    formula_is_largest = all([4 * x for x in g[f"largest_{m}"]] == [formula_bytes(m, s, h, n, c, 4) for s in ss]
                             for m in METHODS)
    # Judged on training memory, with the thresholds the chapter states (2 = the low end of "2-4x").
    p = g["peak_train"]
    train = lengths(ss, {"memeff": p["메모리 효율"], "bpt": p["BPT"]}, p["표준"][-1])
    r_train = train["bpt"] / train["memeff"]
    order = all(p["표준"][i] > p["메모리 효율"][i] > p["BPT"][i] for i in range(len(ss)))

    def verdict(held, partial=False):
        return "held" if held else "partial" if partial else "failed"

    expected = {
        "main": verdict(largest_exact and set(g["largest_ratio"]) == {e} and exact_ok),
        "exact": verdict(exact_ok),
        "calculator": verdict(formula_is_largest),
        "longer_than_memeff": verdict(r_train >= 2, r_train > 1),
        # The 32x depends on the paper's memory budget, which a one-layer toy does not reproduce.
        "longer_than_vanilla": "untested",
        "training": verdict(order),
    }
    for key, value in expected.items():
        assert g[f"claim_{key}_verdict"] == value, key
    assert g["headline_verdict"] == "재현됨"
    assert not math.isnan(g["time_total"])
