"""Category labels a request names (recengine.text.facets), on tables shaped like other people's catalogues."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recengine.text.facets import MAX_LABELS, FacetIndex


def _items(**columns):
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"item_id": [str(i) for i in range(n)], "title": [f"Thing {i}" for i in range(n)], **columns})


def test_labels_come_from_any_short_shared_column_whatever_its_name():
    items = _items(
        Kategorie=["Küche", "Garten", "Küche", "Garten"],  # German, not "genres"
        tags=["['indie', 'co-op']", "['co-op']", "['indie']", "[]"],  # a list printed as text
        blurb=["A long story about a man, his dog, a trip, a storm, a boat, a fish, a town, a song and a war.",
               "Another tale, with ships, kings, maps, rings, wolves, bells, tides, swords and a queen.",
               "Short.", "Also short."],
        sku=["A1", "B2", "C3", "D4"],  # every value once: an id, not a category
        year=[1999, 2001, 1999, 2001],  # numbers are not labels
    )
    idx = FacetIndex.from_items(items)
    assert set(idx.labels) == {"Küche", "Garten", "indie", "co-op"}
    assert idx.named("ein Rezept für die küche") == ["Küche"]
    assert idx.avoided("etwas für den Garten, ohne Küche") == ["Küche"] and idx.named("pas de garten") == []
    assert idx.lift("an indie co-op game").tolist() == [1.0, 0.5, 0.5, 0.0]


def test_whole_words_only_and_empty_labels_are_never_asked_for():
    items = _items(genres=["War|Drama", "Sci-Fi|unknown", "War", "Drama|Sci-Fi|unknown"])
    items.loc[1, "title"] = "Star Wars"
    idx = FacetIndex.from_items(items)
    assert idx.named("movies like Star Wars") == []  # a title says "wars": not a request for War
    assert idx.named("dramas, not comedies") == ["Drama"]  # plurals a title does not use ask for the label
    assert idx.named("an unknown gem") == []
    flags = FacetIndex.from_items(_items(adult=["True", "False", "False", "True"], genres=["Drama"] * 4))
    assert flags.named("a true story") == [] and flags.named("a drama") == ["Drama"]
    assert idx.named("sci fi or SCIFI") == ["Sci-Fi"] == idx.named("scifi")
    assert idx.lift("a drama") is not None and idx.lift("a dramatic film") is None


def test_a_catalogue_with_no_category_column_names_nothing():
    idx = FacetIndex.from_items(_items(description=[f"unique words number {i} here" for i in range(50)]))
    assert len(idx) == 0 and idx.lift("unique words") is None and idx.held.shape == (50, 0)


def test_the_most_held_labels_are_kept_when_there_are_very_many():
    n = 2 * MAX_LABELS + 4
    authors = [f"Writer {i // 2}" for i in range(n)]  # each author has two books
    authors[:6] = ["Popular Person"] * 6
    idx = FacetIndex.from_items(_items(author=authors))
    assert len(idx) == MAX_LABELS and idx.labels[0] == "Popular Person"
    assert np.asarray(idx.held.sum(axis=0)).ravel()[0] == 6


def test_cells_holding_lists_or_dicts_are_read_not_refused():
    """JSON Lines and Parquet catalogues hold lists in a cell (Steam's genres, Amazon's categories)."""
    items = _items(genres=[["Action", "Indie"], ["Indie"], np.array(["Action"]), None],
                   details=[{"a": 1}, {"b": 2}, {"a": 1}, {}])
    idx = FacetIndex.from_items(items)
    assert idx.named("an indie action game") == ["Indie", "Action"]  # in the order the request names them
    assert idx.lift("indie").tolist() == [1.0, 1.0, 0.0, 0.0]


def test_a_possessive_label_is_asked_for_without_it():
    idx = FacetIndex.from_items(_items(genres=["Children's|Comedy", "Children's", "Comedy", "Horror"]))
    assert idx.named("a film for children") == ["Children's"] == idx.named("children’s films")
    assert idx.named("comedies for the children") == ["Comedy", "Children's"]


def test_a_comma_inside_a_value_does_not_split_it():
    """"King, Stephen" is one author, not the labels King and Stephen: splitting would make more labels, not fewer."""
    authors = ["King, Stephen", "King, Stephen", "Rowling, J. K.", "Rowling, J. K.", "Stephen, Alan", "Stephen, Alan"]
    idx = FacetIndex.from_items(_items(author=authors))
    assert idx.named("a king arthur story") == [] and idx.named("a book by King, Stephen") == ["King, Stephen"]
    genres = FacetIndex.from_items(_items(genres=["Action, Comedy", "Comedy, Drama", "Action, Drama", "Drama"]))
    assert sorted(genres.labels) == ["Action", "Comedy", "Drama"]


def test_printed_lists_dicts_and_singulars_read_as_a_person_means_them():
    """Amazon's metadata: categories printed as lists (commas inside elements), details printed as dicts."""
    items = _items(
        categories=["['Books', 'Mystery, Thriller & Suspense']", "['Books', 'Literature & Fiction']",
                    "['Books', 'Mystery, Thriller & Suspense']", "['Video Games']"],
        details=["{'Publisher': 'X'}"] * 4,
        main_category=["Books", "Books", "Video Games", "Video Games"],
    )
    idx = FacetIndex.from_items(items)
    assert set(idx.labels) == {"Books", "Mystery, Thriller & Suspense", "Literature & Fiction", "Video Games"}
    assert idx.named("a video game") == ["Video Games"] and idx.named("a book") == ["Books"]



