"""mlbook.scenes: nested masks, antisymmetric predicates, faithful rendering and seed determinism."""
import numpy as np
import pytest

from mlbook.scenes import (ABOVE, BELOW, LEFT, PALETTE, RIGHT, click_map, nested_masks, object_scene,
                           part_scene, region_crops, relations)


def test_part_scene_masks_nest_part_object_group():
    s = part_scene(np.random.default_rng(0), size=16, n=500)
    part, obj, group = s.masks[:, 0], s.masks[:, 1], s.masks[:, 2]
    assert (part <= obj).all() and (obj <= group).all()
    # Strictly: the other part and the other rectangle always exist.
    assert (part.sum((1, 2)) < obj.sum((1, 2))).all() and (obj.sum((1, 2)) < group.sum((1, 2))).all()
    rows = np.arange(500)
    assert part[rows, s.click[:, 0], s.click[:, 1]].all()
    assert np.array_equal(group, s.image > 0)


def test_part_scene_geometry():
    s = part_scene(np.random.default_rng(1), size=16, n=500)
    for label in range(1, 5):
        # Each part is a filled rectangle of one grey level, at least 2 pixels on each side.
        m = s.parts == label
        r, c = m.any(2), m.any(1)
        h, w = r.sum(1), c.sum(1)
        assert (m.sum((1, 2)) == h * w).all() and (np.minimum(h, w) >= 2).all()
        levels = np.where(m, s.image, np.nan)
        assert (np.nanmax(levels, (1, 2)) == np.nanmin(levels, (1, 2))).all()
    # The two parts of an object differ in grey; the two objects never touch (4-neighbourhood).
    for a in (1, 3):
        ga = np.where(s.parts == a, s.image, 0).max((1, 2))
        gb = np.where(s.parts == a + 1, s.image, 0).max((1, 2))
        assert (ga != gb).all()
    obj = (s.parts + 1) // 2
    for shifted in (obj[:, 1:, :] * obj[:, :-1, :], obj[:, :, 1:] * obj[:, :, :-1]):
        assert not (shifted == 2).any()          # product 1·2: objects 1 and 2 adjacent


def test_nested_masks_for_any_click_and_click_map():
    parts = np.zeros((1, 4, 6), dtype=np.int64)
    parts[0, :2, :2], parts[0, :2, 2:3], parts[0, 3, 4:] = 1, 2, 3
    masks = nested_masks(parts, np.array([[1, 2]]))
    assert masks[0, 0].sum() == 2 and masks[0, 1].sum() == 6 and masks[0, 2].sum() == 8
    assert not masks[0, 1, 3, 4]
    with pytest.raises(ValueError):
        nested_masks(parts, np.array([[3, 0]]))
    cm = click_map(np.array([[1, 2], [0, 5]]), 6)
    assert cm.sum() == 2 and cm[0, 1, 2] == 1 and cm[1, 0, 5] == 1


def test_relations_are_antisymmetric_and_follow_the_larger_offset():
    s = object_scene(np.random.default_rng(0), n_obj=5, n_cls=5, n=400)
    rel = s.relations
    swap = {LEFT: RIGHT, RIGHT: LEFT, ABOVE: BELOW, BELOW: ABOVE, -1: -1}
    assert np.array_equal(np.vectorize(swap.get)(rel), rel.transpose(0, 2, 1))
    assert (np.diagonal(rel, axis1=1, axis2=2) == -1).all()
    # Hand case: j is 3 right and 5 down of i → i is above j; a tie |dx| = |dy| goes horizontal.
    boxes = np.array([[10, 10, 6], [13, 15, 6], [15, 15, 6]], dtype=np.float32)
    r = relations(boxes)
    assert r[0, 1] == ABOVE and r[1, 0] == BELOW and r[0, 2] == LEFT and r[2, 0] == RIGHT and r[1, 2] == LEFT
    assert set(np.unique(rel[rel >= 0])) == {LEFT, RIGHT, ABOVE, BELOW}


def test_object_scene_is_deterministic_given_the_seed():
    a = object_scene(np.random.default_rng(7), n=20)
    b = object_scene(np.random.default_rng(7), n=20)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    c = object_scene(np.random.default_rng(8), n=20)
    assert not np.array_equal(a.image, c.image)
    p, q = part_scene(np.random.default_rng(7), n=20), part_scene(np.random.default_rng(7), n=20)
    assert all(np.array_equal(x, y) for x, y in zip(p, q))
    assert not np.array_equal(p.image, part_scene(np.random.default_rng(8), n=20).image)


