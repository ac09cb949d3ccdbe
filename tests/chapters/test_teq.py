"""The TEQ chapter's claims, asserted from the values it glued.

The transform is exact, so folding 1/s into the LayerNorm (SmoothQuant's fold_smoothing)
must keep the FP output to float32 rounding (relative 1e-5), and the folded, quantized layer
must give what teq_forward gave in training, for a random s and for the learned one.
The W3 group-32 claim uses the threshold the chapter fixed before looking: err(TEQ) <
0.85 × err(RTN) on every seed, clearly beyond the seed spread. With the round-only STE it
holds and lands near the best grid-searched s = max|X|^p; with the identity STE of Neural
Compressor it does not: every s grows together (log s barely spreads), which changes nothing.
So the headline is "partial". LLM accuracy was not measured: "untested".

Plausible bugs this test catches:
- teq_forward multiplies x by s instead of dividing (x·s with W·s, not an equivalent
  transform): the chapter's check cell raises (test_no_errors_or_stderr; every glued test
  errors); with its asserts removed, test_transform_is_exact, test_round_ste_beats_rtn,
  test_identity_ste_learns_nothing_useful and test_glued_verdicts_agree_with_numbers fail
- teq_forward quantizes W before scaling it (Q(W)·s instead of Q(W·s): s then cannot move
  the grid): the check cell raises; with its asserts removed, the same four tests fail
- train_scales passes ste="identity" for both rows (the STE argument ignored):
  test_round_ste_beats_rtn, test_identity_ste_learns_nothing_useful and
  test_glued_verdicts_agree_with_numbers fail
Each bug was injected and the chapter run with tools/run_chapter.py, then this file run.
"""
import pytest

from tests.glue import error_outputs, glued_values

DOC = "book/quantization/teq"


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def mean(values):
    return sum(values) / len(values)


def clear_below(a, b):
    """Every a[i] < b[i] and the mean gap beyond twice its standard error (seed_effect.clear)."""
    diffs = [y - x for x, y in zip(a, b)]
    spread = (sum((d - mean(diffs)) ** 2 for d in diffs) / (len(diffs) - 1)) ** 0.5 / len(diffs) ** 0.5
    return all(d > 0 for d in diffs) and mean(diffs) > 2 * spread


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_transform_is_exact(g):
    # random s on every seed, then the learned s on every seed
    assert len(g["exact_fp"]) == len(g["exact_q"]) == 2 * g["n_seeds"]
    assert max(g["exact_fp"]) <= 1e-5
    assert max(g["exact_q"]) <= 1e-5
    assert g["exact_word"] == "예"


def test_round_ste_beats_rtn(g):
    rtn, teq = g["err_rtn"], g["err_teq_round"]
    assert g["n_seeds"] >= 3 and len(rtn) == len(teq) == g["n_seeds"]
    assert clear_below(teq, [0.85 * e for e in rtn])
    # W3 g32 errors: RTN is poor, not broken; learning reaches the grid-search bottom
    assert 0.1 < mean(rtn) < 0.3
    for t, best in zip(teq, g["err_grid_best"]):
        assert t < 1.1 * best
    # the grid's p = 0 is RTN itself
    assert g["err_grid"]["0.0"] == pytest.approx(rtn)
    assert all(0 < p < 0.75 for p in g["best_p"])


def test_identity_ste_learns_nothing_useful(g):
    rtn, ident = g["err_rtn"], g["err_teq_identity"]
    for r, i in zip(rtn, ident):
        assert abs(i - r) < 0.02 * r
    # s moved (all together), but its channel-to-channel spread stayed near zero
    assert g["s_mean_identity_mean"] > 1.2
    assert g["s_spread_identity_mean"] < 0.2 * g["s_spread_round_mean"]


def test_parameter_share(g):
    assert g["trainable_share_percent"] == pytest.approx(100 * (6 * 4096 + 11008) * 32 / 6.74e9)
    assert g["trainable_share_percent"] < 0.1
    assert g["toy_share_percent"] == pytest.approx(100 / 256)


def test_glued_verdicts_agree_with_numbers(g):
    rtn = [0.85 * e for e in g["err_rtn"]]
    round_ok = clear_below(g["err_teq_round"], rtn)
    ident_ok = clear_below(g["err_teq_identity"], rtn)
    expected = {
        "teq": "held" if round_ok and ident_ok else "partial" if round_ok or ident_ok else "failed",
        "exact": "held" if max(g["exact_fp"] + g["exact_q"]) <= 1e-5 else "failed",
        "params": "held",
        "accuracy": "untested",   # no LLM, no GPTQ
    }
    for key, value in expected.items():
        assert g[f"claim_{key}_verdict"] == value, key
    assert g["headline_verdict"] == "부분 재현"
    assert g["beats_round"] == "예" and g["beats_identity"] == "아니오"
