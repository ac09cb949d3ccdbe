"""mlbook.vision and TinyViT's vision options: exact where the maths is exact, plus a cache round trip."""
import math

import pytest
import torch
from torch import nn

from mlbook import vision
from mlbook.models import Block, TinyViT
from mlbook.vision import (CaptionTower, ChainConfig, Lamb, ToyCLIP, contrastive_loss, image_tower, keep_indices,
                           linear_probe, mim_loss, mutual_knn, random_mask, shift, vision_data)


# TinyViT: the old arguments build the old model ------------------------------------------------

# Computed with mlbook/models.py before the vision options existed (commit c716e09):
# torch.manual_seed(0); TinyViT(); input linspace(0, 1, 128).view(2, 64).
OLD_PARAM_SUMS = [0.90018, -2.568491, -1.307018, 32.0, 0.0, -6.024665, -0.805298, -0.006864, -0.128262, 32.0, 0.0,
                  2.359257, 1.158935, 5.339289, 0.263597, 32.0, 0.0, 2.009244, 0.717078, 2.486626, 0.455526, 32.0,
                  0.0, -1.12714, 0.233511, 2.175442, -0.599193, 32.0, 0.0, 3.464283, 0.180578]
OLD_OUTPUT = [[0.999956, 0.4341, 0.278027, 0.944482, 1.136392, 0.934314, 0.248647, -0.167779, 0.514204, 0.724141],
              [0.569521, 0.336554, 0.902233, 1.460491, 0.923356, 1.233237, 0.264524, -0.200524, -0.06271, 1.176299]]
OLD_NEXT_DRAW = 0.46128178  # torch.rand(1) after construction: the same number of RNG draws


def test_tinyvit_with_old_arguments_is_the_old_model():
    torch.manual_seed(0)
    model = TinyViT()
    names = [n for n, _ in model.named_parameters()]
    assert names[:3] == ["pos", "embed.weight", "embed.bias"] and names[-2:] == ["head.weight", "head.bias"]
    assert "blocks.1.mlp.2.weight" in names and len(names) == len(OLD_PARAM_SUMS)
    assert [p.double().sum().item() for p in model.parameters()] == pytest.approx(OLD_PARAM_SUMS, abs=2e-6)
    assert torch.rand(1).item() == pytest.approx(OLD_NEXT_DRAW, abs=1e-8)
    with torch.no_grad():
        out = model(torch.linspace(0, 1, 128).view(2, 64))
    assert out.tolist() == [pytest.approx(row, abs=2e-6) for row in OLD_OUTPUT]


def test_mask_token_does_not_change_the_other_parameters_and_parameter_counts():
    torch.manual_seed(0)
    plain = TinyViT(dim=64, depth=3, heads=4, mlp_ratio=4, classes=32)
    torch.manual_seed(0)
    masked = image_tower()
    for name, p in plain.named_parameters():
        assert torch.equal(p, masked.get_parameter(name))
    assert sum(p.numel() for p in masked.parameters()) == 153_568  # the d=64 count
    assert 39_000 < sum(p.numel() for p in image_tower(dim=32, heads=2).parameters()) < 41_000


def test_layer_tokens_forward_mask_and_keep():
    torch.manual_seed(0)
    vit = image_tower(dim=16, depth=2, heads=2)
    x = torch.rand(3, 64)
    layers = vit.layer_tokens(x)
    assert len(layers) == 3 and all(h.shape == (3, 16, 16) for h in layers)
    assert torch.allclose(vit(x), vit.head(vit.norm(layers[-1]).mean(1)))
    # An all-False mask is the unmasked model; a masked patch's embedding is the mask token.
    assert torch.equal(vit.layer_tokens(x, mask=torch.zeros(3, 16, dtype=torch.bool))[-1], layers[-1])
    mask = torch.zeros(3, 16, dtype=torch.bool)
    mask[:, 5] = True
    h0 = vit.layer_tokens(x, mask=mask)[0]
    assert torch.allclose(h0[:, 5], (vit.mask_token + vit.pos)[0, 5].expand(3, -1))
    # Dropping: only the kept tokens, each with its own position.
    keep = torch.tensor([[0, 3, 9], [1, 2, 15], [4, 5, 6]])
    kept = vit.layer_tokens(x, keep=keep)[0]
    assert kept.shape == (3, 3, 16)
    assert torch.allclose(kept, torch.gather(layers[0], 1, keep.unsqueeze(-1).expand(-1, -1, 16)))


