"""mlbook.matching: brute-force min-cost injective matching, checked against SciPy's Hungarian solver."""
import numpy as np
import pytest
import torch
from scipy.optimize import linear_sum_assignment

from mlbook.matching import assignments, min_cost_assignment


@pytest.mark.parametrize("K, G", [(3, 3), (6, 3), (4, 2), (2, 5), (1, 4), (6, 6)])
def test_optimum_equals_linear_sum_assignment_on_random_matrices(K, G):
    rng = np.random.default_rng(K * 10 + G)
    for _ in range(50):
        cost = rng.normal(size=(K, G))
        total, assign = min_cost_assignment(cost)
        rows, cols = linear_sum_assignment(cost)
        assert total == pytest.approx(cost[rows, cols].sum(), abs=1e-12)
        # The returned map is injective, matches min(K, G) pairs and costs what it claims.
        matched = assign >= 0
        assert matched.sum() == min(K, G) and len(set(assign[matched])) == min(K, G)
        assert cost[np.flatnonzero(matched), assign[matched]].sum() == pytest.approx(total, abs=1e-12)


def test_hand_case_and_the_count_of_maps():
    # Greedy (row by row) would take 1 then pay 10; the optimum is 2 + 3 = 5.
    cost = np.array([[1.0, 2.0], [3.0, 10.0]])
    total, assign = min_cost_assignment(cost)
    assert total == 5 and assign.tolist() == [1, 0]
    # Three outputs, one target: the cheapest output takes it, the others stay unmatched.
    total, assign = min_cost_assignment(np.array([[4.0], [1.0], [7.0]]))
    assert total == 1 and assign.tolist() == [-1, 0, -1]
    assert len(assignments(3, 3)[0]) == 6 and len(assignments(6, 3)[0]) == 120 and len(assignments(2, 5)[0]) == 20


def test_batched_torch_cost_is_differentiable_and_matches_numpy():
    rng = np.random.default_rng(0)
    cost = rng.normal(size=(5, 3, 3))
    t = torch.tensor(cost, requires_grad=True)
    total, assign = min_cost_assignment(t)
    ref_total, ref_assign = min_cost_assignment(cost)
    assert np.allclose(total.detach().numpy(), ref_total) and (assign == ref_assign).all()
    for b in range(5):
        assert ref_total[b] == pytest.approx(min_cost_assignment(cost[b])[0])
    total.sum().backward()
    # The gradient of a min over maps is the indicator of the chosen map's pairs.
    expected = np.zeros_like(cost)
    for b in range(5):
        expected[b, np.arange(3), assign[b]] = 1
    assert np.array_equal(t.grad.numpy(), expected)
