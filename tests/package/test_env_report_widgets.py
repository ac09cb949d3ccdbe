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
    table = report.claims_markdown([report.Claim("k", "주장", "측정 1.0", "partial")])
    assert "| 주장 | 측정 1.0 | **부분 재현** |" in table


def test_report_claims_glues_the_headline():
    report.report_claims([report.Claim("a", "첫 주장", "값 1", "held"),
                          report.Claim("b", "둘째", "값 2", "failed")])
    assert report.GLUED["headline_verdict"] == "재현됨"
    assert report.GLUED["claim_b_verdict"] == "failed"


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