def test_block_mlp_factory_and_pos_none():
    block = Block(8, 2, 4, lambda d, h: nn.Identity(), nn.LayerNorm, mlp=lambda d: nn.Linear(d, d, bias=False))
    assert isinstance(block.mlp, nn.Linear)
    vit = TinyViT(pos=None)
    assert vit.pos is None and "pos" not in dict(vit.named_parameters())
    with pytest.raises(AssertionError):
        vit.layer_tokens(torch.rand(2, 64), keep=torch.zeros(2, 8, dtype=torch.long))


# Data --------------------------------------------------------------------------------------------

def test_split_sizes_disjointness_and_fixed_order():
    d = vision_data()
    assert len(d.X) == 1797 and (len(d.pairs), len(d.unlabelled), len(d.probe_pool), len(d.test)) == (300, 1300,
                                                                                                       1000, 497)
    assert torch.equal(d.unlabelled[:300], d.pairs)  # the unlabelled images include the pairs
    pairs, probe, test = set(d.pairs.tolist()), set(d.probe_pool[:50].tolist()), set(d.test.tolist())
    assert not (pairs & probe) and not (pairs & test) and not (probe & test)
    assert set(d.unlabelled.tolist()) | test == set(range(1797))
    assert d.X.min() == 0 and d.X.max() == 1
    order = torch.randperm(1797, generator=torch.Generator().manual_seed(0))
    assert torch.equal(d.test, order[-497:])


def test_shift_is_exact_with_zero_fill():
    x = torch.arange(1, 65, dtype=torch.float32).view(1, 64)
    img = x.view(8, 8)
    right = shift(x, 1, 0).view(8, 8)
    assert torch.equal(right[:, 1:], img[:, :-1]) and (right[:, 0] == 0).all()
    up_left = shift(x, -1, -1).view(8, 8)
    assert torch.equal(up_left[:-1, :-1], img[1:, 1:]) and (up_left[-1] == 0).all() and (up_left[:, -1] == 0).all()
    assert torch.equal(shift(x, 0, 0), x)
    # One shift per image, vectorised, equals the per-image calls.
    batch = torch.rand(9, 64)
    dx, dy = torch.tensor([-1, 0, 1] * 3), torch.tensor([-1] * 3 + [0] * 3 + [1] * 3)
    each = torch.cat([shift(batch[i:i + 1], int(dx[i]), int(dy[i])) for i in range(9)])
    assert torch.equal(shift(batch, dx, dy), each)


# Toy CLIP ----------------------------------------------------------------------------------------

def test_caption_tower_sums_word_embeddings():
    tower = CaptionTower(vocab=14, embed=6)
    words = torch.tensor([[3, 12], [12, 3], [0, 0]])
    out = tower(words)
    assert torch.allclose(out[0], tower.words.weight[3] + tower.words.weight[12])
    assert torch.allclose(out[0], out[1])  # a bag: order does not matter
    assert torch.allclose(tower(torch.tensor([7])), tower.words.weight[7:8])


def test_contrastive_targets_share_positives_of_identical_captions():
    captions = torch.tensor([2, 5, 2, 7])
    # Logits that put equal mass on each image's caption copies give the smallest possible loss:
    # the loss equals the entropy of the target rows.
    same = (captions[:, None] == captions[None]).float()
    logits = torch.log(same / same.sum(1, keepdim=True)).clamp(min=-1e4)
    target = same / same.sum(1, keepdim=True)
    entropy = -(target * target.clamp(min=1e-12).log()).sum(1).mean()
    assert contrastive_loss(logits, captions).item() == pytest.approx(entropy.item(), abs=1e-5)
    # Hand-written targets: images 0 and 2 share caption 2, so each row puts ½ on both.
    hand = torch.tensor([[.5, 0, .5, 0], [0, 1, 0, 0], [.5, 0, .5, 0], [0, 0, 0, 1]])
    random_logits = torch.randn(4, 4)
    expected = 0.5 * (nn.functional.cross_entropy(random_logits, hand)
                      + nn.functional.cross_entropy(random_logits.T, hand))
    assert contrastive_loss(random_logits, captions).item() == pytest.approx(expected.item(), rel=1e-6)
    # Plain InfoNCE prefers logits that separate the two copies; the shared-positive loss does not.
    diagonal = torch.eye(4) * 10
    plain = nn.functional.cross_entropy
    assert plain(diagonal, torch.arange(4)) < plain(logits, torch.arange(4))
    assert contrastive_loss(diagonal, captions) > contrastive_loss(logits, captions) + 0.3
    # Multi-word captions are equal only when all words match.
    two = torch.tensor([[1, 2], [1, 3], [1, 2]])
    l2 = torch.randn(3, 3)
    t2 = torch.tensor([[.5, 0, .5], [0, 1, 0], [.5, 0, .5]])
    expected = 0.5 * (nn.functional.cross_entropy(l2, t2) + nn.functional.cross_entropy(l2.T, t2))
    assert contrastive_loss(l2, two).item() == pytest.approx(expected.item(), rel=1e-6)


