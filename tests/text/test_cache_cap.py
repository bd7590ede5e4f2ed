"""The embedding cache's size cap ($RECENGINE_EMBEDDINGS_MB): whole fingerprint folders go, least recently used
first, never the one just written, and never from under a reader or a writer of another process."""

from __future__ import annotations

import os
import shutil
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from recengine.errors import ConfigError
from recengine.settings import embeddings_limit_bytes
from recengine.text import cache as module
from recengine.text.cache import EmbeddingCache, cache_root, clear_cache, clear_memory, prune_cache, text_keys

DIM = 64
TEXTS = [f"text {i}" for i in range(40)]


def vectors(seed: int, n: int = len(TEXTS)) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)


def filled(fingerprint: str, seed: int, age_s: float | None = None) -> EmbeddingCache:
    """A cache of ``fingerprint`` holding TEXTS, its folder last used ``age_s`` seconds ago."""
    cache = EmbeddingCache(fingerprint, DIM)
    cache.put(text_keys(TEXTS), vectors(seed))
    if age_s is not None:
        then = time.time() - age_s
        os.utime(cache.dir, (then, then))
    return cache


def folder_size(cache: EmbeddingCache) -> int:
    return sum(f.stat().st_size for f in cache.dir.rglob("*") if f.is_file())


def left() -> set[str]:
    return {p.name for p in cache_root().iterdir() if not p.name.startswith(".")}


def set_cap(monkeypatch: pytest.MonkeyPatch, n_bytes: float) -> None:
    monkeypatch.setenv("RECENGINE_EMBEDDINGS_MB", repr(n_bytes / 2**20))


def test_past_the_cap_the_least_recently_used_go_and_the_one_written_stays(fresh_home, monkeypatch):
    a, _, c = filled("enc-a", 1, age_s=300), filled("enc-b", 2, age_s=200), filled("enc-c", 3, age_s=100)
    one = folder_size(a)
    set_cap(monkeypatch, 2.5 * one)  # room for two fingerprints of this size
    d = filled("enc-d", 4)
    assert left() == {"enc-c", "enc-d"}  # a then b, used longest ago, went; four were 4 * one
    found, got = c.get(text_keys(TEXTS))
    assert found.all()
    np.testing.assert_array_equal(got, vectors(3))
    found, _ = a.get(text_keys(TEXTS))
    assert not found.any()  # gone: its texts are misses, embedded again when needed
    monkeypatch.setenv("RECENGINE_EMBEDDINGS_MB", "0")  # no room at all: the one written stays, alone
    filled("enc-e", 5)
    assert left() == {"enc-e"}
    found, got = EmbeddingCache("enc-e", DIM).get(text_keys(TEXTS))
    assert found.all()
    np.testing.assert_array_equal(got, vectors(5))
    d.put(text_keys(["one more"]), vectors(6, 1))  # the one written stays even past a cap it alone exceeds
    assert left() == {"enc-d"}


def test_under_the_cap_nothing_goes(fresh_home, monkeypatch):
    a = filled("enc-a", 1, age_s=300)
    set_cap(monkeypatch, 2 * folder_size(a) + 4096)
    filled("enc-b", 2)
    assert left() == {"enc-a", "enc-b"}
    monkeypatch.delenv("RECENGINE_EMBEDDINGS_MB")  # the default, 2,000 MB
    for i in range(3):
        filled(f"enc-{i}", i)
    assert len(left()) == 5


def test_a_hit_marks_its_folder_used_and_a_miss_does_not(fresh_home, monkeypatch):
    a, b, _ = filled("enc-a", 1, age_s=300), filled("enc-b", 2, age_s=200), filled("enc-c", 3, age_s=100)
    before = b.dir.stat().st_mtime
    found, _ = b.get(text_keys(["never cached"]))
    assert not found.any() and b.dir.stat().st_mtime == before  # a miss is no use
    found, _ = a.get(text_keys(TEXTS[:1]))  # a, the oldest, read now
    assert found.all() and a.dir.stat().st_mtime > time.time() - 60
    set_cap(monkeypatch, 2.5 * folder_size(a))
    filled("enc-d", 4)
    assert left() == {"enc-a", "enc-d"}  # b and c went, not a


