"""Shared words: the hint beside text similarity, rarest first, with catalogue-wide words left out."""

from __future__ import annotations

from recengine.text.terms import TermIndex, words


def test_words_keep_hyphenated_terms_years_and_any_script():
    assert words("Sci-Fi (1977); Children's; Amélie; 東京物語 x 7") == {"sci-fi", "1977", "children", "amélie", "東京物語"}


def test_shared_words_rank_rare_before_common_and_drop_catalogue_wide_ones(sample):
    index = TermIndex(sample.texts)
    empire, jedi = (sample.texts[i] for i in sample.item_map.to_internal(["172", "181"]))
    shared = index.shared(empire, jedi, limit=10)
    assert shared[0] == "war" and "genres" not in shared and "the" not in shared  # war: rarest genre they share
    assert index.shared("Genres: Drama. The end", "Genres: Drama. The start") == []  # in a quarter of the texts or more
    assert index.shared(empire, jedi, limit=2) == shared[:2]


def test_a_request_typed_as_a_sentence_shares_no_function_words(sample):
    """Titles are short, so "and" or "with" is in few of them: only the function-word list keeps them out."""
    index = TermIndex(sample.texts)
    artaud = sample.texts[sample.item_map.to_internal(["1332"])[0]]
    with_and = sum(" and " in f" {t.casefold()} " for t in sample.texts)
    assert 0 < with_and < index.common * index.n  # the frequency rule alone would let "and" through
    shared = index.shared("A story about my times with a painter and his life in Paris", artaud, limit=10)
    assert set(shared) == {"life", "times"}
