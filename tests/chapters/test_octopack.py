"""The OctoPack chapter's claims, asserted from the values it glued.

Exact: the CommitPackFT message filter follows the official repository's two scripts
(dataset/commitpackft/commitpackft_filters1.py, then commitpackft_filters2.py, commit e17a8f6),
so each hand-written message must hit the rule the repository's code gives it (asserted below
from this file's own copy of the expectations, cross-checked against the repository's
functions while writing the chapter). The pass@k estimator equals brute-force counting over
every k-subset for n <= 8, and its expectation under Binomial(n, p) equals 1 - (1 - p)^k.

Measured on the constructed toy (thresholds from the issue, fixed before looking): held-out
Fix pass@1 with commits > synthesis-only + 0.5 (seed_effect of the paired differences minus
0.5 is clear), and Synthesize pass@1 >= 0.95 for both models on every seed. HumanEval's
46.2% was not measured: "untested".

Plausible bugs this test catches:
- the verb rule without the trailing space (startswith(verb) instead of startswith(verb + " ")):
  "Fixed off-by-one ..." passes as "fix..." and "Plug the memory leak ..." as "plug".
  Injected: test_filter_follows_the_repository and test_filter_keeps_the_cleaned_subject fail.
- the second script reading the raw subject instead of the one the first script cleaned
  (stage1's cleaned subject discarded): every decision stays the same, but "[docs] Clarify ..."
  and "parser: Handle ..." reach training with their tags. Injected:
  test_filter_keeps_the_cleaned_subject fails (the only test that sees it).
- pass_at_k with range(n - c, n + 1) (one factor too many). Injected: the chapter's
  brute-force check raises, the run leaves no notebook, test_no_errors_or_stderr fails.
- commit examples whose target is the old (buggy) program instead of the fixed one. Injected:
  the chapter's demo assert raises (test_no_errors_or_stderr). With that assert removed, the
  toy still measures Fix pass@1 = 1.0 for the commit model, because the evaluation problems are
  built by the same wrong function (the model learns to copy, and copying is scored right);
  only test_commit_example_targets_the_fixed_program fails, from the glued demo example.
Each bug was injected into the chapter, the chapter run again, and this file run on it.
"""
import pytest

from mlbook.report import seed_effect
from tests.glue import error_outputs, glued_values

DOC = "book/alignment/octopack"
SHA = "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"
# What the repository's code does with each hand-written subject (None: kept).
EXPECTED = {
    "Add a retry loop around the socket connect call": None,
    "Speed up the JSON encoder for long lists": None,
    "[docs] Clarify the install steps for Windows users": None,
    "parser: Handle empty lines in the tokenizer loop": None,
    "Bump the version to 2.4.1 for the release @0.95": None,
    "Bump the version to 2.4.1 for the release @0.5": "bump",
    "fix off-by-one error in the pagination helper": "lowercase",
    "Fixed off-by-one error in the pagination helper": "not_imperative",
    "Plug the memory leak in the image decoder": "not_imperative",
    "Update readme": "length",
    "Fix #123: crash when the config file is empty": "hash_sign",
    "Merge branch 'main' into feature-login-page": "bad_phrase",
    f"Revert commit {SHA} in the parser": "full_sha",
    "Add a check for i in the range loop": "first_person",
    "Fix swipe gesture on the image carousel": "wip",
    "Fix bug 1234 in the session timeout handler": "ticket",
    "Add a link to https://example.com in the footer": "url",
    "Fix the typo [ci skip]": "few_words",
    "Add retries to the uploader, thanks to Kim for the patch": "thanks",
    "Fix rounding in the core_module helper functions": "file_name",
    "Rename the helper to make its purpose clear": "unchanged",
}


@pytest.fixture(scope="module")
def g():
    return glued_values(DOC)


def mean(values):
    return sum(values) / len(values)


def test_no_errors_or_stderr():
    assert error_outputs(DOC) == []


def test_filter_follows_the_repository(g):
    assert g["case_reasons"] == EXPECTED
    assert g["n_case_matches"] == g["n_cases"] == len(EXPECTED)
    assert g["n_kept_cases"] == sum(v is None for v in EXPECTED.values())
    assert g["dead_rules"] == "예"


