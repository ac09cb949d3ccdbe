"""Measurements shared by the efficiency chapters: largest tensor, peak memory, timing, growth."""
import statistics
import time
import weakref

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten


class LargestTensor(TorchDispatchMode):
    """Record the largest tensor any aten op produces while the mode is active.

    This measures what an algorithm materialises (an n×n score matrix, an n×4d FFN
    hidden) independently of the allocator, so it is exact and identical on CPU and GPU.
    """

    def __init__(self):
        super().__init__()
        self.numel = 0
        self.nbytes = 0
        self.op = None

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor) and t.numel() > self.numel:
                self.numel = t.numel()
                self.nbytes = t.numel() * t.element_size()
                self.op = str(func)
        return out


def largest_tensor(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)``; return ``(result, numel of the largest produced tensor)``."""
    with LargestTensor() as probe:
        result = fn(*args, **kwargs)
    return result, probe.numel


class PeakMemory(TorchDispatchMode):
    """Peak bytes held at once by the tensors that ops create while the mode is active.

    Works the same on CPU and GPU, where the CPU allocator keeps no statistics. A new
    storage is counted when an op returns it and uncounted when Python frees it (torch
    keeps one Python object per storage, so a finalizer fires exactly then). Views and
    in-place results share a storage and add nothing; tensors that existed before the
    mode (inputs, weights) are not counted.
    """

    def __init__(self):
        super().__init__()
        self.live = 0
        self.peak = 0
        self._sizes = {}

    def _free(self, key):
        self.live -= self._sizes.pop(key)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        inputs = {t.untyped_storage().data_ptr()
                  for t in tree_flatten((args, kwargs))[0] if isinstance(t, torch.Tensor)}
        for t in tree_flatten(out)[0]:
            if not isinstance(t, torch.Tensor):
                continue
            storage = t.untyped_storage()
            key = storage.data_ptr()
            if key in inputs or key in self._sizes or storage.nbytes() == 0:
                continue
            self._sizes[key] = storage.nbytes()
            self.live += storage.nbytes()
            self.peak = max(self.peak, self.live)
            weakref.finalize(storage, self._free, key)
        return out


def peak_memory(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)``; return ``(result, peak bytes of tensors it created)``."""
    with PeakMemory() as probe:
        result = fn(*args, **kwargs)
    return result, probe.peak


def time_it(fn, *args, repeat: int = 5, warmup: int = 1, **kwargs) -> float:
    """Median wall time of ``fn(*args, **kwargs)`` in seconds (synchronising CUDA)."""
    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    for _ in range(warmup):
        fn(*args, **kwargs)
    sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args, **kwargs)
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def loglog_slope(xs, ys, x_min=None) -> float:
    """Least-squares slope p of log(y) = p·log(x) + b: the exponent of y ∝ x^p.

    `x_min` drops the points below it, where size-independent costs (call overhead,
    head dimension) still hide the growth.
    """
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    keep = xs >= x_min if x_min is not None else np.ones_like(xs, dtype=bool)
    return float(np.polyfit(np.log(xs[keep]), np.log(ys[keep]), 1)[0])