def test_a_column_of_numbers_with_one_odd_word_is_not_a_category_column():
    """MovieLens' year column holds one misspelt "unkonwn": its years are shared, but name nothing a request says."""
    idx = FacetIndex.from_items(_items(year=["1995", "1995", "1996", "unkonwn", "1996"],
                                       genres=["Drama", "Comedy", "Drama", "Comedy", "Drama"]))
    assert idx.labels == ["Drama", "Comedy"] and idx.sources == {"genres": 2}


def test_a_split_shares_the_label_index_its_dataset_built(sample):
    from recengine.data.splits import make_split

    built = sample.facets
    split = make_split(sample, "cold_items", seed=42)
    assert split.train.facets is built


def _films():
    items = _items(genres=["Horror|Thriller", "Comedy|Romance", "Comedy", "Western", "Romance|Drama", "Horror"])
    items.loc[3, "title"] = "Romancing the West"
    return FacetIndex.from_items(items)


def test_a_negated_label_is_turned_away_and_its_holders_come_last():
    idx = _films()
    for request in ("a comedy, no horror", "a comedy without horror", "a comedy but not horror films",
                    "I don't want horror, just a comedy", "comedy, anything but horror", "not a fan of horror. comedy",
                    "a comedy rather than horror", "a comedy instead of horror"):
        assert (idx.named(request), idx.avoided(request)) == (["Comedy"], ["Horror"]), request
    lift = idx.lift("a comedy, no horror")
    assert lift.tolist() == [-2.0, 1.0, 1.0, 0.0, 0.0, -2.0]
    assert idx.avoided("neither horror nor westerns") == ["Horror", "Western"]
    assert idx.avoided("something scary, but not a slasher or a comedy") == ["Comedy"]  # "a", "or" do not count
    # a negation reaches a few words, within its clause, and stops at "but"
    assert idx.named("nothing but horror") == ["Horror"] and idx.avoided("nothing but horror") == []
    assert idx.named("no gore, horror") == ["Horror"]
    assert idx.named("not the usual kind of slow horror") == ["Horror"]  # the fourth word on: out of reach
    assert idx.named("horror, but not slasher horror") == ["Horror"]  # said both ways: asked for
    assert idx.lift("no horror") is not None and idx.named("no horror") == []


def test_less_fewer_skip_and_minus_turn_a_label_away_but_not_in_idioms():
    idx = _films()
    for request in ("less horror, more comedy", "less horror and more comedy", "a comedy with fewer horror bits",
                    "skip the horror, a comedy", "comedy minus the horror", "no more horror: comedy"):
        assert (idx.named(request), idx.avoided(request)) == (["Comedy"], ["Horror"]), request
    # "more or less", "no less" say nothing is turned away
    assert (idx.named("more or less a horror film"), idx.avoided("more or less a horror film")) == (["Horror"], [])
    assert (idx.named("no less scary than a horror"), idx.avoided("no less scary than a horror")) == (["Horror"], [])
    assert idx.avoided("much less horror") == ["Horror"]


def test_a_word_can_name_a_label_by_meaning_through_a_near_function():
    idx = _films()
    meanings = {"romantic": idx.labels.index("Romance"), "scary": idx.labels.index("Horror"),
                "romancing": idx.labels.index("Romance")}
    asked: list[list[str]] = []

    def near(words):
        asked.append(list(words))
        return [meanings.get(w) for w in words]

    reading = idx.read("a romantic film, nothing scary", near)
    assert (idx.named(reading), idx.avoided(reading)) == (["Romance"], ["Horror"])
    assert reading.meant == {idx.labels.index("Romance"): "romantic", idx.labels.index("Horror"): "scary"}
    assert asked[-1] == ["romantic film", "romantic", "film", "scary"]  # not function words, not negations
    # words already naming a label, and a word quoting a title with its neighbour, are not offered
    assert idx.named("romancing the west", near) == [] and "romancing" not in asked[-1]
    assert idx.named("romancing, the classic way", near) == ["Romance"]  # "the" beside it quotes no title
    assert idx.named("a romantic comedy", near) == ["Romance", "Comedy"] and asked[-1] == ["romantic"]
    # two words in a row are offered as one too, and a pair that names a label wins over its words alone
    meanings["slow burn"] = idx.labels.index("Thriller")
    reading = idx.read("a slow burn that is romantic", near)
    assert asked[-1] == ["slow burn", "slow", "burn", "romantic"]
    idx.read("slow, burn", near)
    assert asked[-1] == ["slow", "burn"]  # no pair across a comma
    assert idx.named(reading) == ["Thriller", "Romance"] and reading.meant[idx.labels.index("Thriller")] == "slow burn"


def test_a_two_letter_acronym_is_a_label_but_a_two_letter_word_is_not():
    """The Anime data's type column (TV, Movie, OVA) and Steam's VR tag; "IT" and "US" read as words in a request."""
    idx = FacetIndex.from_items(_items(type=["TV", "Movie", "TV", "OVA", "Movie", "TV"],
                                       tags=["VR|IT", "US|3D", "VR", "3D|US", "IT", "VR"]))
    assert {"TV", "Movie", "OVA", "VR", "3D"} <= set(idx.labels) and not {"IT", "US"} & set(idx.labels)
    assert idx.named("a tv series in vr") == ["TV", "VR"] and idx.named("a movie for us, in 3D") == ["Movie", "3D"]
    assert idx.named("is it good") == []


def test_labels_in_a_script_written_without_spaces_are_read_from_a_request():
    """家電 (two characters) was dropped as too short, and 家電が欲しい read as one word that named nothing."""
    items = _items(Kategorie=["家電", "書籍", "家電", "書籍", "玩具", "玩具"], sku=list("ABCDEF"))
    idx = FacetIndex.from_items(items)
    assert set(idx.labels) == {"家電", "書籍", "玩具"}
    assert idx.named("家電が欲しい") == ["家電"] and idx.named("本が欲しい") == []
    assert idx.named("a kettle, 家電") == ["家電"]