def test_filter_keeps_the_cleaned_subject(g):
    # tags and scopes are cut before the second script reads the subject; the kept text is the cleaned one
    assert g["kept_subjects"] == [
        "Add a retry loop around the socket connect call",
        "Speed up the JSON encoder for long lists",
        "Clarify the install steps for Windows users",
        "Handle empty lines in the tokenizer loop",
        "Bump the version to 2.4.1 for the release",
    ]
    # the stdlib commit passes; the same change described as "Update colorsys.py" hits the file-name rule
    assert g["commit_reason"] == "남음"
    assert g["lazy_reason"] == "file_name"


def test_commit_example_targets_the_fixed_program(g):
    # program (add1, dbl) with its second step broken to neg: the code slots hold the broken
    # program, the instruction names the right op, the target is the fixed program
    assert g["commit_demo"] == {"input": ["add1", "neg", "change", "step2", "to", "dbl"],
                                "target": ["add1", "dbl"]}


def test_pass_at_k_is_exact(g):
    assert g["passk_checked"] == sum((n + 1) * n for n in range(1, 9))     # every (n, c, k), n <= 8
    assert g["passk_worst"] < 1e-12
    assert g["passk_truth"] == pytest.approx(1 - 0.9 ** 5, abs=1e-12)
    assert g["passk_unbiased_mean"] == pytest.approx(g["passk_truth"], abs=1e-12)
    assert g["passk_plugin_mean"] < g["passk_truth"] - 0.02                 # the plug-in estimate is biased low


def test_toy_is_the_one_described(g):
    assert g["n_programs"] == 64 and g["n_behaviours"] == 52
    assert g["n_seeds"] >= 3
    assert g["n_samples"] == 20 and g["temperature"] == 0.2
    for key in ("synth_only_fix_p1", "commits_fix_p1", "synth_only_synthesize_p1", "commits_synthesize_p1"):
        assert len(g[key]) == g["n_seeds"]
        assert all(0.0 <= v <= 1.0 for v in g[key])
    for key in ("synth_only_fix", "commits_fix"):
        assert all(p5 >= p1 - 1e-12 for p1, p5 in zip(g[f"{key}_p1"], g[f"{key}_p5"]))   # pass@5 >= pass@1


def test_commits_teach_fixing(g):
    commits, synth = g["commits_fix_p1"], g["synth_only_fix_p1"]
    assert all(c > s + 0.5 for c, s in zip(commits, synth))
    assert seed_effect(commits, [s + 0.5 for s in synth]).clear
    # the synthesis-only model's few Fix passes come from the second step, whose op sits where
    # the synthesis instruction puts the second op
    assert g["synth_only_fix_step2"] > g["synth_only_fix_step1"]


def test_synthesis_is_kept(g):
    assert min(g["synth_only_synthesize_p1"] + g["commits_synthesize_p1"]) >= 0.95
    assert g["synth_min"] >= 0.95


def test_temperature_sweep(g):
    p1 = g["sweep_commits_p1"]
    assert p1[-1] < p1[0]                      # hotter sampling loses pass@1
    p5 = g["sweep_synth_only_p5"]
    assert p5[-1] > p5[0]                      # and gives pass@5 more to find


def test_glued_verdicts_agree_with_numbers(g):
    commits, synth = g["commits_fix_p1"], g["synth_only_fix_p1"]
    effect = seed_effect(commits, [s + g["fix_margin"] for s in synth])
    expected = {
        "fix": "held" if effect.clear and effect.mean > 0 else "failed",
        "synth": "held" if min(g["synth_only_synthesize_p1"] + g["commits_synthesize_p1"]) >= 0.95 else "failed",
        "filter": "held" if g["n_case_matches"] == g["n_cases"] else "failed",
        "passk": "held" if g["passk_worst"] < 1e-12
                 and abs(g["passk_unbiased_mean"] - g["passk_truth"]) < 1e-12 else "failed",
        "humaneval": "untested",
    }
    for key, value in expected.items():
        assert g[f"claim_{key}_verdict"] == value, key
    assert g["headline_verdict"] == "재현됨"
    assert "모든 시드에서 문턱값을 넘고" in g["fix_sentence"]
