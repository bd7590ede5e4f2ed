"""Optional generated reasons: offline loading of a local model folder, and the grounding check that
keeps a rephrasing only if it names exactly the items the template named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recengine.errors import ConfigError
from recengine.explain import Explanation, ItemExplanation, explain_many
from recengine.explain.generate import generate_reason, grounded
from recengine.models import EASE, Profile


@pytest.fixture(scope="module")
def tiny_generator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real (untrained, 1-layer) GPT-2 and a word-level tokenizer saved as a local model folder.

    Its vocabulary holds no title words, so whatever it writes cannot name an item.
    """
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("generator")
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    corpus = ["you will like this film because it is close to what you watched before ."] * 3
    tok.train_from_iterator(corpus, trainers.WordLevelTrainer(special_tokens=["[UNK]", "[PAD]", "[EOS]"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", eos_token="[EOS]")
    fast.save_pretrained(folder)
    config = GPT2Config(vocab_size=fast.vocab_size, n_positions=256, n_embd=16, n_layer=1, n_head=2,
                        bos_token_id=fast.eos_token_id, eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id)
    GPT2LMHeadModel(config).save_pretrained(folder)
    return folder


def one(template_titles: list[str]) -> ItemExplanation:
    h = Explanation(np.array([0.5, 0.2]), 0.0, np.ones(2), ["1", "2"], "history", "9", "Heat", 0.7, labels=template_titles)
    return ItemExplanation("9", "Heat", 0.7, h, h)


def test_grounding_keeps_named_items_and_rejects_others():
    e = one(["Star Wars", "Toy Story"])
    template = "Suggested because you liked Star Wars."
    catalogue = ["Star Wars", "Toy Story", "Fargo", "Heat", "Big"]
    assert grounded("Loved Star Wars? Heat is for you.", e, template, catalogue)
    assert not grounded("Loved Star Wars and Fargo? Try Heat.", e, template, catalogue)  # an item the template never named
    assert not grounded("A great film for you.", e, template, catalogue)  # dropped the real reason
    assert not grounded("Star Wars " * 60, e, template, catalogue)  # runaway text
    assert grounded("Star Wars fans think big.", e, template, catalogue)  # short titles are ordinary words


def test_a_local_model_is_loaded_offline_and_an_ungrounded_rephrasing_falls_back(tiny_generator, tiny):
    model = EASE().fit(tiny)
    profile = Profile.from_items(["a", "b"])
    plain = explain_many(model, profile, ["c"])[0]
    assert "Space Odyssey" in plain.reason or "Star Voyage" in plain.reason
    text, generated = generate_reason(plain, tiny_generator, catalogue_titles=model.titles)
    assert generated is False and text == plain.reason
    via_explain = explain_many(model, profile, ["c"], generator=str(tiny_generator))[0]
    assert via_explain.reason == plain.reason and via_explain.reason_source == "template"
    assert via_explain.to_dict()["reason_source"] == "template"


def test_a_generator_that_is_not_a_local_folder_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="never download"):
        generate_reason(one(["Star Wars", "Toy Story"]), "google/flan-t5-small")
    with pytest.raises(ConfigError):
        generate_reason(one(["Star Wars", "Toy Story"]), tmp_path)
