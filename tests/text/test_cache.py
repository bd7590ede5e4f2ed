"""The embedding cache: hits and misses, one changed text, corruption, concurrent writers, no pickle."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import recengine
from recengine.text import CacheWarning, embed_items, embed_texts
from recengine.text.cache import EmbeddingCache, cache_root, clear_memory, text_keys


def _with_text(ds, item_id: str, text: str):
    items = ds.items.copy()
    items.loc[items["item_id"] == item_id, "text"] = text
    return recengine.Dataset(ds.interactions, items, ds.user_map, ds.item_map, name=ds.name)


def test_hits_and_misses(fresh_home, tiny, encoder):
    first = embed_items(tiny, encoder)
    assert (first.n_encoded, first.n_cached) == (tiny.n_items, 0)
    second = embed_items(tiny, encoder)
    assert (second.n_encoded, second.n_cached) == (0, tiny.n_items)
    np.testing.assert_array_equal(first.vectors, second.vectors)
    assert first.vectors.shape == (tiny.n_items, encoder.dim)
    assert list(first.item_ids) == list(tiny.item_map.external)
    np.testing.assert_allclose(np.linalg.norm(first.vectors, axis=1), 1.0, atol=1e-5)


def test_one_changed_text_reembeds_one_item(fresh_home, tiny, encoder):
    before = embed_items(tiny, encoder)
    changed = _with_text(tiny, "d", "a quiet drama about a lighthouse keeper")
    after = embed_items(changed, encoder)
    assert (after.n_encoded, after.n_cached) == (1, tiny.n_items - 1)
    d = tiny.item_map.index("d")
    others = np.arange(tiny.n_items) != d
    np.testing.assert_array_equal(after.vectors[others], before.vectors[others])
    assert not np.allclose(after.vectors[d], before.vectors[d])
    np.testing.assert_allclose(after.vectors[d], encoder.encode(["a quiet drama about a lighthouse keeper"])[0], atol=1e-5)


def test_empty_text_gets_zero_vector_and_flag(fresh_home, tiny, encoder):
    emb = embed_items(_with_text(tiny, "b", ""), encoder)
    b = tiny.item_map.index("b")
    assert not emb.has_text[b] and emb.has_text.sum() == tiny.n_items - 1
    assert not emb.vectors[b].any()


def test_query_texts_share_the_cache(fresh_home, encoder, space_texts):
    vecs = embed_texts(space_texts, encoder)
    cache = EmbeddingCache(encoder.fingerprint, encoder.dim)
    found, cached = cache.get(text_keys(space_texts))
    assert found.all()
    np.testing.assert_array_equal(cached, vecs)
    assert embed_texts("settlers build a colony on Mars", encoder).shape == (1, encoder.dim)


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupted_file_is_detected_and_rebuilt(fresh_home, tiny, encoder, damage):
    good = embed_items(tiny, encoder)
    shard = next((cache_root() / encoder.fingerprint).glob("shard-*.safetensors"))
    blob = shard.read_bytes()
    if damage == "truncate":
        shard.write_bytes(blob[: len(blob) // 2])
    else:
        flipped = bytearray(blob)
        flipped[-7] ^= 0x5A  # inside the vectors: parses fine, checksum fails
        shard.write_bytes(bytes(flipped))
    clear_memory()
    with pytest.warns(CacheWarning, match="damaged"):
        rebuilt = embed_items(tiny, encoder)
    assert rebuilt.n_encoded == tiny.n_items
    np.testing.assert_allclose(rebuilt.vectors, good.vectors, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        again = embed_items(tiny, encoder)
    assert again.n_encoded == 0


def test_many_small_writes_are_merged(fresh_home, encoder):
    cache = EmbeddingCache("merge-test", dim=3)
    rng = np.random.default_rng(0)
    vecs = rng.random((40, 3), dtype=np.float32)
    keys = text_keys([f"text {i}" for i in range(40)])
    for i in range(40):
        cache.put(keys[i : i + 1], vecs[i : i + 1])
    assert cache.info()["n_shards"] <= 16
    found, got = cache.get(keys)
    assert found.all()
    np.testing.assert_array_equal(got, vecs)
    # the shards merged away are gone from memory too, not only from the disk
    from recengine.text import cache as module

    assert all(Path(p).exists() for p in module._memo if "merge-test" in p)


def test_no_pickle_files_written(fresh_home, tiny, encoder):
    embed_items(tiny, encoder)
    embed_texts(["anything at all"], encoder)
    for path in fresh_home.rglob("*"):
        if path.is_file():
            assert path.suffix not in {".pkl", ".pickle", ".pt", ".bin"}
            head = path.read_bytes()[:2]
            assert not (len(head) == 2 and head[0] == 0x80 and head[1] <= 5), f"{path} looks like a pickle"


_WORKER = textwrap.dedent(
    """
    import json, sys, numpy as np
    from recengine.text import Encoder, embed_texts
    texts = json.loads(open(sys.argv[1]).read())
    vecs = embed_texts(texts, Encoder("default", device="cpu"))
    np.save(sys.argv[2], vecs)
    """
)


@pytest.mark.slow
def test_two_processes_embedding_at_once_agree(fresh_home, tmp_path, sample, encoder):
    texts = list(pd.unique(np.asarray(sample.texts[:120])))
    src = tmp_path / "texts.json"
    src.write_text(json.dumps(texts))
    env = {**__import__("os").environ, "RECENGINE_HOME": str(fresh_home), "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen([sys.executable, "-c", _WORKER, str(src), str(tmp_path / f"out{i}.npy")], env=env, stderr=subprocess.PIPE)
        for i in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()[-2000:]
    a, b = np.load(tmp_path / "out0.npy"), np.load(tmp_path / "out1.npy")
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, encoder.encode(texts), atol=1e-5)
    clear_memory()
    cached = embed_texts(texts, encoder)
    np.testing.assert_array_equal(cached, a)


def test_a_cache_that_cannot_be_written_still_gives_the_vectors(fresh_home, tiny, encoder, monkeypatch):
    def disk_full(self, keys, vectors):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch, pytest.warns(CacheWarning, match="No space left on device.*RECENGINE_HOME"):
        patch.setattr(EmbeddingCache, "put", disk_full)
        emb = embed_items(tiny, encoder)
    np.testing.assert_allclose(emb.vectors[emb.has_text], encoder.encode([t for t in tiny.texts if t.strip()]), atol=1e-5)
    assert embed_items(tiny, encoder).n_encoded == emb.n_encoded  # nothing was kept: embedded again


@pytest.mark.parametrize("bad", [0, -5, 2.5, True])
def test_a_bad_batch_size_is_refused_even_when_everything_is_cached(fresh_home, tiny, encoder, bad):
    from recengine.errors import ConfigError

    embed_items(tiny, encoder)
    with pytest.raises(ConfigError, match="batch size"):
        embed_items(tiny, encoder, batch_size=bad)


@pytest.mark.parametrize("every", [0.0, 1e9])  # written as it goes, or only when interrupted
def test_an_interrupted_embedding_keeps_what_it_had_done(fresh_home, encoder, monkeypatch, every):
    from recengine.text import embed as embed_module
    from recengine.text import encoder as encoder_module

    monkeypatch.setattr(encoder_module, "CHUNK_TEXTS", 4)
    monkeypatch.setattr(embed_module, "CHECKPOINT_SECONDS", every)
    texts = [f"item number {i}: a {'long ' * i}story" for i in range(10)]

    def stop_after_two_chunks(done, total, message):
        if done >= 8:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        embed_texts(texts, encoder, progress=stop_after_two_chunks, batch_size=2)
    clear_memory()
    found, _ = EmbeddingCache(encoder.fingerprint, encoder.dim).get(text_keys(texts))
    assert found.sum() == 8  # two chunks of four were written before the interrupt
    calls = []
    again = embed_texts(texts, encoder, progress=lambda d, t, m: calls.append(t), batch_size=2)
    assert calls[0] == 2  # only the last two reach the model
    np.testing.assert_allclose(again, encoder.encode(texts), atol=1e-5)


def test_texts_longer_than_the_model_reads_are_counted_and_warned_once(fresh_home, tiny, encoder):
    long = _with_text(tiny, "c", "Galaxy Quest. " + "A crew of actors is taken for real space heroes. " * 60)
    with pytest.warns(recengine.text.TruncationWarning, match=r"1 of 7 item texts are longer than all-MiniLM-L6-v2 reads \(256"):
        first = embed_items(long, encoder)
    assert first.n_truncated == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # from the cache: nothing is embedded, so nothing is said again
        second = embed_items(long, encoder)
    assert (second.n_encoded, second.n_truncated) == (0, 0)
    assert embed_items(tiny, encoder).n_truncated == 0


def test_request_matches_ranks_the_items_with_text_by_cosine(fresh_home, tiny, encoder):
    import dataclasses

    from recengine.errors import ConfigError
    from recengine.text import request_matches

    emb = embed_items(_with_text(tiny, "b", ""), encoder)
    got = request_matches("a trip to the stars", encoder, emb, k=10)
    assert len(got) == tiny.n_items - 1 and "b" not in {i for i, _ in got}  # no text, no place in the list
    cosines = [c for _, c in got]
    assert cosines == sorted(cosines, reverse=True)
    query = encoder.encode(["a trip to the stars"])[0]
    assert cosines[0] == pytest.approx(float(emb.vectors[tiny.item_map.index(got[0][0])] @ query), abs=1e-5)
    assert [i for i, _ in request_matches("a trip to the stars", encoder, emb, k=2)] == [i for i, _ in got[:2]]
    with pytest.raises(ConfigError, match="same encoder"):
        request_matches("a trip", encoder, dataclasses.replace(emb, fingerprint="another-encoder"))


def test_texts_in_letters_the_default_encoder_does_not_read_are_named(fresh_home, encoder) -> None:
    """KuaiRec's captions are Chinese; the default encoder learned English, and the user is told which model reads them."""
    captions = ["精神小伙路难走 程哥你狗粮", "今天的晚饭真好吃", "周末去爬山看日出", "猫咪在窗边晒太阳"]
    ds = recengine.read_dataset(pd.DataFrame({"user": ["a", "a", "b", "b"], "item": ["1", "2", "3", "4"]}),
                                pd.DataFrame({"item": ["1", "2", "3", "4"], "caption": captions}))
    with pytest.warns(recengine.text.LanguageWarning, match="Chinese or Japanese .* paraphrase-multilingual"):
        embed_items(ds, encoder)
    with warnings.catch_warnings():
        warnings.simplefilter("error", recengine.text.LanguageWarning)
        english = ds.items.assign(text=["Rain jacket", "Trail shoes", "Wool socks", "Two-person tent"])
        embed_items(dataclasses.replace(ds, items=english), encoder)  # English texts: no warning


