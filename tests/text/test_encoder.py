"""Encoder: device and precision resolution, fingerprints, safetensors-only loading, encode()."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from recengine.errors import ConfigError, ModelError
from recengine.text import Encoder, resolve_device, resolve_precision
from recengine.text.encoder import model_fingerprint, weight_files


def test_auto_device_is_cpu_without_gpu(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    assert resolve_device(None) == "cpu"


def test_auto_device_prefers_cuda_then_mps(monkeypatch):
    import torch

    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("AUTO") == "mps"


def test_explicit_missing_device_is_a_user_error(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    for bad in ("cuda", "cuda:1", "mps", "tpu"):
        with pytest.raises(ConfigError):
            resolve_device(bad)


def test_precision_on_gpu_is_half(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert resolve_precision("cuda", "auto") == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert resolve_precision("cuda:0", "auto") == "fp16"
    assert resolve_precision("cpu", "auto") == "fp32"
    with pytest.raises(ConfigError):
        resolve_precision("cpu", "fp16")


def test_default_encoder(encoder):
    assert encoder.device == "cpu" and encoder.precision == "fp32"
    assert encoder.dim == 384
    assert encoder.fingerprint.startswith("all-MiniLM-L6-v2-")
    assert all(p.suffix == ".safetensors" for p in weight_files(encoder.path))


def test_fingerprint_depends_on_weights(tmp_path, encoder):
    src = weight_files(encoder.path)[0]
    copy = tmp_path / "m"
    copy.mkdir()
    (copy / "model.safetensors").write_bytes(src.read_bytes())
    same = model_fingerprint("x", copy)
    assert model_fingerprint("x", copy) == same  # memoised, stable
    blob = bytearray(src.read_bytes())
    blob[-1] ^= 0xFF
    (copy / "model.safetensors").write_bytes(bytes(blob))
    assert model_fingerprint("x", copy) != same


def _model_copy(encoder, dest: Path) -> Path:
    import shutil

    shutil.copytree(encoder.path, dest, ignore=shutil.ignore_patterns("recengine.json"))
    return dest


def test_fingerprint_covers_the_files_besides_the_weights(tmp_path, encoder):
    folder = _model_copy(encoder, tmp_path / "m")
    before = model_fingerprint("x", folder)
    (folder / "README.md").write_text("notes do not change what the model computes")
    assert model_fingerprint("x", folder) == before
    pooling = folder / "1_Pooling" / "config.json"
    cfg = json.loads(pooling.read_text())
    cfg.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(cfg))  # CLS pooling: other vectors from the same weights
    assert model_fingerprint("x", folder) != before


def test_other_runtimes_copies_of_the_model_neither_block_it_nor_change_its_fingerprint(tmp_path, encoder):
    folder = _model_copy(encoder, tmp_path / "hub")
    before = model_fingerprint("x", folder)
    (folder / "openvino").mkdir()
    (folder / "openvino" / "openvino_model.bin").write_bytes(b"not a pickle, an OpenVINO weights blob")
    (folder / "openvino" / "openvino_model.xml").write_text("<net/>")
    (folder / "onnx").mkdir()
    (folder / "onnx" / "model.onnx").write_bytes(b"onnx")
    (folder / "tf_model.h5").write_bytes(b"h5")
    assert model_fingerprint("x", folder) == before
    assert Encoder(str(folder), device="cpu").dim == 384


def test_a_module_with_only_pickle_weights_is_refused_though_others_are_safetensors(tmp_path, encoder):
    folder = _model_copy(encoder, tmp_path / "dense")
    modules = json.loads((folder / "modules.json").read_text())
    modules.append({"idx": len(modules), "name": "3", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (folder / "modules.json").write_text(json.dumps(modules))  # a module the model loads
    (folder / "2_Dense").mkdir()
    (folder / "2_Dense" / "pytorch_model.bin").write_bytes(b"\x80\x04not really")
    with pytest.raises(ModelError, match="2_Dense/pytorch_model.bin"):
        Encoder(str(folder), device="cpu")
    (folder / "2_Dense" / "other.safetensors").write_bytes(b"")  # not what the loader reads first
    with pytest.raises(ModelError, match="2_Dense/pytorch_model.bin"):
        weight_files(folder)
    (folder / "2_Dense" / "model.safetensors").write_bytes(b"")  # read before the pickle, which is then never read
    assert len(weight_files(folder)) == 3


@pytest.mark.parametrize("claimed", ["../../escaped", "ft-0123456789abcdef"])
def test_a_manifest_cannot_claim_another_models_fingerprint(tmp_path, encoder, claimed):
    folder = _model_copy(encoder, tmp_path / "claims")
    (folder / "recengine.json").write_text(json.dumps({"fingerprint": claimed}))
    with pytest.warns(UserWarning, match="not that fine-tune's folder.*of its own"):
        enc = Encoder(str(folder), device="cpu")
    assert enc.fingerprint.startswith("claims-") and enc.fingerprint != claimed


def test_a_fingerprint_that_is_not_a_folder_name_is_refused(fresh_home):
    from recengine.text.cache import EmbeddingCache

    for bad in ("../../escaped", ".hidden", "a/b", ""):
        with pytest.raises(ModelError, match="not a valid encoder fingerprint"):
            EmbeddingCache(bad, dim=3)


def test_a_home_that_cannot_be_made_is_a_config_error(tmp_path, monkeypatch):
    from recengine.settings import home_dir

    (tmp_path / "afile").write_text("")
    monkeypatch.setenv("RECENGINE_HOME", str(tmp_path / "afile" / "home"))
    with pytest.raises(ConfigError, match="RECENGINE_HOME=.*afile/home.*Not a directory.*write to"):
        home_dir()


def test_pickle_only_model_is_refused(tmp_path):
    folder = tmp_path / "pickled"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04not really")
    with pytest.raises(ModelError, match="safetensors"):
        Encoder(str(folder), device="cpu")


def test_unknown_model_offline_is_a_model_error():
    with pytest.raises(ModelError, match="default"):
        Encoder("no-such-org/no-such-model-xyz", device="cpu")


def test_encode_is_normalised_ordered_and_zero_for_empty(encoder, space_texts):
    texts = [space_texts[0], "", space_texts[2], "   ", space_texts[4]]
    vecs = encoder.encode(texts, batch_size=2)
    assert vecs.dtype == np.float32 and vecs.shape == (5, 384)
    norms = np.linalg.norm(vecs, axis=1)
    np.testing.assert_allclose(norms[[0, 2, 4]], 1.0, atol=1e-5)
    assert norms[1] == 0 and norms[3] == 0
    # order kept despite length sorting: each row equals that text encoded alone
    for i in (0, 2, 4):
        np.testing.assert_allclose(vecs[i], encoder.encode([texts[i]])[0], atol=1e-5)
    sims = vecs[0] @ vecs[[2, 4]].T
    assert sims[1] > sims[0]  # Mars colony is closer to deep space than a Paris romance


def test_encode_reports_progress(encoder, space_texts):
    calls = []
    encoder.encode(space_texts, batch_size=2, progress=lambda d, t, m: calls.append((d, t)))
    assert calls[0] == (0, 5) and calls[-1] == (5, 5)
    # a catalogue smaller than a chunk still moves the bar: 1,411 long texts once sat at 0 % for 3 minutes
    calls.clear()
    encoder.encode([f"film {i}" for i in range(200)], batch_size=4, progress=lambda d, t, m: calls.append(d))
    assert len(calls) >= 20 and calls == sorted(calls) and calls[-1] == 200


def test_bundled_model_folder_exists():
    from recengine.text.encoder import default_model_dir

    assert (Path(default_model_dir()) / "config.json").is_file()


def test_api_misuse_gets_config_errors(encoder, sample):
    import pytest

    from recengine.errors import ConfigError
    from recengine.text import embed_items, embed_texts, finetune

    with pytest.raises(ConfigError, match="takes a recengine Dataset"):
        embed_items(sample.items, encoder)
    with pytest.raises(ConfigError, match="string or a list of strings"):
        embed_texts(5, encoder)
    with pytest.raises(ConfigError, match="invalid fine-tuning setting"):
        finetune(sample, encoder, {"epochs": 0})


def test_an_encoder_loaded_before_loads_its_model_only_when_a_text_must_be_encoded(fresh_home, tiny, space_texts):
    from recengine.text import embed_items

    first = Encoder("default", device="cpu")  # never loaded in this home: loads at once, and remembers its shape
    assert first._model is not None
    embed_items(tiny, first)
    again = Encoder("default", device="cpu")
    assert again._model is None and (again.dim, again.max_seq_length, again.fingerprint) == (384, 256, first.fingerprint)
    assert embed_items(tiny, again).n_encoded == 0 and again._model is None  # all cached: no model needed
    np.testing.assert_allclose(again.encode(space_texts), first.encode(space_texts), atol=1e-6)
    assert again._model is not None


def test_a_changed_model_folder_loads_at_once_so_its_errors_show_there(fresh_home, tmp_path, encoder):
    folder = _model_copy(encoder, tmp_path / "m")
    Encoder(str(folder), device="cpu")
    (folder / "modules.json").write_text("not json")  # a new fingerprint: nothing remembered, loaded (and refused) now
    with pytest.raises(ModelError, match="cannot load the encoder"):
        Encoder(str(folder), device="cpu")


def test_too_long_counts_tokens_against_the_models_limit(encoder):
    limit = encoder.max_seq_length  # 256 for all-MiniLM-L6-v2: [CLS] and [SEP] count too
    fits, over = "word " * (limit - 2), "word " * (limit - 1)
    accents = "é" * (limit + 10)  # more bytes than the limit, yet few word pieces
    flags = encoder.too_long(["a short title", fits, over, accents, "", None])
    assert flags.tolist() == [False, False, True, False, False, False]


def test_a_text_over_the_limit_is_read_only_to_the_limit(encoder):
    head = "a lighthouse keeper " * 100  # past the limit on its own
    a, b, short = encoder.encode([head + "space battles", head + "romantic comedy", "a lighthouse keeper"])
    assert encoder.too_long([head]).all()
    np.testing.assert_allclose(a, b, atol=1e-5)  # what follows the limit changes nothing: the reason to warn
    assert not np.allclose(a, short, atol=1e-3)


def test_an_encoder_may_be_given_by_name(sample, encoder):
    """finetune(base="default") takes a name: embed_items(ds, "default") was an AttributeError ('str' has no 'dim')."""
    from recengine.text import embed_items, embed_texts

    np.testing.assert_array_equal(embed_items(sample, "default").vectors, embed_items(sample, encoder).vectors)
    assert embed_texts(["a space film"], "default").shape == (1, encoder.dim)
    with pytest.raises(ConfigError, match="an Encoder or a model name"):
        embed_texts(["a space film"], 384)


def test_a_huge_text_reads_only_its_readable_part(encoder, monkeypatch):
    """One 25 MB description took two minutes to tokenize, all but its first 256 tokens thrown away."""
    words = " ".join(f"word{i % 97} plot{i % 13}" for i in range(400_000))  # about 5 MB
    seen: list[int] = []
    real = encoder.model.encode
    monkeypatch.setattr(encoder.model, "encode", lambda texts, **kw: (seen.extend(len(t) for t in texts), real(texts, **kw))[1])
    huge, head = encoder.encode([words, words[:20_000]])
    assert max(seen) <= 32 * encoder.max_seq_length  # the model never saw the megabytes
    np.testing.assert_allclose(huge, head, atol=1e-6)  # and its vector is the same: only the start is read
    assert encoder.too_long([words]).all()


@pytest.mark.parametrize("name, says", [("./no_such_dir/", "no folder './no_such_dir/'"),
                                        ("ft-doesnotexist", "no fine-tuned encoder ft-doesnotexist")])
def test_a_missing_folder_or_fine_tune_is_named_not_sent_to_the_hub(name, says):
    """A missing folder read "not a local folder ... (HFValidationError)"; ft-doesnotexist got the hub's message."""
    from recengine.text.encoder import _resolve_model

    with pytest.raises(ModelError, match=re.escape(says)):
        _resolve_model(name)