def test_toy_clip_temperature_and_zero_shot():
    torch.manual_seed(0)
    clip = ToyCLIP(image_tower(dim=16, depth=1, heads=2))
    assert clip.scale().item() == pytest.approx(1 / 0.07, rel=1e-6)
    x = torch.rand(5, 64)
    logits = clip(x, torch.arange(5))
    assert logits.shape == (5, 5) and logits.abs().max() <= clip.scale() + 1e-5
    with torch.no_grad():
        clip.log_scale.fill_(10.0)
    assert clip.scale().item() == 100.0
    # zero-shot picks the nearest caption: make the caption embeddings the image embeddings' directions.
    with torch.no_grad():
        emb = clip.image(x)
        clip.text.words.weight[:5] = emb
        clip.text.words.weight[5:] = -emb.mean(0)
    assert vision.zero_shot_accuracy(clip, x, torch.arange(5)) == 1.0


# MIM and dropping --------------------------------------------------------------------------------

def test_masked_count_and_keep_count():
    gen = torch.Generator().manual_seed(0)
    mask = random_mask(200, 0.4, gen)
    assert round(0.4 * 16) == 6 and (mask.sum(1) == 6).all()
    assert mask.any(0).all()  # every position gets masked somewhere
    keep = keep_indices(200, 0.5, gen)
    assert keep.shape == (200, 8)
    assert all(len(set(row.tolist())) == 8 for row in keep) and (keep[:, 1:] > keep[:, :-1]).all()
    assert keep_indices(3, 0.0, gen).tolist() == [list(range(16))] * 3


def test_mim_loss_reads_masked_positions_only():
    gen = torch.Generator().manual_seed(1)
    pred, target = torch.randn(4, 16, 8), torch.randn(4, 16, 8)
    mask = random_mask(4, 0.4, gen)
    for kind in ("teacher", "pixels"):
        changed = target.clone()
        changed[~mask] = torch.randn(int((~mask).sum()), 8) * 100
        assert torch.equal(mim_loss(pred, target, mask, kind), mim_loss(pred, changed, mask, kind))
        moved = target.clone()
        moved[mask] += 1.0
        assert not torch.equal(mim_loss(pred, target, mask, kind), mim_loss(pred, moved, mask, kind))
    cos = nn.functional.cosine_similarity(pred[mask], target[mask], dim=-1).mean()
    assert mim_loss(pred, target, mask, "teacher").item() == pytest.approx(-cos.item(), rel=1e-6)
    assert mim_loss(pred, pred * 3.0, mask, "teacher").item() == pytest.approx(-1.0, abs=1e-6)
    assert mim_loss(pred, target, mask, "pixels").item() == pytest.approx(
        ((pred[mask] - target[mask]) ** 2).mean().item(), rel=1e-6)


def test_train_mim_and_clip_run_and_are_deterministic():
    teacher = image_tower(dim=16, depth=1, heads=2)
    a, losses = vision.train_mim(teacher, seed=3, steps=3, batch=16, dim=16, depth=1, heads=2)
    b, _ = vision.train_mim(teacher, seed=3, steps=3, batch=16, dim=16, depth=1, heads=2)
    assert len(losses) == 3 and all(-1 <= v <= 1 for v in losses)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    clip, closs = vision.train_clip(seed=0, steps=2, batch=16, drop=0.5, optimizer="lamb",
                                    tower=dict(dim=16, depth=1, heads=2))
    assert len(closs) == 2 and math.isfinite(closs[-1])