def test_a_hit_marks_its_folder_at_most_once_a_minute_per_process(fresh_home):
    a = filled("enc-a", 1)
    assert a.get(text_keys(TEXTS[:1]))[0].all()
    old = time.time() - 300
    os.utime(a.dir, (old, old))
    assert a.get(text_keys(TEXTS[:1]))[0].all()
    assert a.dir.stat().st_mtime == pytest.approx(old, abs=1)  # marked a moment ago: not again (a utime per read is waste)
    clear_memory()  # forgets when it marked, too
    assert a.get(text_keys(TEXTS[:1]))[0].all()
    assert a.dir.stat().st_mtime > time.time() - 60


def test_a_folder_removed_while_another_process_reads_it_gives_misses_not_errors(fresh_home):
    cache = filled("enc-a", 1)
    assert cache.get(text_keys(TEXTS))[0].all()  # its shard is now held in memory too
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing was damaged: no CacheWarning
        shutil.rmtree(cache.dir)  # another process pruned it
        found, got = cache.get(text_keys(TEXTS))
        assert not found.any() and not got.any()
        assert cache.info()["n_vectors"] == 0
        cache.put(text_keys(TEXTS[:5]), vectors(1)[:5])  # written again into a new folder
        found, got = cache.get(text_keys(TEXTS))
    assert found.tolist() == [True] * 5 + [False] * (len(TEXTS) - 5)
    np.testing.assert_array_equal(got[:5], vectors(1)[:5])


def test_a_shard_that_vanishes_between_listing_and_reading_is_a_miss_not_damage(fresh_home, monkeypatch):
    cache = filled("enc-a", 1)
    filled("enc-b", 2)  # another shard, in another folder
    clear_memory()
    real_read = EmbeddingCache._read

    def read_after_another_process_removed_it(self, path: Path):
        path.unlink(missing_ok=True)
        return real_read(self, path)

    monkeypatch.setattr(EmbeddingCache, "_read", read_after_another_process_removed_it)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found, _ = cache.get(text_keys(TEXTS))
    assert not found.any()

    def read_after_its_folder_went(self, path: Path):
        shutil.rmtree(self.dir, ignore_errors=True)
        return real_read(self, path)

    other = EmbeddingCache("enc-b", DIM)
    monkeypatch.setattr(EmbeddingCache, "_read", read_after_its_folder_went)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found, _ = other.get(text_keys(TEXTS))
    assert not found.any()


def test_a_shard_that_vanishes_as_it_is_opened_is_a_miss_not_damage(fresh_home, monkeypatch):
    """Listed and measured, then removed by another process before safetensors opens it: no CacheWarning."""
    import safetensors

    cache = filled("enc-a", 1)
    clear_memory()
    real_open = safetensors.safe_open

    def open_after_another_process_removed_it(path, *args, **kwargs):
        Path(path).unlink(missing_ok=True)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(safetensors, "safe_open", open_after_another_process_removed_it)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found, got = cache.get(text_keys(TEXTS))
    assert not found.any() and not got.any()


def test_a_folder_a_writer_is_at_work_in_is_not_removed(fresh_home):
    """The pruner takes the folder's lock without waiting: a folder locked by a writer (here another thread, as
    another process would) stays, and goes once the writer is done."""
    busy = filled("enc-a", 1, age_s=300)
    lock = module._folder_lock(busy.dir)
    taken, done = threading.Event(), threading.Event()

    def writer() -> None:
        with lock:
            taken.set()
            done.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert taken.wait(30)
        filled("enc-b", 2, age_s=200)
        assert prune_cache(0, keep="enc-c") == [cache_root() / "enc-b"]
        assert left() == {"enc-a"}
    finally:
        done.set()
        thread.join(30)
    assert prune_cache(0) == [busy.dir] and left() == set()
    assert (cache_root() / ".locks" / "enc-a.lock").exists()  # the lock outlives its folder: it is never removed