def test_boxes_are_disjoint_and_rendered_in_their_colour():
    s = object_scene(np.random.default_rng(3), n_obj=4, n=300, size=32, grid=4, min_side=6)
    cx, cy, side = np.moveaxis(s.boxes, -1, 0)
    assert (side >= 6).all() and (side <= 8).all()
    x0, y0 = cx - side / 2, cy - side / 2
    assert (x0 >= 0).all() and (x0 + side <= 32).all() and (y0 >= 0).all() and (y0 + side <= 32).all()
    sep_x = (x0[:, :, None] + side[:, :, None] <= x0[:, None, :]) | (x0[:, None, :] + side[:, None, :] <= x0[:, :, None])
    sep_y = (y0[:, :, None] + side[:, :, None] <= y0[:, None, :]) | (y0[:, None, :] + side[:, None, :] <= y0[:, :, None])
    off_diag = ~np.eye(4, dtype=bool)
    assert (sep_x | sep_y)[:, off_diag].all()
    # Additive: every box pixel is (g + c)/2, so channels the colour lights are ≥ ½ and the others ≤ ½,
    # and the difference between a lit and an unlit channel is exactly ½ everywhere in the box.
    crops = region_crops(s, out=8)
    col = PALETTE[s.colours]                               # (n, m, 3)
    lit, dark = col.argmax(-1), col.argmin(-1)
    n_idx, m_idx = np.indices(s.classes.shape)
    diff = crops[n_idx, m_idx, lit] - crops[n_idx, m_idx, dark]
    assert np.allclose(diff, 0.5)
    # Outside every box the image is black.
    covered = np.zeros((300, 32, 32), bool)
    for i in range(300):
        for j in range(4):
            covered[i, int(y0[i, j]):int(y0[i, j] + side[i, j]), int(x0[i, j]):int(x0[i, j] + side[i, j])] = True
    assert (s.image.transpose(1, 0, 2, 3)[:, ~covered] == 0).all()


def test_glyph_is_the_digit_and_multiplicative_rendering_hides_it_from_dark_channels():
    from sklearn.datasets import load_digits

    digits = load_digits()
    add = object_scene(np.random.default_rng(4), n_obj=3, n_cls=10, n=50, min_side=8)
    mul = object_scene(np.random.default_rng(4), n_obj=3, n_cls=10, n=50, min_side=8, render="multiplicative")
    assert np.array_equal(add.classes, mul.classes) and np.array_equal(add.boxes, mul.boxes)
    a, m = region_crops(add), region_crops(mul)             # side 8: crops are the glyph pixels exactly
    glyph = 2 * a[:, :, 0] - PALETTE[add.colours][..., 0, None, None]
    assert np.allclose(glyph, m.max(2))
    # Each glyph is a load_digits image of its class.
    pool = {k: digits.images[digits.target == k] / 16 for k in range(10)}
    for i, j in [(0, 0), (7, 2), (31, 1)]:
        assert np.isclose(pool[add.classes[i, j]], glyph[i, j], atol=1e-6).all((1, 2)).any()
    col = PALETTE[mul.colours]
    assert (m[col == 0] == 0).all()


def test_combos_distinct_and_class_counts():
    held_in = np.array([[c, k] for c in range(4) for k in range(4) if (c + k) % 4 != 0])   # 12 of 16
    s = object_scene(np.random.default_rng(0), n_obj=4, n_cls=4, n=500, combos=held_in, distinct=True)
    pairs = s.classes * 4 + s.colours
    assert ((s.classes + s.colours) % 4 != 0).all()
    assert all(len(set(row)) == 4 for row in pairs)
    r = object_scene(np.random.default_rng(0), n_obj=4, n_cls=2, n=500, n_colours=1)
    assert (r.colours == 0).all() and set(np.unique(r.classes)) == {0, 1}
    assert any(len(set(row)) < 4 for row in r.classes)     # without `distinct`, nouns repeat
    assert r.nuisance.shape == (500, 4, 16) and abs(r.nuisance.std() - 1) < 0.05
    with pytest.raises(ValueError):
        object_scene(np.random.default_rng(0), n_obj=4, n=1, combos=held_in[:3], distinct=True)


def test_given_objects_are_rendered_as_given():
    objects = np.array([[[3, 0], [3, 2], [1, 0], [0, 1]], [[2, 3], [2, 3], [0, 0], [1, 2]]])
    s = object_scene(np.random.default_rng(0), n=2, objects=objects)
    assert np.array_equal(s.classes, objects[..., 0]) and np.array_equal(s.colours, objects[..., 1])
    with pytest.raises(ValueError):
        object_scene(np.random.default_rng(0), n=1, objects=objects)
    with pytest.raises(ValueError):
        object_scene(np.random.default_rng(0), n=2, n_cls=3, objects=objects)