# LAMB, probe, mutual k-NN ------------------------------------------------------------------------

def test_lamb_moves_each_tensor_by_lr_times_its_norm():
    torch.manual_seed(0)
    params = [nn.Parameter(torch.randn(5, 3)), nn.Parameter(torch.randn(7) * 10), nn.Parameter(torch.randn(2, 2, 2))]
    opt = Lamb(params, lr=0.01)
    for _ in range(3):
        before = [p.detach().clone() for p in params]
        loss = sum((p ** 3).sum() for p in params)
        opt.zero_grad()
        loss.backward()
        opt.step()
        for p, w in zip(params, before):
            assert (p.detach() - w).norm().item() == pytest.approx(0.01 * w.norm().item(), rel=1e-5)


def test_linear_probe_on_pixels_and_labels():
    d = vision_data()
    pixels = linear_probe(d.X, n_labels=50)
    assert 0.7 < pixels < 0.9
    # A feature that is the label one-hot is perfectly probed.
    assert linear_probe(nn.functional.one_hot(d.y, 10).float(), n_labels=50) == 1.0


def test_mutual_knn_hand_cases():
    torch.manual_seed(0)
    A = torch.randn(40, 6)
    assert mutual_knn(A, A, k=5) == 1.0
    assert mutual_knn(A, 3.0 * A, k=5) == 1.0  # L2 normalisation: scale does not matter
    # Four points on a line vs the same order reversed in half: hand-counted neighbourhoods (k=1).
    line = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.1, 0.9], [0.0, 1.0]])
    swapped = line[[1, 0, 2, 3]]  # rows 0 and 1 swap places in the second space; their NN stay each other
    assert mutual_knn(line, swapped, k=1) == 1.0
    other = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1], [0.1, 0.9]])
    # In `line` the NN are 0↔1, 2↔3; in `other` they are 0↔2, 1↔3: no row keeps its neighbour.
    assert mutual_knn(line, other, k=1) == 0.0
    # k=2, counted by hand: N_line = {1,2},{0,2},{3,1},{2,1}; N_other = {2,3},{3,2},{0,3},{1,2};
    # overlaps 1, 1, 1, 2 of 2 → (0.5 + 0.5 + 0.5 + 1) / 4.
    assert mutual_knn(line, other, k=2) == pytest.approx(0.625)


# The cached chain --------------------------------------------------------------------------------

TINY = ChainConfig(t0_steps=4, t0_checkpoints=(2,), mim_steps=2, pixel_steps=2, eva_clip_steps=2, small_steps=2, batch=16,
                   small_tower=dict(dim=16, heads=2))


def _same(a, b):
    return all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))


def test_chain_cache_round_trip_rebuild_and_determinism(tmp_path, monkeypatch):
    monkeypatch.setenv("MLBOOK_CACHE", str(tmp_path))
    cold = vision.chain(0, config=TINY)
    assert set(cold) == {"t0", "t0@2", "eva", "eva_clip", "small"}
    files = sorted(tmp_path.glob("vision-*.pt"))
    assert len(files) == 4 and not list(tmp_path.glob("*.tmp"))
    warm = vision.chain(0, config=TINY)
    assert all(_same(cold[k], warm[k]) for k in cold)
    assert not _same(cold["t0"], cold["t0@2"])
    # A corrupt file is rebuilt, to the same weights.
    small = next(f for f in files if "small" in f.name)
    small.write_bytes(b"not a checkpoint")
    rebuilt = vision.chain(0, stages=("small",), config=TINY)
    assert _same(rebuilt["small"], cold["small"]) and small.stat().st_size > 100
    # Another seed or another setting is another file; a cold rebuild in a new directory is identical.
    vision.chain(1, stages=("t0",), config=TINY)
    assert len(list(tmp_path.glob("vision-t0-*.pt"))) == 2
    monkeypatch.setenv("MLBOOK_CACHE", str(tmp_path / "fresh"))
    again = vision.chain(0, stages=("eva",), config=TINY)
    assert _same(again["eva"], cold["eva"])
