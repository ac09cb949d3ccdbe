"""Seed, device and scale, set once in the first code cell of every chapter.

`scale()` is ``"toy"`` on a CPU (the book's build machine: 2 cores, each chapter under a
minute) and ``"gpu"`` when CUDA is available, so a chapter reads its sizes with
``pick(toy=..., gpu=...)`` and the same notebook runs larger on Colab or a lent GPU.
``MLBOOK_SCALE`` and ``MLBOOK_DEVICE`` override the automatic choice.
"""
import os
import random

import numpy as np
import torch

SCALES = ("toy", "gpu")


def configure_threads() -> int:
    """Give torch one CPU thread per kernel (``MLBOOK_THREADS`` or ``OMP_NUM_THREADS`` overrides).

    Why one: the toy experiments are small tensors where a second thread gains little, and
    every way of running the book (the parallel build, a plain ``jupyter-book build``,
    ``jupyter execute``, a reader's Jupyter beside other work) may share the cores. Several
    OpenMP threads per kernel on a busy machine spin against each other and slow a chapter
    down several-fold; one thread keeps its time the same, busy or idle. NumPy's BLAS and
    scikit-learn's OpenMP pools get the same limit: a logistic-regression probe on 50 rows took
    0.66 s with two BLAS threads on a busy machine and 0.02 s with one. Called when `mlbook` is
    imported, so no environment variable has to be set beforehand.
    """
    wanted = os.environ.get("MLBOOK_THREADS") or os.environ.get("OMP_NUM_THREADS") or "1"
    threads = max(1, int(wanted))
    torch.set_num_threads(threads)
    try:  # only possible before the first parallel op; later calls keep the existing pool
        torch.set_num_interop_threads(threads)
    except RuntimeError:
        pass
    # Pools already loaded (NumPy's BLAS, through torch) are limited now; SciPy's BLAS and
    # scikit-learn's OpenMP load later and read these variables when they do.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, str(threads))
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn brings threadpoolctl; without it NumPy keeps its own pool
        pass
    else:
        threadpool_limits(threads)
    return threads


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch; return a torch generator for explicit sampling."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def device() -> torch.device:
    """The device a chapter computes on: CUDA when present unless MLBOOK_DEVICE says otherwise."""
    name = os.environ.get("MLBOOK_DEVICE")
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def scale() -> str:
    """``"toy"`` or ``"gpu"``: how large the chapter's experiments should be."""
    name = os.environ.get("MLBOOK_SCALE")
    if name is None:
        name = "gpu" if device().type == "cuda" else "toy"
    if name not in SCALES:
        raise ValueError(f"MLBOOK_SCALE는 {SCALES} 중 하나여야 합니다: {name!r}")
    return name


def pick(toy, gpu):
    """Return the toy-scale value on a CPU and the larger one on a GPU."""
    return gpu if scale() == "gpu" else toy


def progress_enabled() -> bool:
    """Progress bars are on for readers and off in the book build (MLBOOK_PROGRESS=0)."""
    return os.environ.get("MLBOOK_PROGRESS", "1") != "0"


def describe() -> str:
    """One Korean line for the paper card: where and at what scale this run happened."""
    dev = device()
    where = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"CPU {torch.get_num_threads()}스레드"
    return f"{where}, 규모 {scale()}, torch {torch.__version__}"
