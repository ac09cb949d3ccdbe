"""Min-cost injective matching of K predictions to G targets, by brute force over all assignments.

Semantic-SAM matches its K output masks to every ground-truth mask that contains the click
(Hungarian matching); for the toy's K, G ≤ 6 the exact minimum over all injective maps is cheap
(at most 6!/0! = 720 maps), needs no solver and keeps the loss differentiable in torch: the
minimum of sums of costs is a sum of costs of one map.

For a cost matrix C (K × G) and m = min(K, G), a map σ pairs m predictions with m distinct
targets; its cost is Σ C[k, σ(k)] over the matched pairs, and ``min_cost_assignment`` returns
min_σ of that sum (the same optimum as ``scipy.optimize.linear_sum_assignment``).
"""
from functools import lru_cache
from itertools import permutations

import numpy as np


@lru_cache(maxsize=None)
def assignments(K: int, G: int) -> tuple[np.ndarray, np.ndarray]:
    """Every injective matching of K predictions to G targets as index arrays ``(pred, target)``.

    Both have shape (P, m) with m = min(K, G) and P = max(K, G)! / (max(K, G) − m)!:
    row p pairs prediction ``pred[p, i]`` with target ``target[p, i]``. When K ≥ G every target
    is matched (target[p] = 0…G−1); when K < G every prediction is (pred[p] = 0…K−1).
    """
    m = min(K, G)
    chosen = np.array(list(permutations(range(max(K, G)), m)), dtype=np.int64).reshape(-1, m)
    fixed = np.broadcast_to(np.arange(m), chosen.shape)
    pred, target = (chosen, fixed) if K >= G else (fixed, chosen)
    pred.flags.writeable = target.flags.writeable = False
    return pred, target


def min_cost_assignment(cost):
    """Exact min over injective matchings of Σ cost[k, σ(k)], for cost of shape (..., K, G).

    Works on NumPy arrays and torch tensors alike (batched over the leading axes). Returns
    ``(total, assign)``: the minimal total cost (shape (...), differentiable for tensors) and
    ``assign`` (..., K), the target index of each prediction under an optimal map, −1 for a
    prediction left unmatched (K > G). Ties go to the first map in ``assignments`` order.
    """
    K, G = cost.shape[-2:]
    pred, target = assignments(K, G)
    if isinstance(cost, np.ndarray):
        totals = cost[..., pred, target].sum(-1)              # (..., P)
        best = totals.argmin(-1)
        total = np.take_along_axis(totals, best[..., None], -1)[..., 0]
        best = np.asarray(best)
    else:
        import torch

        totals = cost[..., torch.tensor(pred), torch.tensor(target)].sum(-1)
        total, best_t = totals.min(-1)
        best = best_t.cpu().numpy()
    assign = np.full(best.shape + (K,), -1, dtype=np.int64)
    np.put_along_axis(assign, pred[best], target[best], axis=-1)
    return total, assign
