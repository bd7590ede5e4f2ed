"""Fine-tuning: a tiny run changes the weights, gets its own fingerprint, is reused, and reloads identically."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from recengine.errors import ConfigError
from recengine.text import Encoder, FineTuneConfig, finetune
from recengine.text.finetune import (
    ALPHAS,
    HELD_OUT_CHECK,
    choose_alpha,
    finetune_fingerprint,
    guard_alpha,
    list_finetuned,
    saved_finetune,
)
from recengine.text.pairs import collaborative_block, collaborative_neighbors, data_hash, text_near_batches
from recengine.text.training import distill_loss, history_loss, mix_weights

TINY = {"epochs": 2, "batch_size": 4, "neighbors": 2, "lr": 5e-4, "device": "cpu", "max_seq_length": 16, "alpha": 1.0,
        "guard": False}


def _weights(enc: Encoder) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in enc.model.state_dict().items()}


def test_neighbours_follow_the_checkerboard(tiny):
    ids, sims = collaborative_neighbors(tiny.matrix, 2, shrink=0.0)
    groups = {i: tiny.item_map.external[i] in "abc" for i in range(tiny.n_items)}
    for i in range(6):
        assert all(groups[j] == groups[i] for j in ids[i] if j >= 0)
    assert (ids[tiny.item_map.index("g")] == -1).all()  # a cold item has no collaborative neighbours


@pytest.mark.slow
def test_tiny_finetune_trains_saves_and_is_reused(fresh_home, tiny, encoder, tmp_path):
    calls = []
    base_weights = _weights(encoder)
    assert saved_finetune(tiny, encoder, FineTuneConfig(**TINY)) is None  # looking trains nothing
    tuned = finetune(tiny, encoder, FineTuneConfig(**TINY), progress=lambda s, t, m: calls.append((s, t, m)))
    # the base encoder was copied, not changed
    assert all(np.array_equal(v, _weights(encoder)[k]) for k, v in base_weights.items())
    changed = [k for k, v in _weights(tuned).items() if k in base_weights and not np.allclose(v, base_weights[k])]
    assert changed, "fine-tuning left every weight as it was"
    assert tuned.fingerprint.startswith("ft-") and tuned.fingerprint != encoder.fingerprint
    assert tuned.manifest["cached"] is False and tuned.manifest["base_fingerprint"] == encoder.fingerprint
    steps = tuned.manifest["metrics"]["steps"]
    assert steps == len(tuned.loss_history) == calls[-1][0] == calls[-1][1] > 0
    assert all(m.startswith("loss ") for _, _, m in calls[1:])
    assert (tuned.path / "recengine.json").is_file() and list(tuned.path.rglob("*.safetensors"))
    assert not [p for p in tuned.path.rglob("*") if p.suffix in (".bin", ".pkl", ".pt")]

    texts = list(tiny.texts)
    live = tuned.encode(texts)
    assert not np.allclose(live, encoder.encode(texts), atol=1e-4)
    reloaded = Encoder(str(tuned.path), device="cpu")
    assert reloaded.fingerprint == tuned.fingerprint
    np.testing.assert_allclose(reloaded.encode(texts), live, atol=1e-5)
    # trained on 16 word pieces a text, but it embeds as far as the base reads, live and reloaded
    assert tuned.max_seq_length == reloaded.max_seq_length == encoder.max_seq_length == 256

    again = finetune(tiny, encoder, FineTuneConfig(**TINY), progress=lambda *a: pytest.fail("retrained"))
    assert again.manifest["cached"] is True and again.fingerprint == tuned.fingerprint
    np.testing.assert_allclose(again.encode(texts), live, atol=1e-5)
    assert [m["fingerprint"] for m in list_finetuned()] == [tuned.fingerprint]
    found = saved_finetune(tiny, encoder, dict(TINY))  # what a page opened again shows without a click
    assert found.fingerprint == tuned.fingerprint and found.manifest["cached"] is True
    assert saved_finetune(tiny, encoder, {**TINY, "lr": 1e-4}) is None
    assert saved_finetune(tiny, encoder, dict(TINY), digest=data_hash(tiny)).fingerprint == tuned.fingerprint

    # a damaged save (and the temp folder of a run killed while saving) is trained again, not reused or left
    stale = tuned.path.with_name(f".{tuned.path.name}.999999.tmp")
    stale.mkdir()
    weights = next(tuned.path.rglob("model.safetensors"))
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.warns(UserWarning, match="cannot be loaded.*trained again") as said:
        redone = finetune(tiny, encoder, FineTuneConfig(**TINY))
    assert sum("cannot be loaded" in str(w.message) for w in said) == 1  # said once, not once per look
    assert redone.manifest["cached"] is False and redone.fingerprint == tuned.fingerprint and not stale.exists()
    np.testing.assert_allclose(Encoder(redone.fingerprint, device="cpu").encode(texts), live, atol=1e-5)

    # a content model fitted with the fine-tune and saved embeds requests with it once loaded, not with the default
    from recengine.models import ContentKNN, Profile
    from recengine.text import embed_items

    model = ContentKNN(k=2, device="cpu").fit(tiny, embed_items(tiny, redone), redone)
    assert model.config.encoder == redone.fingerprint
    loaded = ContentKNN.load(model.save(tmp_path / "content"))
    asked = Profile.from_items(["a"]).with_intent("settlers on Mars")
    np.testing.assert_allclose(loaded.score([asked]), model.score([asked]), atol=1e-5)


def test_fingerprint_covers_data_and_config_not_device(tiny, sample):
    cfg = FineTuneConfig(**TINY)
    fp = finetune_fingerprint("base", data_hash(tiny), cfg)
    assert fp == finetune_fingerprint("base", data_hash(tiny), cfg.model_copy(update={"device": "cuda"}))
    assert fp != finetune_fingerprint("base", data_hash(tiny), cfg.model_copy(update={"epochs": 3}))
    assert fp != finetune_fingerprint("base", data_hash(tiny), cfg.model_copy(update={"text_mix": cfg.text_mix / 2 + 0.1}))
    assert fp != finetune_fingerprint("other", data_hash(tiny), cfg)
    fewer = tiny.with_interactions(tiny.interactions.iloc[1:])
    assert data_hash(fewer) != data_hash(tiny)
    shuffled = tiny.with_interactions(tiny.interactions.sample(frac=1.0, random_state=0))
    assert data_hash(shuffled) == data_hash(tiny)


@pytest.mark.slow
def test_lora_finetune(fresh_home, tiny, encoder):
    cfg = FineTuneConfig(**TINY, lora=True, lora_r=4)
    tuned = finetune(tiny, encoder, cfg)
    assert tuned.fingerprint != finetune_fingerprint(encoder.fingerprint, data_hash(tiny), FineTuneConfig(**TINY))
    texts = list(tiny.texts)
    assert not np.allclose(tuned.encode(texts), encoder.encode(texts), atol=1e-4)
    assert not any("lora" in k for k in tuned.model.state_dict())  # adapters merged into plain weights
    np.testing.assert_allclose(Encoder(str(tuned.path), device="cpu").encode(texts), tuned.encode(texts), atol=1e-5)


def test_lora_without_peft_is_a_config_error(monkeypatch, tiny, encoder):
    monkeypatch.setitem(sys.modules, "peft", None)
    with pytest.raises(ConfigError, match="pip install"):
        finetune(tiny, encoder, FineTuneConfig(**TINY, lora=True))


def test_bad_config_is_rejected():
    with pytest.raises(ValueError):
        FineTuneConfig(epochs=0)
    with pytest.raises(ValueError):
        FineTuneConfig(unknown_option=1)


def test_collaborative_block_is_the_cosine_of_co_consumption(tiny):
    items = np.arange(tiny.n_items)
    block = collaborative_block(tiny.matrix, items)
    x = tiny.matrix.toarray().astype(float)
    norms = np.linalg.norm(x, axis=0)
    expected = (x.T @ x) / np.maximum(np.outer(norms, norms), 1e-12)
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(block, expected, atol=1e-5)


def test_text_near_batches_keep_every_pair_and_group_alike_anchors(sample_embeddings):
    rng = np.random.default_rng(0)
    vectors = sample_embeddings.vectors
    pairs = np.stack([rng.permutation(400), rng.permutation(400)], axis=1)
    hard = text_near_batches(pairs, vectors, 16, np.random.default_rng(1), share=1.0)
    assert sorted(map(tuple, hard.tolist())) == sorted(map(tuple, pairs.tolist()))

    def mean_in_batch_cosine(p):
        out = []
        for lo in range(0, len(p), 16):
            v = vectors[p[lo : lo + 16, 0]]
            s = v @ v.T
            out.append((s.sum() - np.trace(s)) / (len(v) * (len(v) - 1)))
        return float(np.mean(out))

    assert mean_in_batch_cosine(hard) > mean_in_batch_cosine(pairs) + 0.04
    half = text_near_batches(pairs, vectors, 16, np.random.default_rng(1), share=0.5)
    assert mean_in_batch_cosine(pairs) < mean_in_batch_cosine(half) < mean_in_batch_cosine(hard)
    assert text_near_batches(pairs, vectors, 16, rng, share=0.0) is pairs


def test_distill_loss_prefers_text_similarities_ordered_like_the_target():
    import torch

    target = torch.tensor([[0.0, 0.9, 0.1], [0.9, 0.0, 0.1], [0.1, 0.1, 0.0]])
    agree = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])  # items 0 and 1 close, 2 apart
    disagree = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1]])  # items 0 and 2 close instead
    assert float(distill_loss(agree, target, 20.0, 0.05)) < float(distill_loss(disagree, target, 20.0, 0.05))


def test_history_loss_ranks_the_chosen_item_and_leans_to_popular_items_with_the_bias():
    import torch

    profiles = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    right = torch.tensor([[1.0, 0.0], [0.0, 1.0]])  # each profile's own item is the one like it
    wrong = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    no_seen = torch.zeros(2, 2, dtype=torch.bool)
    even = torch.log(torch.tensor([0.5, 0.5]))
    assert float(history_loss(profiles, right, no_seen, even, 20.0, 1.0)) < float(history_loss(profiles, wrong, no_seen, even, 20.0, 1.0))
    # the popularity term handicaps popular items in training (logQ correction), so the learned scores must lift them:
    # with texts that say nothing, raising the popular item's score lowers the loss when bias > 0, not when it is 0
    skew = torch.log(torch.tensor([0.9, 0.1]))
    for bias, sign in ((2.0, -1), (0.0, 0)):
        lift = torch.zeros(1, requires_grad=True)
        z = torch.stack([torch.tensor([1.0, 1.0]) + lift * torch.tensor([1.0, -1.0]), torch.tensor([1.0, 1.0])])
        history_loss(torch.tensor([[1.0, 0.0], [1.0, 0.0]]), z, no_seen, skew, 20.0, bias).backward()
        assert (np.sign(round(float(lift.grad), 6)) == sign), (bias, float(lift.grad))
    # an item the row's user also has is no negative for that row
    seen = torch.tensor([[False, True], [False, False]])
    assert float(history_loss(profiles, wrong, seen, even, 20.0, 1.0)) < float(history_loss(profiles, wrong, no_seen, even, 20.0, 1.0))


@pytest.mark.slow
def test_the_history_recipe_trains_and_gets_its_own_fingerprint(fresh_home, tiny, encoder):
    cfg = FineTuneConfig(**TINY, loss="history")
    calls = []
    tuned = finetune(tiny, encoder, cfg, progress=lambda s, t, m: calls.append((s, t, m)))
    texts = list(tiny.texts)
    assert not np.allclose(tuned.encode(texts), encoder.encode(texts), atol=1e-4)
    assert tuned.manifest["metrics"]["steps"] == calls[-1][0] > 0 and tuned.manifest["config"]["loss"] == "history"
    assert tuned.fingerprint != finetune_fingerprint(encoder.fingerprint, data_hash(tiny), cfg.model_copy(update={"loss": "distill"}))
    assert tuned.fingerprint != finetune_fingerprint(encoder.fingerprint, data_hash(tiny), cfg.model_copy(update={"popularity_bias": 1.0}))
    # a forced run trains again under the same fingerprint: the vectors cached from the first model are not served
    # to the second (a benchmark's patched recipe got the first one's figures)
    from recengine.text import embed_items

    assert embed_items(tiny, tuned).n_encoded == tiny.n_items and embed_items(tiny, tuned).n_cached == tiny.n_items
    forced = finetune(tiny, encoder, cfg, force=True)
    assert forced.fingerprint == tuned.fingerprint and forced.manifest["cached"] is False
    assert embed_items(tiny, forced).n_encoded == tiny.n_items
    # the item-pair recipes still train
    distilled = finetune(tiny, encoder, FineTuneConfig(**TINY, loss="distill"))
    assert distilled.manifest["config"]["loss"] == "distill" and distilled.manifest["metrics"]["steps"] > 0
    assert not np.allclose(distilled.encode(texts), tuned.encode(texts), atol=1e-4)


def test_distill_loss_with_a_prior_pulls_towards_the_base_view():
    import torch
    import torch.nn.functional as F

    target = torch.tensor([[0.0, 0.9, 0.1], [0.9, 0.0, 0.1], [0.1, 0.1, 0.0]])  # collaborative: 0 with 1
    base = F.normalize(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.95, 0.3]]), dim=-1)  # the base: 0 with 2
    prior = base @ base.T
    collab = torch.tensor([[1.0, 0.0], [0.95, 0.3], [0.0, 1.0]])
    # without the prior the collaborative layout wins; with all of it, the base's own layout does
    assert float(distill_loss(collab, target, 20.0, 0.05)) < float(distill_loss(base, target, 20.0, 0.05))
    assert float(distill_loss(base, target, 20.0, 0.05, prior, 0.99)) < float(distill_loss(collab, target, 20.0, 0.05, prior, 0.99))
    assert float(distill_loss(collab, target, 20.0, 0.05, prior, 0.0)) == float(distill_loss(collab, target, 20.0, 0.05))


def test_mix_interpolates_the_weights(encoder):
    import copy

    tuned = copy.deepcopy(encoder.model).float()
    key, w = next((k, v) for k, v in tuned.state_dict().items() if v.is_floating_point())
    with __import__("torch").no_grad():
        w.add_(1.0)
    base_w = encoder.model.state_dict()[key].float()
    mix_weights(tuned, encoder.model, 0.25)
    np.testing.assert_allclose(tuned.state_dict()[key].numpy(), (base_w + 0.25).numpy(), atol=1e-5)


def test_a_base_loaded_in_bf16_is_trained_from_its_full_precision_weights(encoder):
    """On a GPU the given encoder runs in bf16; the fine-tune must start from (and mix with) the fp32 weights."""
    import copy

    import torch

    from recengine.text.finetune import _base_encoder

    low = Encoder.from_model(copy.deepcopy(encoder.model), name=encoder.name, fingerprint=encoder.fingerprint,
                             path=encoder.path, device="cpu", precision="fp32")
    low.model.to(torch.bfloat16)  # what Encoder(..., precision="bf16") does on CUDA
    low.precision = "bf16"
    got = _base_encoder(low, "cpu", "fp32")
    assert got is not low and got.fingerprint == encoder.fingerprint
    key = next(k for k, v in encoder.model.state_dict().items() if v.is_floating_point() and v.ndim == 2)
    full = encoder.model.state_dict()[key]
    assert got.model.state_dict()[key].dtype == torch.float32
    assert torch.equal(got.model.state_dict()[key], full)
    assert not torch.equal(low.model.state_dict()[key].float(), full)  # the rounding the reload avoids
    assert _base_encoder(encoder, "cpu", "fp32") is encoder


@pytest.mark.slow
def test_alpha_selection_never_validates_worse_than_the_base(sample, encoder):
    small = _top_items(sample, 60)
    cfg = FineTuneConfig(alpha=None, epochs=1, batch_size=16, max_pairs=16, max_seq_length=24, lr=1e-4, val_frac=0.2, device="cpu")
    picked = choose_alpha(small, encoder, cfg, "cpu", "fp32")
    assert picked["chosen_by"] == "pseudo-cold validation" and picked["held_out_items"] == 12
    scores = picked["scores"]
    assert sorted(float(a) for a in scores) == sorted(ALPHAS)
    best = scores[str(picked["alpha"])]
    assert all((best["recall@10"], best["ndcg@10"]) >= (s["recall@10"], s["ndcg@10"]) for s in scores.values())
    assert best["recall@10"] >= scores["0.0"]["recall@10"]


def _top_items(sample, n: int):
    pop = np.asarray(sample.item_popularity)
    keep = set(sample.item_map.to_external(np.argsort(-pop)[:n]))
    return sample.with_interactions(sample.interactions[sample.interactions["item_id"].isin(keep)])


@pytest.mark.slow
def test_guard_keeps_the_base_when_tuning_wrecks_the_encoder(sample, encoder):
    small = _top_items(sample, 60)
    quick = {"epochs": 1, "batch_size": 16, "max_pairs": 32, "max_seq_length": 24, "val_frac": 0.2, "device": "cpu"}
    # a learning rate of 0.02 scrambles MiniLM: the guard must notice on the held-out items and keep the base
    wrecked = guard_alpha(small, encoder, FineTuneConfig(lr=0.02, alpha=1.0, **quick), "cpu", "fp32")
    assert wrecked["alpha"] == 0.0 and "clearly better" in wrecked["chosen_by"]
    assert wrecked["base_lead"] > wrecked["standard_error"] > 0
    assert wrecked["scores"]["0.0"]["recall@10"] > wrecked["scores"]["1.0"]["recall@10"]
    # a gentle run keeps the configured mix unless the base leads by more than a standard error
    calls = []
    gentle = guard_alpha(small, encoder, FineTuneConfig(lr=1e-5, alpha=0.75, **quick), "cpu", "fp32",
                         lambda s, t, m: calls.append(m))
    # its training run is labelled, so a progress bar or loss curve does not take it for the real one
    assert calls and all(m.startswith(f"{HELD_OUT_CHECK}: ") for m in calls)
    assert calls[-1].startswith(f"{HELD_OUT_CHECK}: comparing 2 weight mixes")
    assert set(gentle["scores"]) == {"0.0", "0.75"} and gentle["held_out_users"] > 10
    assert gentle["alpha"] == (0.0 if gentle["base_lead"] > gentle["standard_error"] else 0.75)


@pytest.mark.slow
def test_alpha_zero_ships_the_base_weights_without_a_guard_run(fresh_home, tiny, encoder):
    calls = []
    tuned = finetune(tiny, encoder, FineTuneConfig(**{**TINY, "alpha": 0.0, "guard": True}), progress=lambda *a: calls.append(a))
    assert tuned.manifest["metrics"]["validation"] == {"alpha": 0.0, "chosen_by": "config"}
    assert calls[0][0] == 0 and sum(1 for c in calls if c[0] == 0) == 1  # one training run, no pseudo-cold one
    base = _weights(encoder)
    assert all(np.allclose(v, base[k], atol=1e-6) for k, v in _weights(tuned).items() if k in base)
    texts = ["a long description " * 40]  # past the 16 word pieces it trained on: the base's vector all the same
    np.testing.assert_allclose(tuned.encode(texts), encoder.encode(texts), atol=1e-5)


def test_data_without_shared_users_says_what_fine_tuning_needs(fresh_home, encoder):
    import pandas as pd

    import recengine
    from recengine.errors import DataError

    one = recengine.read_dataset(pd.DataFrame({"user_id": ["solo"] * 4, "item_id": list("abcd"),
                                               "title": ["Red kettle", "Blue mug", "Tent", "Lamp"]}))
    with pytest.raises(DataError, match="each with at least 2 users"):
        finetune(one, encoder, FineTuneConfig(**TINY))
    with pytest.raises(DataError, match="at least two users, each with at least two items with text; this data has 1"):
        finetune(one, encoder, FineTuneConfig(**TINY, loss="history"))


def test_a_larger_batch_keeps_the_epochs_steps_and_sees_more_pairs(sample, encoder, sample_embeddings):
    """The GPU's larger default batch must not cut the steps: at batch 128 with the CPU's pairs, the default
    recipe fell below the base encoder on MovieLens-100K (benchmarks/finetune_cold_items.py)."""
    from recengine.text.finetune import (
        BATCH_CPU,
        BATCH_CUDA,
        HISTORY_BATCH_CPU,
        HISTORY_BATCH_CUDA,
        _HistoryPlan,
        _PairPlan,
    )

    for plan, loss, small, large in ((_PairPlan, "distill", BATCH_CPU, BATCH_CUDA),
                                     (_HistoryPlan, "history", HISTORY_BATCH_CPU, HISTORY_BATCH_CUDA)):
        cpu, gpu = (plan(sample, encoder, FineTuneConfig(loss=loss, batch_size=b, device="cpu"), "cpu",
                         np.random.default_rng(0)) for b in (small, large))
        assert gpu.pairs_per_epoch > 3 * cpu.pairs_per_epoch, loss
        assert 0.8 * cpu.total <= gpu.total <= cpu.total, loss  # a few anchors have fewer neighbours to add


def test_an_evaluation_with_an_encoder_tuned_on_other_interactions_says_its_figures_may_be_optimistic(fresh_home, tiny, encoder):
    """A fine-tune of the whole data, then evaluated on a split of it, has seen the split's test interactions."""
    import warnings

    from recengine.data import make_split
    from recengine.evaluation import evaluate
    from recengine.evaluation.protocols import tuned_elsewhere

    whole = finetune(tiny, encoder, FineTuneConfig(**TINY))
    split = make_split(tiny, "warm", seed=1)
    assert "may be optimistic" in tuned_elsewhere(whole, split.train)
    assert tuned_elsewhere(encoder, split.train) == ""
    own = finetune(split.train, encoder, FineTuneConfig(**TINY))  # trained on exactly this split's train
    assert tuned_elsewhere(own, split.train) == ""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        res = evaluate(tiny, "warm", models=["popularity", "content"], encoder=whole, seed=1).set_index("model")
    assert "may be optimistic" in res.loc["content", "note"] and "optimistic" not in res.loc["popularity", "note"]
    assert sum("may be optimistic" in str(w.message) for w in said) == 1