def test_a_folder_written_after_the_pruner_measured_it_stays(fresh_home, monkeypatch):
    """Another process writes into the oldest folder after the pruner read its age: it is in use, so it stays and
    the next oldest goes."""
    from recengine import diskcap

    filled("enc-a", 1, age_s=300)
    filled("enc-b", 2, age_s=200)
    real_bytes = diskcap.folder_bytes

    def measure_then_another_process_writes(folder: Path) -> int:
        n = real_bytes(folder)
        if folder.name == "enc-a":
            os.utime(folder)  # what a write there (a new shard) or a hit does to it
        return n

    monkeypatch.setattr(diskcap, "folder_bytes", measure_then_another_process_writes)
    assert prune_cache(0, keep="enc-c") == [cache_root() / "enc-b"]
    assert left() == {"enc-a"}


def test_writers_and_readers_of_many_encoders_under_a_tiny_cap_never_fail_nor_read_wrong_vectors(fresh_home, monkeypatch):
    """Threads stand for processes (each holds its own file locks): every put prunes every other encoder's folder,
    while the others read and write theirs."""
    monkeypatch.setenv("RECENGINE_EMBEDDINGS_MB", "0")
    errors: list[BaseException] = []
    n_hits = [0]

    def work(worker: int) -> None:
        try:
            cache = EmbeddingCache(f"enc-{worker}", DIM)
            expected = vectors(worker)
            for round_ in range(15):
                part = slice(round_ % 4 * 10, round_ % 4 * 10 + 10)
                cache.put(text_keys(TEXTS[part]), expected[part])
                found, got = cache.get(text_keys(TEXTS))
                np.testing.assert_array_equal(got[found], expected[found])
                np.testing.assert_array_equal(got[~found], 0)
                n_hits[0] += int(found.sum())
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert not errors, errors
    assert n_hits[0] > 0
    assert not [p for p in cache_root().iterdir() if p.name.startswith(".trash-")]


def test_leftovers_of_a_removal_a_killed_process_did_not_finish_go(fresh_home):
    filled("enc-a", 1)
    trash = cache_root() / ".trash-enc-x-123-abcd"
    trash.mkdir()
    (trash / "shard-0.safetensors").write_bytes(b"x" * 100)
    filled("enc-b", 2)
    assert not trash.exists() and left() == {"enc-a", "enc-b"}


def test_clear_cache_removes_the_folders_and_keeps_the_locks(fresh_home):
    filled("enc-a", 1)
    filled("enc-b", 2)
    clear_cache("enc-a")
    assert left() == {"enc-b"}
    clear_cache()
    assert left() == set() and {p.name for p in (cache_root() / ".locks").iterdir()} == {"enc-a.lock", "enc-b.lock"}
    with pytest.raises(Exception, match="not a valid encoder fingerprint"):
        clear_cache("../fitted")


def test_the_cap_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("RECENGINE_EMBEDDINGS_MB", raising=False)
    assert embeddings_limit_bytes() == 2000 * 2**20
    monkeypatch.setenv("RECENGINE_EMBEDDINGS_MB", "")
    assert embeddings_limit_bytes() == 2000 * 2**20
    for raw, n in [("0", 0), ("0.5", 2**19), ("300", 300 * 2**20)]:
        monkeypatch.setenv("RECENGINE_EMBEDDINGS_MB", raw)
        assert embeddings_limit_bytes() == n


@pytest.mark.parametrize("bad", ["abc", "2GB", "-1", "nan", "inf"])
def test_a_bad_cap_is_refused_before_anything_is_written(fresh_home, monkeypatch, bad):
    monkeypatch.setenv("RECENGINE_EMBEDDINGS_MB", bad)
    message = f"RECENGINE_EMBEDDINGS_MB is '{bad}'; give a number of megabytes, e.g. RECENGINE_EMBEDDINGS_MB=2000"
    with pytest.raises(ConfigError, match=message.replace("$", r"\$").replace(".", r"\.")):
        embeddings_limit_bytes()
    cache = EmbeddingCache("enc-a", DIM)
    with pytest.raises(ConfigError, match="RECENGINE_EMBEDDINGS_MB"):
        cache.put(text_keys(TEXTS), vectors(1))
    assert not list(cache.dir.glob("shard-*"))