def test_a_folder_saved_without_its_tokenizer_is_refused(tmp_path, encoder):
    """Every word read as unknown: all texts got nearly one vector, without an error."""
    folder = _model_copy(encoder, tmp_path / "notok")
    for f in [*folder.glob("tokenizer*.json"), folder / "vocab.txt", folder / "special_tokens_map.json"]:
        f.unlink(missing_ok=True)
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n")  # what a bare tokenizer leaves
    with pytest.raises(ModelError, match=r"tokenizer knows 5 tokens where the model has 30,522.*save_pretrained"):
        Encoder(str(folder), device="cpu")


def test_a_stray_pickle_outside_the_models_modules_does_not_block_it(tmp_path, encoder):
    folder = _model_copy(encoder, tmp_path / "evalled")
    (folder / "eval").mkdir()
    (folder / "eval" / "results.pkl").write_bytes(b"\x80\x04never loaded")
    assert Encoder(str(folder), device="cpu").dim == 384


def test_empty_names_and_folders_that_hold_models_are_told_apart(tmp_path, encoder):
    with pytest.raises(ModelError, match="name is empty"):
        Encoder("  ", device="cpu")
    _model_copy(encoder, tmp_path / "models" / "a")
    with pytest.raises(ModelError, match=r"not a model folder.*inside: a; give one of them"):
        Encoder(str(tmp_path / "models"), device="cpu")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="not a model folder.*save_pretrained"):
        Encoder(str(tmp_path / "empty"), device="cpu")


