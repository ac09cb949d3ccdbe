"""Tiny models that several chapters train."""
from torch import nn


class MLP(nn.Sequential):
    """A plain multilayer perceptron: ``MLP([64, 256, 10])`` is Linear-ReLU-Linear."""

    def __init__(self, sizes: list[int], activation=nn.ReLU):
        layers = []
        for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(d_in, d_out))
            if i < len(sizes) - 2:
                layers.append(activation())
        super().__init__(*layers)
