"""mlbook.lm: the tiny GPT's masks and block surgery, the training recipe, and the two corpora."""
import pytest
import torch

from mlbook.env import seed_everything
from mlbook.lm import (IGNORE, TinyGPT, attention_mask, char_corpus, eval_loss, lm_loss, markov_tokens,
                       train_lm, windows)
from mlbook.models import SelfAttention


def gpt(**kw):
    seed_everything(0)
    cfg = dict(d=32, n_layer=3, n_head=4, block=16) | kw
    return TinyGPT(23, **cfg).eval()


def test_attention_mask_by_hand():
    causal = attention_mask("causal", 4)
    assert causal.tolist() == [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    prefix = attention_mask(("prefix", 2), 4)
    assert prefix.tolist() == [[1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    assert attention_mask(("prefix", 0), 4).equal(causal)
    with pytest.raises(ValueError):
        attention_mask("full", 4)


@torch.no_grad()
def test_causal_mask_hides_the_future():
    model = gpt()
    idx = torch.randint(23, (2, 12), generator=torch.Generator().manual_seed(1))
    base = model(idx)
    for t in range(11):
        changed = idx.clone()
        changed[:, t + 1] = (changed[:, t + 1] + 1) % 23
        out = model(changed)
        assert torch.equal(out[:, : t + 1], base[:, : t + 1])  # logits ≤ t untouched
        assert not torch.allclose(out[:, t + 1], base[:, t + 1])


@torch.no_grad()
def test_prefix_mask_is_bidirectional_inside_the_prefix_only():
    model, k = gpt(), 5
    idx = torch.randint(23, (2, 12), generator=torch.Generator().manual_seed(2))
    base = model(idx, mask=("prefix", k))
    inside = idx.clone()
    inside[:, k - 1] = (inside[:, k - 1] + 1) % 23  # last prefix token: earlier prefix positions see it
    out = model(inside, mask=("prefix", k))
    assert not torch.allclose(out[:, 0], base[:, 0])
    for t in range(k - 1, 11):  # a token after the prefix stays invisible to everything before it
        outside = idx.clone()
        outside[:, t + 1] = (outside[:, t + 1] + 1) % 23
        out = model(outside, mask=("prefix", k))
        assert torch.equal(out[:, : t + 1], base[:, : t + 1])
    # the same change under the causal mask leaves position 0 alone
    assert torch.equal(model(inside)[:, 0], model(idx)[:, 0])


@torch.no_grad()
def test_a_boolean_mask_equals_the_named_one():
    model = gpt()
    idx = torch.randint(23, (3, 10), generator=torch.Generator().manual_seed(3))
    assert torch.equal(model(idx, mask=attention_mask(("prefix", 4), 10)), model(idx, mask=("prefix", 4)))
    per_seq = attention_mask("causal", 10).expand(3, 10, 10)
    assert torch.allclose(model(idx, mask=per_seq), model(idx), atol=1e-6)


@torch.no_grad()
def test_hidden_states_replace_and_skip():
    model = gpt()
    idx = torch.randint(23, (2, 9), generator=torch.Generator().manual_seed(4))
    logits, hidden = model(idx, return_hidden=True)
    assert len(hidden) == model.n_layer + 1 and all(h.shape == (2, 9, 32) for h in hidden)
    assert torch.equal(hidden[0], model.embed(idx))
    assert torch.allclose(hidden[2], model.blocks[1](hidden[1], mask=attention_mask("causal", 9)))
    assert torch.allclose(logits, model.head(model.norm(hidden[-1])))
    skipped, hs = model(idx, skip=[1], return_hidden=True)
    assert torch.equal(model(idx, replace={1: lambda h: h}), skipped)
    assert torch.equal(hs[2], hs[1]) and not torch.allclose(skipped, logits)
    # replacing a block by itself changes nothing
    same = model(idx, replace={2: lambda h: model.blocks[2](h, mask=attention_mask("causal", 9))})
    assert torch.allclose(same, logits)


def test_gpt_shape_of_the_parameters_and_init():
    model = gpt(d=64, n_layer=2, block=8)
    assert model.head.bias is None and model.head.weight.data_ptr() != model.tok.weight.data_ptr()
    for w in (model.tok.weight, model.head.weight, model.blocks[0].attn.qkv.weight, model.blocks[1].mlp[0].weight):
        assert w.std().item() == pytest.approx(0.02, rel=0.15)
    assert model.blocks[0].mlp[0].out_features == 4 * 64
    assert model.blocks[0].attn.qkv.bias.abs().max() == 0
    assert TinyGPT(10, n_layer=1, block=4, pos=None).pos is None


@torch.no_grad()
def test_extra_embeddings_and_a_custom_mixer():
    model = gpt(pos=None)
    idx = torch.randint(23, (2, 6), generator=torch.Generator().manual_seed(5))
    code = torch.randn(6, 32)
    _, hidden = model(idx, extra_emb=code, return_hidden=True)
    assert torch.allclose(hidden[0], model.tok(idx) + code)

    class Shift(torch.nn.Module):  # a causal "mixer": each token takes its left neighbour
        def __init__(self, d, heads):
            super().__init__()
            self.gain = torch.nn.Parameter(torch.full((d,), 3.0))

        def forward(self, x, mask):
            return self.gain * torch.nn.functional.pad(x, (0, 0, 1, 0))[:, :-1]

    seed_everything(0)
    m = TinyGPT(23, d=32, n_layer=1, block=8, mixer=Shift).eval()
    assert m.blocks[0].attn.gain.eq(3.0).all()  # its own initialisation survives
    assert not isinstance(m.blocks[0].attn, SelfAttention)
    assert m(idx).shape == (2, 6, 23)
    with pytest.raises(ValueError):
        model(torch.zeros(1, 17, dtype=torch.long))


def test_lm_loss_ignores_minus_100():
    logits = torch.randn(2, 3, 5)
    targets = torch.tensor([[1, IGNORE, 2], [IGNORE, IGNORE, 4]])
    by_hand = -torch.stack([logits[0, 0].log_softmax(-1)[1], logits[0, 2].log_softmax(-1)[2],
                            logits[1, 2].log_softmax(-1)[4]]).mean()
    assert lm_loss(logits, targets).item() == pytest.approx(by_hand.item(), rel=1e-6)


def test_train_lm_learns_a_cycle_and_stops_early():
    # The sequence 0, 1, …, 9, 0, 1, … is predictable from one token: the loss must fall near zero.
    seed_everything(0)
    model = TinyGPT(10, d=32, n_layer=1, block=8)
    gen = torch.Generator().manual_seed(0)

    def batch():
        start = torch.randint(10, (16, 1), generator=gen)
        seq = (start + torch.arange(9)) % 10
        targets = seq[:, 1:].clone()
        targets[:, :2] = IGNORE  # ignored targets must not matter
        return seq[:, :-1], targets

    losses = train_lm(model, batch, steps=150, lr=1e-2, wd=0.1)
    assert len(losses) == 150 and losses[-1] < 0.05 < 2.0 < losses[0]
    assert eval_loss(model, batch()) < 0.05 and not model.training
    seed_everything(0)
    model = TinyGPT(10, d=32, n_layer=1, block=8)
    asked = []

    def done(m):
        asked.append((m.training, torch.is_grad_enabled()))
        return eval_loss(m, batch()) < 0.1

    stopped = train_lm(model, batch, steps=150, lr=1e-2, wd=0.1, early_stop=(10, done))
    assert len(stopped) % 10 == 0 and len(stopped) < 150
    assert set(asked) == {(False, False)}


def test_char_corpus_is_fixed_and_of_the_stated_size():
    c = char_corpus()
    assert 1.0e6 < len(c.text) < 1.2e6 and 95 <= c.vocab <= 110
    assert c.text.startswith(".. _breast_cancer_dataset:")
    assert len(c.train) + len(c.val) == len(c.text) and len(c.train) == int(0.9 * len(c.text))
    assert c.decode(c.train[:26]) == c.text[:26] and c.encode("array").tolist() == c.train.new_tensor(
        [c.chars.index(ch) for ch in "array"]).tolist()
    char_corpus.cache_clear()
    again = char_corpus()
    assert again.text == c.text and torch.equal(again.val, c.val)
    x, y = windows(c.train, 32, 4, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 32) and torch.equal(x[:, 1:], y[:, :-1])


def test_markov_tokens_never_emit_unused_ids_and_follow_zipf():
    tokens, unused = markov_tokens(128, 6, 1.0, seed=0, n=60_000)
    assert tokens.shape == (60_000,) and len(unused) == 6
    assert not torch.isin(tokens, unused).any()
    counts = torch.bincount(tokens, minlength=128).double()
    used = counts[counts > 0]
    assert len(used) == 122  # every other id occurs
    # log-count against log-rank: a slope near −zipf
    logc = used.sort(descending=True).values.log()
    logr = torch.arange(1, 123, dtype=torch.float64).log()
    slope = torch.cov(torch.stack([logr[:60], logc[:60]]))[0, 1] / logr[:60].var()
    assert -1.4 < slope.item() < -0.7
    again, same_unused = markov_tokens(128, 6, 1.0, seed=0, n=60_000)
    assert torch.equal(again, tokens) and torch.equal(same_unused, unused)
    assert not torch.equal(markov_tokens(128, 6, 1.0, seed=1, n=60_000)[1], unused)
    # consecutive tokens depend on each other (a Markov chain, not i.i.d. draws)
    pairs = torch.bincount(tokens[:-1] * 128 + tokens[1:], minlength=128 * 128).view(128, 128).double()
    p = pairs / pairs.sum()
    indep = p.sum(1, keepdim=True) * p.sum(0, keepdim=True)
    mi = (p[p > 0] * (p[p > 0] / indep[p > 0]).log()).sum()
    assert mi.item() > 0.3


def test_markov_tokens_unused_ids_at_the_edges_of_the_vocabulary():
    # ids 0 and V − 1 are where an inverse-CDF sampler slips; draw until both were unused once
    edges = set()
    for seed in range(30):
        tokens, unused = markov_tokens(6, 3, 1.0, seed=seed, n=4_000)
        assert not torch.isin(tokens, unused).any()
        assert set(tokens.unique().tolist()) == set(range(6)) - set(unused.tolist())
        edges |= {0, 5} & set(unused.tolist())
    assert edges == {0, 5}
