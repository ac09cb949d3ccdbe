"""mlbook.forgetting: the accuracy matrix and the forgetting numbers read from it, on hand cases."""
import pytest
import torch

from mlbook.forgetting import AccuracyMatrix, evaluate


def run():
    """Task a learned first, then b, then c; a is partly relearned at the end."""
    m = AccuracyMatrix()
    m.record("a", {"a": 0.9})
    m.record("b", {"a": 0.5, "b": 0.8})
    m.record("c", {"a": 0.6, "b": 0.2, "c": 0.7})
    return m


def test_average_is_over_the_tasks_of_a_stage():
    m = run()
    assert m.average() == pytest.approx((0.6 + 0.2 + 0.7) / 3)
    assert m.average("b") == pytest.approx(0.65)
    assert m.average(tasks=["a", "b"]) == pytest.approx(0.4)


def test_forgetting_since_a_stage_and_from_the_best_earlier_accuracy():
    m = run()
    assert m.forgetting("a", since="a") == pytest.approx(0.3)
    # Chaudhry et al.: the best earlier accuracy (0.9 at stage a), not the latest (0.5 at b).
    assert m.forgetting("a") == pytest.approx(0.3)
    assert m.forgetting("b") == pytest.approx(0.6)
    assert m.mean_forgetting(["a", "b"]) == pytest.approx(0.45)
    assert m.mean_forgetting(["a", "b"], since="b") == pytest.approx((-0.1 + 0.6) / 2)


def test_average_drop_runs_over_every_later_stage_as_luo_et_al_fg():
    m = run()
    # a: drops 0.4 (stage b) and 0.3 (stage c) from 0.9; the final drop alone would be 0.3.
    assert m.average_drop(["a"], since="a") == pytest.approx(0.35)
    assert m.average_drop(["a"], since="a", relative=True) == pytest.approx((0.4 / 0.9 + 0.3 / 0.9) / 2)
    # Over tasks too: b drops 0.6 from 0.8 at its only later stage.
    assert m.average_drop(["a", "b"], since="b", relative=True) == pytest.approx((-0.1 / 0.5 + 0.6 / 0.8) / 2)
    with pytest.raises(ValueError):
        m.average_drop(["a"], since="c")


def test_a_task_first_seen_at_the_end_has_no_forgetting_and_stages_are_unique():
    m = run()
    with pytest.raises(ValueError):
        m.forgetting("c")
    with pytest.raises(ValueError):
        m.record("a", {"a": 1.0})
    assert m["b", "a"] == 0.5


def test_evaluate_scores_every_task():
    model = torch.nn.Identity()
    X = torch.eye(3)
    tasks = {"right": (X, torch.tensor([0, 1, 2])), "half": (X[:2], torch.tensor([0, 0]))}
    assert evaluate(model, tasks) == {"right": 1.0, "half": 0.5}
