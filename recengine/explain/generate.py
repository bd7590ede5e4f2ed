"""Optional: the template reason rephrased by a local generative model the user names, then checked.

Same offline rules as the encoder: the model is a local folder (a saved Hugging Face causal or
sequence-to-sequence model), loaded with ``local_files_only``, from safetensors, never with remote
code. The model only rephrases the template reason; its sentence is kept only if it still names every
item the template named and names no other catalogue title, else the template is used. So a
generated reason cannot invent an item, though its wording is the model's.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from recengine.errors import ConfigError
from recengine.explain.explanation import ItemExplanation, is_item

PROMPT = (
    "Rewrite this explanation of a recommendation as one short, friendly sentence. Keep every title exactly "
    "as written and add no other titles or facts.\nExplanation: {reason}\nSentence:"
)
MAX_CHARS = 400
_GENERATORS: dict[tuple[str, str], tuple[Any, Any, bool]] = {}
_LOCK = threading.Lock()


def load_generator(path: str | Path, device: str = "cpu") -> tuple[Any, Any, bool]:
    """(tokenizer, model, is_encoder_decoder) of the local model folder ``path``, loaded once per process.

    Raises
    ------
    ConfigError
        ``path`` is not a local folder holding a model (reasons never download one).
    """
    folder = Path(path).expanduser()
    if not (folder / "config.json").is_file():
        raise ConfigError(
            f"reason generator {str(path)!r} is not a local model folder (config.json + safetensors weights); "
            "reasons never download a model."
        )
    from recengine.text import resolve_device

    where = resolve_device(device)
    key = (str(folder.resolve()), where)
    with _LOCK:
        if key not in _GENERATORS:
            from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

            config = AutoConfig.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
            cls = AutoModelForSeq2SeqLM if config.is_encoder_decoder else AutoModelForCausalLM
            try:
                tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
                model = cls.from_pretrained(folder, local_files_only=True, trust_remote_code=False, use_safetensors=True)
            except (OSError, ValueError) as exc:
                raise ConfigError(f"reason generator {str(path)!r} could not be loaded: {exc}") from None
            _GENERATORS[key] = (tokenizer, model.to(where).eval(), bool(config.is_encoder_decoder))
        return _GENERATORS[key]


def named_titles(explanation: ItemExplanation, text: str) -> list[str]:
    """The profile items' titles that ``text`` names (history players only, not the intent)."""
    hist = explanation.history
    return [lab for lab, p in zip(hist.labels, hist.feature_names) if is_item(p) and lab and lab in text]


def _mentions(title: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(title)}(?!\w)", text) is not None


def grounded(text: str, explanation: ItemExplanation, template: str, catalogue_titles: Iterable[str] = ()) -> bool:
    """Whether a generated sentence keeps every item the template named and names no other catalogue title.

    Titles shorter than four characters are not checked (they are ordinary words too often).

    Examples
    --------
    >>> import numpy as np
    >>> from recengine.explain import Explanation
    >>> h = Explanation(np.array([0.5]), 0.0, np.ones(1), ["50"], "history", "181", "Return of the Jedi", 0.5,
    ...                 labels=["Star Wars"])
    >>> e = ItemExplanation("181", "Return of the Jedi", 0.5, h, h)
    >>> t = "Suggested because you liked Star Wars."
    >>> grounded("Since you loved Star Wars, try this!", e, t, ["Star Wars", "Fargo"])
    True
    >>> grounded("Fans of Fargo will love it.", e, t, ["Star Wars", "Fargo"])
    False
    """
    if not text or len(text) > MAX_CHARS:
        return False
    if any(title not in text for title in named_titles(explanation, template)):
        return False
    allowed = set(named_titles(explanation, template)) | {explanation.title}
    for title in {str(t) for t in catalogue_titles}:
        if len(title) >= 4 and title not in allowed and not any(title in a for a in allowed) and _mentions(title, text):
            return False
    return True


def generate_reason(
    explanation: ItemExplanation,
    generator: str | Path,
    *,
    template: str | None = None,
    catalogue_titles: Iterable[str] = (),
    device: str = "cpu",
    max_new_tokens: int = 60,
) -> tuple[str, bool]:
    """The template reason rephrased by the local model ``generator``; ``(text, True)`` if it passed the
    grounding check, else ``(template, False)``.

    Examples
    --------
    >>> # text, generated = generate_reason(e, "/models/flan-t5-small", catalogue_titles=model.titles)
    """
    import torch

    from recengine.explain.reasons import reason

    template = template or explanation.reason or reason(explanation)
    tokenizer, model, encoder_decoder = load_generator(generator, device)
    inputs = tokenizer(PROMPT.format(reason=template), return_tensors="pt", truncation=True, max_length=512)
    inputs = {k: v.to(model.device) for k, v in inputs.items()}
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1, pad_token_id=pad)
    new_tokens = out[0] if encoder_decoder else out[0][inputs["input_ids"].shape[1] :]
    text = tokenizer.decode(new_tokens, skip_special_tokens=True).strip().split("\n")[0].strip()
    if grounded(text, explanation, template, catalogue_titles):
        return text, True
    return template, False