@pytest.mark.timeout(120)
def test_a_merge_that_meets_a_damaged_shard_discards_it_without_waiting_on_its_own_lock(fresh_home):
    """put() merges under the folder's lock; a damaged shard is discarded under a lock too: a second lock object on
    the same file waited on the first for the whole 600 s timeout."""
    import time

    cache = EmbeddingCache("demo-0000", dim=4)
    for i in range(16):
        cache.put(text_keys([f"t{i}"]), np.full((1, 4), float(i), np.float32))
    damaged = sorted(cache.dir.glob("shard-*"))[3]
    blob = bytearray(damaged.read_bytes())
    blob[-1] ^= 1
    damaged.write_bytes(bytes(blob))
    clear_memory()
    start = time.monotonic()
    with pytest.warns(CacheWarning, match="is damaged"):
        cache.put(text_keys(["new"]), np.ones((1, 4), np.float32))
    assert time.monotonic() - start < 30
    found, vectors = cache.get(text_keys(["new", "t0", "t15"]))
    assert found.all() and vectors[2, 0] == 15.0 and len(list(cache.dir.glob("shard-*"))) == 1


def test_an_encoder_with_damaged_weights_is_refused_and_nothing_is_cached(fresh_home, encoder):
    """A fine-tune whose weights held NaN embedded every text as NaN, cached them, and recommend went on (exit 0)."""
    import copy

    import torch

    from recengine.errors import ModelError
    from recengine.text import Encoder

    model = copy.deepcopy(encoder.model)
    with torch.no_grad():
        next(p for n, p in model.named_parameters() if "LayerNorm.weight" in n)[:16] = float("nan")
    broken = Encoder.from_model(model, name="broken", fingerprint="broken-0000", device="cpu", precision="fp32")
    with pytest.raises(ModelError, match="not numbers .*damaged"):
        embed_texts(["a slow-burning sci-fi film", "a romantic comedy"], broken)
    assert not list(EmbeddingCache("broken-0000", broken.dim).dir.glob("shard-*"))