def test_a_folder_saved_over_after_the_encoder_was_made_is_not_read_under_the_old_fingerprint(tmp_path, encoder):
    """A lazily loaded encoder read new weights and cached their vectors under the old weights' fingerprint."""
    from recengine.text.encoder import shared_encoder

    folder = _model_copy(encoder, tmp_path / "mutable")
    first = Encoder(str(folder), device="cpu")  # loads, and remembers its shape: the next one loads lazily
    lazy = Encoder(str(folder), device="cpu")
    assert lazy._model is None and shared_encoder(str(folder), "cpu").fingerprint == first.fingerprint
    weights = folder / "model.safetensors"
    blob = bytearray(weights.read_bytes())
    blob[-1] ^= 0xFF
    weights.write_bytes(bytes(blob))
    with pytest.raises(ModelError, match="changed after this encoder was made"):
        lazy.encode(["a heist film"])
    assert shared_encoder(str(folder), "cpu").fingerprint != first.fingerprint  # a new encoder for the new files


def test_weights_copied_over_with_the_same_size_and_time_get_a_new_fingerprint(tmp_path, encoder):
    """``cp -p`` of another version keeps size and modification time: the remembered hash was reused."""
    import os

    folder = _model_copy(encoder, tmp_path / "kept_time")
    weights = folder / "model.safetensors"
    before = model_fingerprint("x", folder)
    st = weights.stat()
    blob = bytearray(weights.read_bytes())
    blob[-1] ^= 0xFF
    weights.write_bytes(bytes(blob))
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))  # as cp -p / rsync -a / touch -d leave it
    assert weights.stat().st_size == st.st_size and weights.stat().st_mtime_ns == st.st_mtime_ns
    assert model_fingerprint("x", folder) != before
