"""What an API export repeats on every item (a constant field, a licence line) stays out of the item text."""

from __future__ import annotations

import json

import pandas as pd

import recengine


def _files(tmp_path, n: int = 30):
    bios = [f"Band {i} plays {'jazz' if i % 2 else 'metal'} in small clubs. Read more on the music site now. "
            "User-contributed text is available under the Creative Commons License." for i in range(n)]
    items = [{"mbid": f"a{i}", "name": f"Band {i}", "rel": "original", "published": "01 Jan 2010, 12:00",
              "bio": bios[i]} for i in range(n)]
    (tmp_path / "artists.jsonl").write_text("\n".join(json.dumps(r) for r in items), encoding="utf-8")
    plays = pd.DataFrame({"user": [f"u{u}" for u in range(n) for _ in range(3)],
                          "artist": [f"a{(u + k) % n}" for u in range(n) for k in range(3)]})
    plays.to_csv(tmp_path / "plays.csv", index=False)
    return tmp_path / "plays.csv", tmp_path / "artists.jsonl"


def test_a_field_alike_on_every_item_and_a_repeated_sentence_are_left_out_and_said(tmp_path):
    """Last.fm's API gave every artist "Rel: original. Published: 01 Jan 2010" and a licence line in its text: every
    text alike in those words, the encoder's vectors pulled together by them."""
    plays, artists = _files(tmp_path)
    ds = recengine.read_dataset(plays, artists)
    text = ds.texts[0]
    assert "Band 0 plays metal in small clubs." in text
    assert "original" not in text and "2010" not in text and "Creative Commons" not in text and "Read more" not in text
    said = " ".join(ds.warnings)
    assert "rel, published hold one value on nearly every item" in said, ds.warnings
    assert "repeat a sentence on most items" in said and "Read more on the music site now." in said


def test_text_columns_chosen_by_hand_are_kept_whole(tmp_path):
    plays, artists = _files(tmp_path)
    ds = recengine.read_dataset(plays, artists, text=["name", "rel", "bio"])
    assert "original" in ds.texts[0] and "Creative Commons" in ds.texts[0]


def test_a_small_catalogue_keeps_what_its_items_share(tmp_path):
    """Five items alike in a field is no boilerplate to tell apart from a catalogue's one category."""
    plays, artists = _files(tmp_path, n=5)
    ds = recengine.read_dataset(plays, artists)
    assert "original" in ds.texts[0] and "Creative Commons" in ds.texts[0]
    assert not any("nearly every item" in w or "repeat a sentence" in w for w in ds.warnings)