def test_a_wrong_width_in_the_shapes_memo_never_costs_the_cache_its_files(fresh_home, tiny, encoder):
    """encoder-shapes.json edited to dim 768: the sound 384-wide cache file was called damaged and deleted, then
    the embedding crashed on the shapes."""
    import json as _json

    from recengine.text import Encoder
    from recengine.text.encoder import SHAPES_FILE

    first = embed_items(tiny, Encoder("default", device="cpu"))  # loads here: the memo is written in this home
    memo = fresh_home / SHAPES_FILE
    data = _json.loads(memo.read_text())
    data[encoder.fingerprint]["dim"] = 768
    memo.write_text(_json.dumps(data))
    clear_memory()
    told = Encoder("default", device="cpu")
    assert told.dim == 768  # the memo is believed until the model is needed
    with pytest.warns(CacheWarning, match="dimension 384, not 768: it is left as it is"):
        again = embed_texts([*tiny.texts, "a text not cached yet"], told)
    assert told.dim == 384 and again.shape == (len(tiny.texts) + 1, 384)
    np.testing.assert_allclose(again[:-1], first.vectors, atol=1e-6)
    assert len(list(EmbeddingCache(encoder.fingerprint, 384).dir.glob("shard-*")))  # the sound file is still there
    assert _json.loads(memo.read_text())[encoder.fingerprint]["dim"] == 384


def test_a_half_written_file_a_killed_process_left_is_removed_once_old(fresh_home):
    import os
    import time

    cache = EmbeddingCache("demo-0000", dim=4)
    cache.put(text_keys(["a"]), np.ones((1, 4), np.float32))
    stale, fresh = cache.dir / ".shard-dead.123.456.tmp", cache.dir / ".shard-busy.789.1.tmp"
    for f in (stale, fresh):
        f.write_bytes(b"half")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    cache.put(text_keys(["b"]), np.ones((1, 4), np.float32))
    assert not stale.exists() and fresh.exists()  # a writer at work in another process keeps its file
