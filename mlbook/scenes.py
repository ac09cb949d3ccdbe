"""Synthetic scenes with exact labels, for the segmentation, grounding and relation chapters.

Two generators, both batched over ``n`` scenes, vectorised in NumPy and driven only by the
``numpy.random.Generator`` they are given (same generator state → same scenes):

- ``part_scene``: two rectangles on a dark background, each split into two parts of different
  grey levels. A click on a foreground pixel has three nested ground-truth masks,
  part ⊂ object ⊂ group (the group is both rectangles). Semantic-SAM's granularity levels.
- ``object_scene``: up to ``grid²`` objects, one per grid cell, each with a class (a digit glyph
  from scikit-learn's ``load_digits``), a colour, a box (cx, cy, size), a fixed nuisance vector
  and one spatial predicate per ordered pair. Grounding DINO 1.5 and RLIPv2.

Coordinates are pixels: x is the column (grows rightwards), y the row (grows downwards), so
"above" means a smaller y.
"""
from functools import lru_cache
from typing import NamedTuple

import numpy as np

LEVELS = ("part", "object", "group")
PREDICATES = ("left", "right", "above", "below")
LEFT, RIGHT, ABOVE, BELOW = range(4)
# Fully saturated colours, so under multiplicative rendering a glyph lives in the channels its
# colour lights up; the first four are the ones a 4 × 4 colour–digit toy uses.
PALETTE = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=np.float32)
COLOUR_NAMES = ("red", "green", "blue", "yellow", "magenta", "cyan")
GREYS = np.array([0.3, 0.55, 0.8, 1.0], dtype=np.float32)


# Part scenes ----------------------------------------------------------------------------------

class PartScene(NamedTuple):
    """A batch of part scenes (n scenes of size × size pixels)."""
    image: np.ndarray   # (n, size, size) float32: 0 background, a grey level per part
    parts: np.ndarray   # (n, size, size) int64: 0 background, 1–2 parts of object 1, 3–4 of object 2
    click: np.ndarray   # (n, 2) int64: (row, column) of a uniformly drawn foreground pixel
    masks: np.ndarray   # (n, 3, size, size) bool: the click's part, object and group masks


def _interval(rng, lo, hi, min_len):
    """Random integer intervals [start, start + length) inside [lo, hi) with length ≥ min_len."""
    length = rng.integers(min_len, hi - lo + 1)
    start = lo + rng.integers(0, hi - lo - length + 1)
    return start, length


