"""The Graph of Thoughts chapter's claims, asserted from the values it glued.

Exact claims are tight. Volume and latency found by graph search equal the closed forms of the
paper's table 2 (chain N/N, k chains N/k, k-ary tree of depth d: d/d, tree + mirrored tree: 2d/N).
The request counts are the official repository's graphs (ToT 2/4/4, GoT 3S − 1 = 5/11/23), and the
cost of ToT and GoT at P = 128 is recomputed here from the chapter's token rule (a digit, an English
word or a punctuation mark is one token; a list of m digits 2m + 1 tokens), the static template
counts and the GPT-3.5 prices: the prompt is paid once per request, the answer n times.

The simulated-LLM claims use the book's rule over three seeds, with the thresholds fixed before
looking: GoT below ToT at α = 2, P = 128 (held only if `seed_effect(...).clear`, partial if only the
mean is lower); ToT clearly below GoT at α = 1 and GoT clearly below ToT at the largest α; GoT clearly
below CoT and IO at α = 2, P = 64. The cost claim is held only at GoT/ToT ≤ 0.69, else partial.

Each bug below was injected into the chapter and run; the chapter's own asserts were removed
for the run where they would stop it first, so that the claim test alone is shown to catch it.

Plausible bugs this test catches:
- the volume counts only the ancestors, not the thought itself (``len(reached) - 1``): the chapter's
  hand checks raise (test_no_errors_or_stderr); without them test_volume_and_latency_are_exact fails
  (ToT volume 3, not the depth 4).
- the prompt's template charged once per answer instead of once per request
  (``per_problem * n * fixed`` in ``bill``): test_costs_follow_the_token_rule fails (ToT at P = 128
  costs about three times the rule's $0.049).
- GoT without its split request (the ``llm.record("split", ...)`` line dropped): the chapter's
  request-count assert raises; without it test_request_counts_are_the_repository_graphs fails
  (22 requests at P = 128, not 3S − 1 = 23).
"""
import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/alignment/graph_of_thoughts"
STATIC = {"sort": 504, "improve": 947, "merge": 153, "split": {32: 270, 64: 480, 128: 877}}
PROMPT, ANSWER = 0.0015 / 1000, 0.002 / 1000


def tokens(m):
    return 2 * m + 1


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def clearly_lower(low, high):
    effect = seed_effect(high, low)
    return effect.clear and effect.mean > 0


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_setup(g):
    assert g["n_seeds"] >= 3
    assert g["n_lists"] >= 100
    assert g["alphas"][0] == 1.0 and g["alphas"][-1] > 2.0