def test_training_reads_no_more_tokens_than_the_base(fresh_home, tiny, encoder, tmp_path, monkeypatch):
    """A base with 32 positions broke on the recipe's 64 tokens; one that embeds 8 learned from 16 it never sees."""
    import json
    import shutil

    from recengine.text import training

    folder = tmp_path / "short"
    shutil.copytree(encoder.path, folder, ignore=shutil.ignore_patterns("recengine.json"))
    cfg_file = folder / "sentence_bert_config.json"
    cfg_file.write_text(json.dumps({**json.loads(cfg_file.read_text()), "max_seq_length": 8}))
    base = Encoder(str(folder), device="cpu")
    assert base.max_seq_length == 8
    seen = []
    real = training.embed_batch
    monkeypatch.setattr(training, "embed_batch", lambda model, *a: seen.append(model.max_seq_length) or real(model, *a))
    tuned = finetune(tiny, base, FineTuneConfig(**{**TINY, "epochs": 1}))
    assert seen and set(seen) == {8} and tuned.max_seq_length == 8


def test_training_the_top_layers_of_a_model_without_numbered_layers_is_a_config_error():
    import torch

    from recengine.text.training import freeze_below

    shared = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 4))  # names "0.weight": no ".layer.N."
    with pytest.raises(ConfigError, match="no numbered layers"):
        freeze_below(shared, 1)