def part_scene(rng: np.random.Generator, size: int = 16, n: int = 1) -> PartScene:
    """Draw ``n`` scenes of two non-touching rectangles, each cut into two parts, and one click each.

    The scene is cut along a random axis at a random line; each rectangle lies on its own side
    with a gap of at least one pixel, spans 4 pixels or more on both axes and is cut across its
    longer side into two parts of at least 2 pixels. The two parts of a rectangle get different
    grey levels from ``GREYS``. Masks for other clicks: ``nested_masks(scene.parts, clicks)``.
    """
    if size < 10:
        raise ValueError(f"size must be at least 10 to fit two rectangles of 4 pixels: {size}")
    rows, cols = np.arange(size)[None, :, None], np.arange(size)[None, None, :]
    axis = rng.integers(0, 2, n)                          # 0: objects stacked in rows, 1: side by side
    cut = rng.integers(5, size - 4, n)                    # object 1 in [0, cut − 1), object 2 in [cut, size)
    parts = np.zeros((n, size, size), dtype=np.int64)
    image = np.zeros((n, size, size), dtype=np.float32)
    for obj, (lo, hi) in enumerate(((np.zeros(n, int), cut - 1), (cut, np.full(n, size)))):
        along_start, along_len = _interval(rng, lo, hi, 4)
        across_start, across_len = _interval(rng, np.zeros(n, int), np.full(n, size), 4)
        r0 = np.where(axis == 0, along_start, across_start)
        c0 = np.where(axis == 0, across_start, along_start)
        h = np.where(axis == 0, along_len, across_len)
        w = np.where(axis == 0, across_len, along_len)
        r0, c0, h, w = (a[:, None, None] for a in (r0, c0, h, w))
        inside = (rows >= r0) & (rows < r0 + h) & (cols >= c0) & (cols < c0 + w)
        # Cut across the longer side, leaving each part at least 2 pixels long.
        long_len = np.maximum(h, w)
        split = 2 + np.floor(rng.random((n, 1, 1)) * (long_len - 3)).astype(np.int64)
        second = np.where(h >= w, rows >= r0 + split, cols >= c0 + split)
        label = 2 * obj + 1 + (inside & second)
        parts = np.where(inside, label, parts)
        grey = GREYS[np.argsort(rng.random((n, len(GREYS))), axis=1)[:, :2]]   # two distinct greys
        image = np.where(inside, np.where(second, grey[:, 1, None, None], grey[:, 0, None, None]), image)
    # A uniform foreground pixel: the largest of uniform scores over the foreground.
    flat = np.where(parts.reshape(n, -1) > 0, rng.random((n, size * size)), -1.0).argmax(1)
    click = np.stack([flat // size, flat % size], axis=1)
    return PartScene(image, parts, click, nested_masks(parts, click))


def nested_masks(parts: np.ndarray, click: np.ndarray) -> np.ndarray:
    """The part, object and group masks (n, 3, size, size) of a click (n, 2) on part labels (n, size, size).

    part: pixels with the clicked part's label; object: pixels of the clicked rectangle
    (labels 2o + 1 and 2o + 2); group: every foreground pixel. A background click has no masks.
    """
    label = parts[np.arange(len(parts)), click[:, 0], click[:, 1]][:, None, None]
    if (label == 0).any():
        raise ValueError("a click must be on a foreground pixel")
    part = parts == label
    obj = (parts > 0) & ((parts + 1) // 2 == (label + 1) // 2)
    return np.stack([part, obj, parts > 0], axis=1)


def click_map(click: np.ndarray, size: int) -> np.ndarray:
    """One-hot click images (n, size, size) float32, the second input channel of a promptable segmenter."""
    out = np.zeros((len(click), size, size), dtype=np.float32)
    out[np.arange(len(click)), click[:, 0], click[:, 1]] = 1
    return out


# Object scenes --------------------------------------------------------------------------------

class ObjectScene(NamedTuple):
    """A batch of object scenes (n scenes, m objects each)."""
    image: np.ndarray       # (n, 3, size, size) float32 in [0, 1], channels RGB
    classes: np.ndarray     # (n, m) int64: digit class of each object, 0…n_cls − 1
    boxes: np.ndarray       # (n, m, 3) float32: (cx, cy, box side) in pixels
    colours: np.ndarray     # (n, m) int64: index into PALETTE
    nuisance: np.ndarray    # (n, m, nuisance_dim) float32: fixed per object, standard normal
    relations: np.ndarray   # (n, m, m) int64: PREDICATES index of "i is ... of j", −1 on the diagonal


@lru_cache(maxsize=1)
def _glyphs() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 digits in [0, 1], sorted by class, and where each class starts."""
    from sklearn.datasets import load_digits

    data = load_digits()
    order = np.argsort(data.target, kind="stable")
    images = (data.images[order] / 16.0).astype(np.float32)
    starts = np.searchsorted(data.target[order], np.arange(11))
    images.flags.writeable = False
    return images, starts


def relations(boxes: np.ndarray) -> np.ndarray:
    """One predicate per ordered pair from box centres (..., m, 3) → (..., m, m) PREDICATES indices.

    With dx = cx_i − cx_j and dy = cy_i − cy_j, the larger of |dx|, |dy| picks the axis (ties go
    to the horizontal one) and its sign the side: "i is left of j" when |dx| ≥ |dy| and dx < 0,
    "above" when |dy| > |dx| and dy < 0 (rows grow downwards). So rel(i, j) = left exactly when
    rel(j, i) = right, and above exactly when below. The diagonal is −1.
    """
    dx = boxes[..., :, None, 0] - boxes[..., None, :, 0]
    dy = boxes[..., :, None, 1] - boxes[..., None, :, 1]
    rel = np.where(np.abs(dx) >= np.abs(dy), np.where(dx < 0, LEFT, RIGHT), np.where(dy < 0, ABOVE, BELOW))
    m = boxes.shape[-2]
    return np.where(np.eye(m, dtype=bool), -1, rel).astype(np.int64)


def _draw_objects(rng, n, n_obj, n_cls, n_colours, combos, distinct):
    """(class, colour) of every object, drawn from the allowed combos; see ``object_scene``."""
    if combos is None:
        combos = np.stack(np.meshgrid(np.arange(n_cls), np.arange(n_colours), indexing="ij"), -1).reshape(-1, 2)
    combos = np.asarray(combos, dtype=np.int64)
    if distinct:
        if len(combos) < n_obj:
            raise ValueError(f"distinct needs at least n_obj = {n_obj} combos, got {len(combos)}")
        pick = np.argsort(rng.random((n, len(combos))), axis=1)[:, :n_obj]
    else:
        pick = rng.integers(0, len(combos), (n, n_obj))
    return combos[pick, 0], combos[pick, 1]


def object_scene(rng: np.random.Generator, n_obj: int = 4, n_cls: int = 4, n: int = 1, *,
                 n_colours: int = 4, combos: np.ndarray | None = None, distinct: bool = False,
                 objects: np.ndarray | None = None, size: int = 32, grid: int = 4, min_side: int = 6,
                 nuisance_dim: int = 16, render: str = "additive") -> ObjectScene:
    """Draw ``n`` scenes of ``n_obj`` digit objects, each in its own cell of a grid × grid layout.

    Each object's (class, colour) is drawn uniformly from ``combos`` (an (r, 2) array of allowed
    pairs; default every pair of n_cls classes × n_colours colours), independently, or without
    repetition within a scene when ``distinct``; or it is given: ``objects`` (n, n_obj, 2) holds
    every object's (class, colour), e.g. a test scene whose distractors share the target's colour
    or class (``combos`` and ``distinct`` are then ignored). Its glyph is a random ``load_digits``
    image of that class, resized (nearest neighbour) to a square box of side s ∈ [min_side, size // grid]
    placed at a random offset inside its cell, so boxes never overlap and centres never coincide.

    Rendering inside a box, with glyph value g ∈ [0, 1] and colour c ∈ {0, 1}³:
      additive:        pixel = (g + c) / 2   — shape and colour add, the same glyph in every channel;
      multiplicative:  pixel = g · c         — the glyph appears only in the channels c lights up.
    Outside all boxes the image is 0. ``nuisance`` is a standard-normal vector drawn once per
    object: an appearance that carries no label, fixed for the object whenever features are read.
    """
    if render not in ("additive", "multiplicative"):
        raise ValueError(f"render must be 'additive' or 'multiplicative': {render!r}")
    cell = size // grid
    if not 1 <= n_obj <= grid * grid or not 1 <= min_side <= cell:
        raise ValueError(f"n_obj ≤ {grid * grid} objects and min_side ≤ {cell} pixels are needed")
    if objects is None:
        classes, colours = _draw_objects(rng, n, n_obj, n_cls, n_colours, combos, distinct)
    else:
        classes, colours = np.moveaxis(np.asarray(objects, dtype=np.int64), -1, 0)
        if classes.shape != (n, n_obj):
            raise ValueError(f"objects must have shape (n, n_obj, 2) = ({n}, {n_obj}, 2)")
    if classes.max() >= min(n_cls, 10) or colours.max() >= len(PALETTE):
        raise ValueError(f"classes must be < n_cls = {n_cls} ≤ 10 and colours < {len(PALETTE)}")

    # Layout: distinct cells, a side and an offset inside each cell.
    cells = np.argsort(rng.random((n, grid * grid)), axis=1)[:, :n_obj]
    side = rng.integers(min_side, cell + 1, (n, n_obj))
    x0 = (cells % grid) * cell + rng.integers(0, cell - side + 1)
    y0 = (cells // grid) * cell + rng.integers(0, cell - side + 1)
    boxes = np.stack([x0 + side / 2, y0 + side / 2, side], axis=-1).astype(np.float32)

    # Glyphs: sample an image of each class, then read it at box resolution.
    images, starts = _glyphs()
    count = starts[classes + 1] - starts[classes]
    glyph = images[starts[classes] + np.floor(rng.random((n, n_obj)) * count).astype(np.int64)]   # (n, m, 8, 8)
    pix = np.arange(size)
    u = (pix - y0[..., None]) * 8 // side[..., None]       # (n, m, size): glyph row of each image row
    v = (pix - x0[..., None]) * 8 // side[..., None]
    inside = ((u >= 0) & (u < 8))[..., :, None] & ((v >= 0) & (v < 8))[..., None, :]   # (n, m, size, size)
    b, o = np.arange(n)[:, None, None, None], np.arange(n_obj)[None, :, None, None]
    g = np.where(inside, glyph[b, o, u.clip(0, 7)[..., :, None], v.clip(0, 7)[..., None, :]], 0)
    # Boxes are disjoint, so summing over objects paints each pixel from its own box only.
    glyph_img = g.sum(1)[:, None]                                                 # (n, 1, size, size)
    colour_img = np.einsum("nmyx,nmc->ncyx", inside.astype(np.float32), PALETTE[colours])
    image = (glyph_img + colour_img) / 2 if render == "additive" else glyph_img * colour_img

    nuisance = rng.standard_normal((n, n_obj, nuisance_dim)).astype(np.float32)
    return ObjectScene(image.astype(np.float32), classes, boxes, colours, nuisance, relations(boxes))


def region_crops(scene: ObjectScene, out: int = 8) -> np.ndarray:
    """Each object's box read back at out × out (nearest neighbour): (n, m, 3, out, out) float32.

    A toy RoI pooling: a region feature sees its own box and nothing of its neighbours.
    """
    n, m = scene.classes.shape
    cx, cy, side = np.moveaxis(scene.boxes, -1, 0)
    step = (np.arange(out) + 0.5) / out                     # sample at the centres of out × out cells
    rows = np.floor(cy[..., None] - side[..., None] / 2 + step * side[..., None]).astype(np.int64)
    cols = np.floor(cx[..., None] - side[..., None] / 2 + step * side[..., None]).astype(np.int64)
    b = np.arange(n)[:, None, None, None, None]
    ch = np.arange(3)[None, None, :, None, None]
    return scene.image[b, ch, rows[:, :, None, :, None], cols[:, :, None, None, :]]