def test_volume_and_latency_are_exact(g):
    k, d = g["topo_k"], g["topo_depth"]
    n = sum(k ** i for i in range(1, d + 1))
    assert (g["topo_cot_n"], g["topo_cot_volume"], g["topo_cot_latency"]) == (n, n, n)
    assert (g["topo_sc_volume"], g["topo_sc_latency"]) == (n // k, n // k)
    assert (g["topo_tot_n"], g["topo_tot_volume"], g["topo_tot_latency"]) == (n, d, d)
    n_got = n + sum(k ** i for i in range(d))
    assert (g["topo_got_n"], g["topo_got_volume"], g["topo_got_latency"]) == (n_got, n_got, 2 * d)
    assert g["topo_all_match"] == "예" and g["topo_grid_size"] >= 12
    assert g["claim_volume_verdict"] == "held"


def test_request_counts_are_the_repository_graphs(g):
    assert [g[f"requests_tot_p{P}"] for P in (32, 64, 128)] == [2, 4, 4]
    assert [g[f"requests_got_p{P}"] for P in (32, 64, 128)] == [3 * (P // 16) - 1 for P in (32, 64, 128)]
    assert g["requests_io_p128"] == g["requests_cot_p128"] == 1


def test_costs_follow_the_token_rule(g):
    P = 128
    tot = (STATIC["sort"] + tokens(P)) * PROMPT + 20 * tokens(P) * ANSWER
    tot += 3 * ((STATIC["improve"] + 2 * tokens(P) + 3) * PROMPT + 20 * tokens(P) * ANSWER)
    assert g["cost_tot_p128"] == pytest.approx(tot, rel=1e-9)
    got = (STATIC["split"][P] + tokens(P)) * PROMPT      # its JSON answer is added below
    got += 8 * ((STATIC["sort"] + tokens(16)) * PROMPT + 5 * tokens(16) * ANSWER)
    for count, m in ((4, 32), (2, 64), (1, 128)):       # merges: two lists of m/2 and both lengths
        digits = len(str(m // 2)) + len(str(m))
        got += count * ((STATIC["merge"] + 2 * tokens(m // 2) + digits) * PROMPT + 10 * tokens(m) * ANSWER)
    for count, m, n in ((4, 32, 5), (2, 64, 5), (1, 128, 10)):
        got += count * ((STATIC["improve"] + 2 * tokens(m) + len(str(m))) * PROMPT + n * tokens(m) * ANSWER)
    split_answer = g["cost_got_p128"] - got
    # the split answer is 8 lists of 16 in JSON ('"List i": [...]'): between 8 × 33 and 8 × 40 tokens
    assert 8 * 33 * ANSWER < split_answer < 8 * 40 * ANSWER
    assert g["cost_ratio_p128"] == pytest.approx(g["cost_got_p128"] / g["cost_tot_p128"])
    assert sum(g["cost_parts_tot_p128"]) == pytest.approx(g["cost_tot_p128"])


def test_cost_verdict(g):
    ratio = g["cost_ratio_p128"]
    assert g["claim_cost_verdict"] == ("held" if ratio <= 1 - g["paper_cost_cut_vs_tot_p128"] else "partial")
    # without the repeated few-shot examples GoT is the cheaper graph: the examples are the reason
    assert g["cost_ratio_no_static_p128"] < ratio
    assert g["static_share_got_p128"] > 0.5


def test_main_claim_follows_the_seeds(g):
    got, tot = g["err_got_a20_p128_seeds"], g["err_tot_a20_p128_seeds"]
    assert len(got) == len(tot) == g["n_seeds"]
    effect = seed_effect(tot, got)
    expected = "held" if clearly_lower(got, tot) else "partial" if effect.mean > 0 else "failed"
    assert g["claim_main_verdict"] == expected
    assert g["got_wins_seeds_a20"] == sum(a < b for a, b in zip(got, tot))
    # IO, which sorts the whole list in one answer, is far worse than both
    assert g["err_io_a20_p128"] > 1.2 * max(g["err_got_a20_p128"], g["err_tot_a20_p128"])


def test_decomposition_pays_only_when_errors_grow_fast(g):
    high = round(10 * g["alphas"][-1])
    tot_low = clearly_lower(g["err_tot_a10_p128_seeds"], g["err_got_a10_p128_seeds"])
    got_high = clearly_lower(g[f"err_got_a{high}_p128_seeds"], g[f"err_tot_a{high}_p128_seeds"])
    assert g["claim_alpha_verdict"] == ("held" if tot_low and got_high else "partial" if tot_low or got_high
                                        else "failed")
    assert tot_low and got_high
    # GoT's error relative to ToT falls as α grows
    ratios = [g[f"err_got_a{round(10 * a)}_p128"] / g[f"err_tot_a{round(10 * a)}_p128"] for a in g["alphas"]]
    assert ratios == sorted(ratios, reverse=True)


def test_got_beats_io_and_cot_at_p64(g):
    got = g["err_got_a20_p64_seeds"]
    beats = [clearly_lower(got, g[f"err_{name}_a20_p64_seeds"]) for name in ("cot", "io")]
    assert g["claim_io_cot_verdict"] == ("held" if all(beats) else "partial" if any(beats) else "failed")
    assert all(beats)
    assert 0 < g["median_cut_cot_p64"] < g["median_cut_io_p64"] < 1


def test_gpt35_numbers_are_not_measured(g):
    assert g["claim_gpt35_verdict"] == "untested"
    assert (g["paper_median_cut_vs_tot_p128"], g["paper_cost_cut_vs_tot_p128"]) == (0.62, 0.31)
    assert (g["paper_median_cut_vs_cot_p64"], g["paper_median_cut_vs_io_p64"]) == (0.65, 0.83)
