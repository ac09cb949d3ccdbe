import numpy as np
import pytest
import torch

from mlbook import env, report, widgets


def test_pick_follows_the_scale(monkeypatch):
    monkeypatch.setenv("MLBOOK_SCALE", "toy")
    assert env.pick(toy=1, gpu=2) == 1
    monkeypatch.setenv("MLBOOK_SCALE", "gpu")
    assert env.pick(toy=1, gpu=2) == 2
    monkeypatch.setenv("MLBOOK_SCALE", "huge")
    with pytest.raises(ValueError):
        env.scale()


def test_seed_everything_makes_sampling_repeat():
    env.seed_everything(3)
    a = torch.randn(5)
    env.seed_everything(3)
    assert torch.equal(a, torch.randn(5))


def test_glue_stores_plain_python_numbers():
    report.glue("x", np.float32(0.5))
    report.glue("n", torch.tensor(7))
    assert type(report.GLUED["x"]) is float and report.GLUED["x"] == 0.5
    assert type(report.GLUED["n"]) is int and report.GLUED["n"] == 7


def test_verdict_and_claims_table():
    assert report.verdict(True) == "held"
    assert report.verdict(False, partial=True) == "partial"
    assert report.verdict(False) == "failed"
    with pytest.raises(ValueError):
        report.Claim("k", "주장", "측정", "maybe")
    table = report.claims_markdown([report.Claim("k", "주장", "측정 1.0", "partial"),
                                    report.Claim("s", "속도", "GPU에서 재지 않음", "untested")])
    assert "| 주장 | 측정 1.0 | 부분 재현 |" in table
    assert "| 속도 | GPU에서 재지 않음 | 재지 않음 |" in table
    # A pipe inside a cell (|E g|, p(x|y)) is escaped, so each row keeps exactly three cells.
    row = report.claims_markdown([report.Claim("p", "p(x|y)에서", "|E g| 0.3", "held")]).splitlines()[-1]
    assert row == r"| p(x\|y)에서 | \|E g\| 0.3 | 재현됨 |"


@pytest.mark.parametrize("cell", ["일치: True", "값 [0.7, 0.8]", "['a', 'b']", "없음: None"])
def test_claims_table_refuses_python_reprs(cell):
    with pytest.raises(ValueError):
        report.Claim("k", "주장", cell, "held")
    assert report.yes_no(True) == "예" and report.yes_no(False) == "아니오"
    report.Claim("k", "주장", "행렬 [n, n], 일치: " + report.yes_no(True), "held")


def test_seed_effect_is_clear_only_beyond_its_spread():
    clear = report.seed_effect([0.90, 0.88, 0.91], [0.80, 0.81, 0.79])
    assert clear.clear and abs(clear.mean - 0.0967) < 1e-3
    # one reversed seed (the LoRA "forgets less" pattern): not clear, whatever the mean
    assert not report.seed_effect([0.9, 0.9, 0.6], [0.7, 0.7, 0.7]).clear
    # a tiny gap against a large spread
    assert not report.seed_effect([0.51, 0.60, 0.50], [0.50, 0.50, 0.49]).clear
    # two seeds are never enough
    assert not report.seed_effect([0.9, 0.9], [0.1, 0.1]).clear
    assert "시드 3개" in clear.describe()


def test_gpu_table_reads_the_recorded_run_or_says_none(tmp_path, monkeypatch):
    monkeypatch.setenv("MLBOOK_ROOT", str(tmp_path))
    report.glue("gap", 0.25)
    assert "아직 하지 않았습니다" in report.gpu_table("nochapter", {"gap": "격차"}).data
    folder = tmp_path / report.GPU_RESULTS
    folder.mkdir(parents=True)
    record = report.gpu_record("ch", {"gap": 0.0625}, "NVIDIA H100", "abcdef1234567")
    (folder / "ch.json").write_text(__import__("json").dumps(record), encoding="utf-8")
    table = report.gpu_table("ch", {"gap": "격차"}).data
    assert "| 격차 | 0.25 | 0.0625 |" in table and "NVIDIA H100" in table and "abcdef1" in table


def test_report_claims_glues_the_headline():
    report.report_claims([report.Claim("a", "첫 주장", "값 1", "held"),
                          report.Claim("b", "둘째", "값 2", "failed")])
    assert report.GLUED["headline_verdict"] == "재현됨"
    assert report.GLUED["claim_b_verdict"] == "failed"
    assert report.GLUED["claim_b_label"] == "재현 안 됨"


def test_importing_mlbook_sets_one_torch_thread(monkeypatch):
    monkeypatch.delenv("MLBOOK_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    torch.set_num_threads(2)
    assert env.configure_threads() == 1 and torch.get_num_threads() == 1
    from threadpoolctl import threadpool_info
    assert {pool["num_threads"] for pool in threadpool_info()} == {1}   # NumPy's BLAS and OpenMP too
    monkeypatch.setenv("MLBOOK_THREADS", "2")
    assert env.configure_threads() == 2 and torch.get_num_threads() == 2
    env.configure_threads.__globals__["os"].environ.pop("MLBOOK_THREADS")
    env.configure_threads()


def test_checked_shows_korean_message_instead_of_running(monkeypatch):
    shown = []
    monkeypatch.setattr(widgets, "display", lambda obj: shown.append(obj.data))
    calls = []

    @widgets.checked(n=(1, 10))
    def draw(n):
        calls.append(n)
        return n

    assert draw(n=5) == 5
    assert draw(n=11) is None and draw(n="열") is None
    assert calls == [5]
    assert len(shown) == 2 and "1 이상 10 이하" in shown[0]


def test_blas_and_openmp_pools_loaded_after_mlbook_get_one_thread():
    """SciPy's BLAS and scikit-learn's OpenMP load after `mlbook`; they must not start two threads each."""
    import subprocess
    import sys

    code = ("import mlbook, sklearn.linear_model, scipy.linalg\n"
            "from threadpoolctl import threadpool_info\n"
            "print(sorted({pool['num_threads'] for pool in threadpool_info()}))")
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "MLBOOK_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[1]", out.stdout + out.stderr
