"""Data that needs no download: scikit-learn's bundled digits, ready as torch tensors."""
import torch


def digits(seed: int = 0, test_fraction: float = 0.25, device="cpu"):
    """The 1,797 8×8 digit images that ship with scikit-learn, scaled to [0, 1].

    Returns ``(X_train, y_train, X_test, y_test)``; X has shape (n, 64), y holds 0–9.
    The split is a seeded permutation, so every chapter that uses it sees the same one.
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    X = torch.tensor(data.data, dtype=torch.float32) / 16.0
    y = torch.tensor(data.target, dtype=torch.long)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_test = int(len(y) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return X[train].to(device), y[train].to(device), X[test].to(device), y[test].to(device)
