"""The labels a typed request names: values of the catalogue's category columns (genres, category, author, ...).

A sentence embedding weighs every word of a request against every word of an item's short text, so a request's
rarest word can outweigh what it asks for: "a slow-burning sci-fi film" lands nearest "Paris Is Burning" and
"Burnt By the Sun", because titles share "burning" and every science-fiction film shares only "Sci-Fi" with it. A
category column says outright what an item is. When a request spells out one of its values, the items holding that
value are what the user asked for, and :meth:`FacetIndex.lift` says which; the content model adds it to the
request's cosine (see :meth:`recengine.models.ContentKNN.intent_scores`).

A column is a category column when it holds short labels that items share, whatever its name: most of its
filled cells hold a label at least two items have, at most :data:`MAX_PER_CELL` labels per cell (split at ``|``
or ``;``, and at ``,`` where that makes fewer distinct labels: "Action, Comedy" is two genres, "King, Stephen" one
author; list brackets and quotes dropped). A column of category paths ("Home > Kitchen > Knives", "Books/Fiction/Crime")
gives each item every segment of its path as a label (Home, Kitchen and Knives), so "no electronics" or "something for
the garden" names one; see :func:`path_separator` for when a column is one. Labels are matched as whole words, case, hyphens and
punctuation aside ("Sci-Fi" in "sci-fi", "sci fi" or "scifi"), possessives aside ("Children's" in "for children")
and in the plural ("thrillers") unless a title uses that plural ("Star Wars" is not a request for War). Labels that
say nothing ("unknown", "other"), labels of fewer than three letters (acronyms such as "TV", "VR" or "3D" aside) and
English function words are never matched.

A request can turn labels away: a label after a negation ("no horror", "not a comedy", "without romance", "anything
but westerns", "I don't like musicals"), up to :data:`NEGATION_REACH` words on (function words aside) and within its
clause, is *avoided*, and every item holding it comes after every item that holds none (:meth:`FacetIndex.lift`).

A word can also name a label by meaning ("romantic" for Romance, "scary" for Horror): :meth:`FacetIndex.read` takes
a function from the request's other content words to the labels they name, which the content model answers with its
encoder (see :meth:`recengine.models.ContentKNN.near_labels`); a word that, with its neighbour, quotes a title ("Star
Wars") is not offered.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recengine.columns import Columns
from recengine.data.validate import LETTER, SAME_EVERYWHERE, SAME_MIN_ITEMS, nested
from recengine.text.terms import FUNCTION_WORDS

#: Cells holding more labels than this are free text, not categories.
MAX_PER_CELL = 8
#: Longest label, in words, that a request can name.
MAX_LABEL_WORDS = 5
#: Most labels one catalogue keeps (the ones most items hold).
MAX_LABELS = 5000
#: Share of the items from which a label is held by too many to be asked for (see FacetIndex.from_items): the share
#: from which a column's one value is left out of the item text, as telling no item apart.
EVERYWHERE = SAME_EVERYWHERE
#: Labels that stand for a missing value or a flag; a request saying "unknown", "other" or "a true story" does not
#: ask for them (a flag column's "True" says nothing a person would type).
EMPTY_LABELS = frozenset({"unknown", "other", "others", "none", "misc", "various", "n a", "na", "null", "nan",
                          "no genres listed", "not available", "undefined", "uncategorized", "uncategorised",
                          "true", "false", "yes", "no"})

_SPLIT = re.compile(r"\s*(?:\||;|,)\s*")
_SPLIT_NO_COMMA = re.compile(r"\s*(?:\||;)\s*")
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
#: a character of a script written without spaces between words (Chinese, Japanese; Korean too): each is a word of
#: its own for matching, so that the label 家電 is found in the request 家電が欲しい
_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")
_POSSESSIVE = re.compile(r"['’]s\b")
_TOKENS = re.compile(r"[^\W_]+|[.,;:!?()]", re.UNICODE)  # words, and the marks that end a clause

#: Words after which a request turns labels away ("t" is what "don't", "isn't" leave once the apostrophe splits them;
#: "less" and "fewer" turn a label away as firmly as "no" does, since a list has no "less" of a label to give),
#: and their like in German, French, Spanish, Italian, Dutch and Portuguese, for catalogues labelled in those (not
#: Spanish "sin": English writes "a tale of sin and redemption").
NEGATORS = frozenset(["no", "not", "non", "without", "except", "excluding", "never", "nothing", "none", "neither", "nor",
                      "avoid", "hate", "dislike", "skip", "exclude", "minus", "less", "fewer", "t", "dont", "doesnt",
                      "isnt", "cannot",
                      "kein", "keine", "keinen", "nicht", "ohne", "pas", "sans", "ni", "senza", "niente", "geen",
                      "zonder", "niet", "não", "nao", "sem", "nunca", "jamais"])
#: Words that negate only after these: "anything but", "other than", "rather than", "instead of".
NEGATING_AFTER = {"but": frozenset({"anything", "everything", "all"}), "than": frozenset({"other", "rather"}),
                  "of": frozenset({"instead"})}
#: Words after which "less" and "fewer" do not turn anything away: "more or less a comedy", "no less scary".
NOT_LESS_AFTER = frozenset(["or", "no", "not", "none", "nothing", "t"])
#: Words that end a negation's reach ("no horror but a comedy", "nothing but horror").
NEGATION_ENDS = frozenset(["but", "yet", "though", "although", "just", "only", "instead", "rather", "plus"])
#: How many words after a negation it reaches, function words ("a", "or") aside: "not a fan of horror", "I don't
#: really like horror", "not a slasher or a comedy".
NEGATION_REACH = 3
#: A function from words to the label each names by meaning (an index into the labels), or None for none.
Near = Callable[[Sequence[str]], Sequence["int | None"]]


def normal(text: object) -> str:
    """Lower-case words joined by single spaces, with a space at each end (for whole-word matching).

    A possessive "'s" goes, so "Children's" is "children", as a request for films for children says it.

    >>> normal("A slow-burning Sci-Fi film!"), normal("Children's")
    (' a slow burning sci fi film ', ' children ')
    """
    return " " + " ".join(_WORDS.findall(_CJK.sub(r" \1 ", _POSSESSIVE.sub("", str(text).casefold())))) + " "


def words_of(request: object) -> tuple[list[str], list[bool]]:
    """The request's words as :func:`normal` writes them, and whether each lies where a negation turns it away.

    >>> words_of("A comedy, not horror!")
    (['a', 'comedy', 'not', 'horror'], [False, False, False, True])
    >>> words_of("anything but westerns")[1], words_of("nothing but westerns")[1], words_of("I don't like it")[1]
    ([False, False, True], [False, False, False], [False, False, False, True, True])
    >>> words_of("romance? no thanks. comedy yes")[1], words_of("a musical, nope")[1]
    ([True, False, False, False, False], [True, True, False])
    """
    words, negated, _ = _clauses(request)
    return words, negated


def _clauses(request: object) -> tuple[list[str], list[bool], list[int]]:
    """:func:`words_of`, and the clause each word is in (counted from 0; a comma or a stop ends one)."""
    words: list[str] = []
    negated: list[bool] = []
    clause: list[int] = []
    reach = at = 0
    for token in _TOKENS.findall(_CJK.sub(r" \1 ", _POSSESSIVE.sub("", str(request).casefold()))):
        if token in ".,;:!?()":  # a mark: the clause ends
            reach = 0
            at += 1
            continue
        before = words[-1] if words else ""
        words.append(token)
        clause.append(at)
        if token in ("less", "fewer") and before in NOT_LESS_AFTER:
            negated.append(False)
            reach = 0
        elif token in NEGATORS or before in NEGATING_AFTER.get(token, ()):
            negated.append(False)
            reach = NEGATION_REACH
        elif token in NEGATION_ENDS or (token == "more" and before not in NEGATORS):  # "less horror, more comedy"
            negated.append(False)
            reach = 0
        else:
            negated.append(reach > 0)
            if token not in FUNCTION_WORDS and len(token) > 1:
                reach = max(0, reach - 1)
    _refused_after(words, negated, clause)
    return words, negated, clause


#: Words that turn away what came before them: "romance? no thanks", "horror, not for me", "a musical, nope".
REFUSALS = (("no", "thanks"), ("no", "thank", "you"), ("not", "for", "me"), ("nope",))


def _refused_after(words: list[str], negated: list[bool], clause: list[int]) -> None:
    """Turn away the words a refusal follows: those before it in its clause, or, when it opens its clause, those of
    the clause before ("romance? no thanks. comedy yes" asks for comedy and turns romance away)."""
    for j in range(len(words)):
        phrase = next((r for r in REFUSALS if tuple(words[j : j + len(r)]) == r), None)
        if phrase is None:
            continue
        for k in range(j, j + len(phrase)):  # the refusal's own words are no labels
            negated[k] = False
        own = [k for k in range(j) if clause[k] == clause[j]]
        target = own or [k for k in range(j) if clause[k] == clause[j] - 1]
        for k in target:
            negated[k] = words[k] not in NEGATORS


#: Words a request uses to ask, not to say what it wants: left alone, they say nothing about an item.
ASKING_WORDS = frozenset(["want", "like", "show", "give", "find", "please", "something", "anything", "everything",
                          "films", "film", "movies", "movie"])


def positive_text(request: str) -> str | None:
    """The request without what it turns away, for its embedding: "a comedy, no romance" is "a comedy", since the
    sentence embedding of the whole would bring romance closer, not push it off. None when nothing is negated (embed
    the request as written); "" when nothing but asking words is left ("I don't want horror").

    >>> positive_text("a comedy, no romance"), positive_text("a comedy"), positive_text("I don't want horror")
    ('a comedy', None, '')
    """
    words, negated = words_of(request)
    if not any(negated):
        return None
    kept = [w for j, w in enumerate(words)
            if not negated[j] and w not in NEGATORS and not (j + 1 < len(words) and words[j + 1] == "t")
            and not (j + 1 < len(words) and w in NEGATING_AFTER.get(words[j + 1], ()))]
    if all(w in FUNCTION_WORDS or w in ASKING_WORDS or len(w) < 3 for w in kept):
        return ""
    return " ".join(kept)


@dataclass(frozen=True)
class Reading:
    """How a request reads against a catalogue's labels: indices of the labels it asks for and of those it turns
    away, each in the order the request says them, and for a label named by meaning, the word that named it."""

    wanted: tuple[int, ...] = ()
    avoided: tuple[int, ...] = ()
    meant: dict[int, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.wanted or self.avoided)


def plurals(word: str) -> set[str]:
    """The English plural a request may use for a label's last word: "thrillers", "comedies", "boxes".

    >>> sorted(plurals("comedy")), sorted(plurals("western")), sorted(plurals("box")), sorted(plurals("toy"))
    (['comedies'], ['westerns'], ['boxes'], ['toys'])
    """
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return {word + "es"}
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return {word[:-1] + "ies"}
    return {word + "s"}


def singulars(word: str) -> set[str]:
    """The singular a request may use for a label's plural last word: "a video game" for Video Games. After s, x, z,
    ch or sh, "es" may be the ending ("boxes") or "s" may ("horses"): both forms are offered.

    >>> sorted(singulars("games")), sorted(singulars("comedies")), sorted(singulars("boxes")), sorted(singulars("glass"))
    (['game'], ['comedy'], ['box', 'boxe'], [])
    """
    if word.endswith("ies") and len(word) > 4:
        return {word[:-3] + "y"}
    if word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return {word[:-2], word[:-1]}
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return {word[:-1]}
    return set()


def split_labels(cell: object, commas: bool = True) -> list[str]:
    """The labels of one cell: split at ``|``, ``;`` or (with ``commas``) ``,``; blanks left out. A printed list
    gives its quoted elements, commas inside them kept; a printed dict (a record of details) gives none.

    >>> split_labels("Animation|Children's|Comedy"), split_labels("['Books', 'Mystery, Thriller & Suspense']")
    (['Animation', "Children's", 'Comedy'], ['Books', 'Mystery, Thriller & Suspense'])
    >>> split_labels("{'Publisher': 'X'}")
    []
    """
    if cell is None or (isinstance(cell, float) and cell != cell):
        return []
    text = str(cell).strip()
    if text[:1] == "{" and text[-1:] == "}":
        return []
    if text[:1] in "[(" and text[-1:] in "])":
        text = text[1:-1]
        quoted = _QUOTED.findall(text)
        if quoted:
            return [p for p in (a or b for a, b in quoted) if p.strip()]
    return [p for p in (s.strip().strip("'\"").strip() for s in (_SPLIT if commas else _SPLIT_NO_COMMA).split(text)) if p]


#: Two-letter English words: a label spelt like one ("IT", "US") is never matched, though other acronyms are.
TWO_LETTER_WORDS = frozenset(["am", "an", "as", "at", "be", "by", "do", "go", "he", "hi", "if", "in", "is", "it", "me",
                              "my", "no", "of", "oh", "ok", "on", "or", "so", "to", "up", "us", "we"])


def _matchable(key: str, label: str = "") -> bool:
    """Whether a request can name the label ``label`` (written ``key``): three letters at least, or an acronym of two
    ("TV", "VR", "3D") that is no English word.

    >>> _matchable("tv", "TV"), _matchable("3d", "3D"), _matchable("us", "US"), _matchable("tv", "Tv")
    (True, True, False, False)
    >>> _matchable(normal("家電").strip()), _matchable(normal("本").strip())
    (True, False)
    """
    words = key.split()
    acronym = len(key) == 2 and key not in TWO_LETTER_WORDS and (label.strip().isupper() or any(c.isdigit() for c in key))
    cjk = len(_CJK.findall(key))  # 家電, 書籍: two characters say as much as a long word
    n_words = sum(1 for w in words if not _CJK.fullmatch(w)) + (1 if cjk else 0)
    return (
        0 < n_words <= MAX_LABEL_WORDS
        and (len(key.replace(" ", "")) >= 3 or acronym or cjk >= 2)
        and bool(LETTER.search(key))
        and key not in EMPTY_LABELS
        and not (len(words) == 1 and key in FUNCTION_WORDS)
    )


def _hashable(cell: object) -> object:
    """A cell that holds a list (JSON Lines, Parquet) as its labels joined by ``|``; a dict as its text."""
    if isinstance(cell, dict):
        return str(cell)
    return "|".join(str(x) for x in cell) if nested(cell) or isinstance(cell, set) else cell


def _fits(labels: list[str]) -> bool:
    """Whether one cell's labels look like categories: few, and short."""
    return len(labels) <= MAX_PER_CELL and all(len(x.split()) <= MAX_LABEL_WORDS for x in labels)


#: What a category path may be written with between its levels: "Home > Kitchen", "Books/Fiction", "Home › Garden".
PATH_SEPARATORS = (">", "/", "›", "»")
#: Share of a column's filled cells that must hold a path for the column to be read as paths: with the separator
#: spaced ("Home > Kitchen"), most of them; unspaced ("Books/Fiction"), nearly all, since "AC/DC" or "Sci-Fi/Fantasy"
#: put a bare "/" inside ordinary labels.
PATH_SHARE_SPACED = 0.5
PATH_SHARE_BARE = 0.8
#: A web address or a file's path ("http://…/M/title", "/img/42.jpg", "www.x.com/a"): split at "/", it is no shelf.
_LOCATOR = re.compile(r"://|^www\.|^[/\\~]|^[a-z]:\\|\.[a-z0-9]{1,5}$", re.IGNORECASE)


def _segments(label: str, sep: str) -> list[str]:
    """The non-blank levels of one path label."""
    return [x for x in (s.strip().strip("'\"").strip() for s in label.split(sep)) if x]


def path_separator(cells: Sequence[object], counts: Sequence[int] | None = None) -> str | None:
    """The separator that the distinct ``cells`` (held by ``counts`` items each) write category paths with, or None
    when they are no paths.

    A column holds paths when at least :data:`PATH_SHARE_SPACED` of its filled cells hold the same separator with
    spaces around it ("Home > Kitchen > Knives", "Garden / Tools"), or when at least :data:`PATH_SHARE_BARE` of them
    split at it, unspaced, into two levels or more ("Books/Fiction/Crime") and some of them share their first level
    (a band "AC/DC" has no "AC" shelf in common with anything).

    >>> path_separator(["Home > Kitchen > Knives", "Garden > Tools", "Electronics > Audio"])
    '>'
    >>> path_separator(["Books/Fiction/Crime", "Books/Fiction/Romance", "Music/Rock"])
    '/'
    >>> path_separator(["AC/DC", "Queen", "Metallica"]), path_separator(["AC/DC", "Earth/Wind"])
    (None, None)
    >>> path_separator(["Action|Comedy", "Sci-Fi/Fantasy", "Drama"]), path_separator(["King, Stephen"])
    (None, None)
    >>> path_separator(["http://us.imdb.com/M/a", "http://us.imdb.com/M/b"]), path_separator(["/img/1.jpg", "/img/2.jpg"])
    (None, None)
    """
    weights = [1] * len(cells) if counts is None else [int(n) for n in counts]
    labels = [split_labels(c, commas=False) for c in cells]
    filled = sum(n for p, n in zip(labels, weights) if p)
    if filled == 0:
        return None
    for sep in PATH_SEPARATORS:
        spaced = re.compile(r"\s" + re.escape(sep) + r"\s")
        if sum(n for p, n in zip(labels, weights) if any(spaced.search(x) for x in p)) >= PATH_SHARE_SPACED * filled:
            return sep
        split = [(p, n) for p, n in zip(labels, weights)
                 if p and all(len(_segments(x, sep)) >= 2 and not _LOCATOR.search(x) for x in p)]
        if sum(n for _, n in split) >= PATH_SHARE_BARE * filled:
            roots = Counter(normal(_segments(x, sep)[0]) for p, _ in split for x in p)
            if roots and max(roots.values()) >= 2:
                return sep
    return None


def _path_segments(labels: list[str], sep: str | None) -> list[str]:
    """Each path's levels, in order, each once ("Home > Kitchen > Knives" holds Home, Kitchen and Knives)."""
    if sep is None:
        return labels
    out: dict[str, str] = {}
    for label in labels:
        for x in _segments(label, sep):
            out.setdefault(normal(x), x)
    return list(out.values())


def _fits_path(labels: list[str], sep: str | None) -> bool:
    """Whether one cell's labels look like categories: few paths, each level short."""
    return len(labels) <= MAX_PER_CELL and all(len(x.split()) <= MAX_LABEL_WORDS for x in _path_segments(labels, sep))


def label_cells(values: pd.Series) -> tuple[np.ndarray, list[list[str]]] | None:
    """(each row's code, each code's labels) when the column is a category column (see the module's note); else None.

    Cells are split once per distinct value, so a catalogue of a million items with twenty genres splits twenty. A
    column of paths (:func:`path_separator`) gives each path's levels as its labels.
    """
    cells = values.astype(object).map(_hashable, na_action="ignore")
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    probe = uniques[:: max(1, len(uniques) // 300)]  # a free-text column is told from 300 values, not all of them
    seps = (None, *PATH_SEPARATORS)  # a long path is no free text: its levels are short
    readings = ((split_labels(u), split_labels(u, commas=False)) for u in probe)  # each cell split once per reading
    if sum(any(_fits_path(labels, sep) for labels in both for sep in seps) for both in readings) < 0.5 * len(probe):
        return None
    used = np.bincount(codes[codes >= 0], minlength=len(uniques))
    sep = path_separator(uniques, used)
    parts = [split_labels(u) for u in uniques]
    kept = [split_labels(u, commas=False) for u in uniques]
    paths = parts
    if len({normal(x) for p in parts for x in _path_segments(p, sep)}) > len({normal(x) for p in kept for x in _path_segments(p, sep)}):
        # splitting at commas made more labels, not fewer: the comma is inside a value ("King, Stephen"), not
        # between values ("Action, Comedy", whose hundreds of combinations split into a few genres)
        paths = kept
    fits = np.array([_fits_path(p, sep) for p in paths], dtype=bool)
    parts = [_path_segments(p, sep) for p in paths]
    used[[not p for p in parts]] = 0  # blank or "[]": no labels, not free text either
    if used.sum() < 2 or used[fits].sum() < 0.9 * used.sum():  # mostly free text
        return None
    parts = [p if ok else [] for p, ok in zip(parts, fits)]
    counts: Counter[str] = Counter()
    for p, n in zip(parts, used):
        for key in {normal(x) for x in p}:
            counts[key] += int(n)
    # a label a request could name, held by two items or more (a year column of numbers names nothing)
    shared = sum(int(n) for p, n in zip(parts, used)
                 if any(counts[normal(x)] >= 2 and _matchable(normal(x).strip(), x) for x in p))
    return (codes, parts) if shared >= 0.5 * used.sum() else None


class FacetIndex:
    """Which items hold which labels of the catalogue's category columns, to find the labels a request names.

    Build one with :meth:`from_items`; ``FacetIndex(labels, held)`` restores a saved one.

    Examples
    --------
    >>> items = pd.DataFrame({"item_id": ["1", "2", "3", "4"], "title": ["Alien", "Paris Is Burning", "Heat", "Dune"],
    ...                       "genres": ["Horror|Sci-Fi", "Documentary", "Action|Crime", "Action|Sci-Fi"]})
    >>> idx = FacetIndex.from_items(items)
    >>> idx.named("a slow-burning sci-fi film")
    ['Sci-Fi']
    >>> idx.lift("a slow-burning sci-fi film").tolist()
    [1.0, 0.0, 0.0, 1.0]
    >>> idx.lift("scifi action").tolist()  # two labels named: the share of them each item holds
    [0.5, 0.0, 0.5, 1.0]
    >>> idx.lift("something burning") is None
    True
    >>> idx.avoided("an action film, no sci-fi"), idx.lift("an action film, no sci-fi").tolist()  # Heat first
    (['Sci-Fi'], [-2.0, 0.0, 1.0, -1.0])
    >>> idx.held_by("a sci-fi action film", 0), idx.held_by("a sci-fi action film", 3)
    (['Sci-Fi'], ['Sci-Fi', 'Action'])
    >>> FacetIndex.from_items(pd.DataFrame({"shelf": ["Fiction", "Science Fiction", "Fiction", "Science Fiction"]})
    ...                       ).named("science fiction")  # not "Fiction" too: it lies inside the label named
    ['Science Fiction']
    """

    def __init__(self, labels: Iterable[str], held: sp.spmatrix, titles: Iterable[object] | None = ()) -> None:
        self.labels = [str(x) for x in labels]
        self.held = sp.csc_matrix(held, dtype=np.float32)
        self.sources: dict[str, int] = {}  # column -> labels first found there (when built from an item table)
        self._key_of = [normal(x).strip() for x in self.labels]  # each label as a request would write it
        self._keys = {k: i for i, k in enumerate(self._key_of)}
        self._squashed = {k.replace(" ", ""): i for k, i in self._keys.items() if " " in k}
        # "thrillers" asks for Thriller and "a video game" for Video Games, but "wars" is not War where a title
        # says it (Star Wars): a plural or singular form that the catalogue's titles use is left to the embedding
        normal_titles = [normal(t) for t in (() if titles is None else titles)]
        in_titles = {w for t in normal_titles for w in t.split()}
        self._titles = "\n".join(normal_titles)  # searched for two request words in a row (see _quotes_title)
        self._plural: dict[str, int] = {}
        for key, i in self._keys.items():
            head, _, last = key.rpartition(" ")
            for form in (plurals(last) | singulars(last)) - in_titles:
                self._plural.setdefault(f"{head} {form}".strip(), i)
        for key in self._keys:
            self._plural.pop(key, None)

    @classmethod
    def from_items(cls, items: pd.DataFrame, skip: Iterable[str] = (Columns.item, Columns.title, Columns.text)) -> FacetIndex:
        """The labels of ``items``' category columns (every column but ``skip`` and numeric ones is considered). The
        file's own column the titles were taken from ("name") is the titles again, not a shelf: a recipe site's 166
        names among 243 recipes were offered as labels a request could name.

        >>> items = pd.DataFrame({"item_id": list("abcd"), "title": ["Dal (item a)", "Dal (item b)", "Satay", "Satay (item d)"],
        ...                       "name": ["Dal", "Dal", "Satay", "Satay"], "cuisine": ["Indian", "Indian", "Thai", "Thai"]})
        >>> sorted(FacetIndex.from_items(items).sources)
        ['cuisine']
        >>> shop = pd.DataFrame({"item_id": list("abc"), "title": ["Sony WH-1000XM5", "Sony Bravia 55", "Bose QC45"],
        ...                      "brand": ["Sony", "Sony", "Bose"]})
        >>> sorted(FacetIndex.from_items(shop).sources)
        ['brand']
        """
        skipped = set(skip)
        if Columns.title in items.columns:  # judged on the first rows: a million items need not be read for it
            head = items.head(2000)
            titles = [str(t) for t in head[Columns.title]]
            # a title shared by two items is told apart in brackets ("Spicy Dal (item R-00017)"): the column is the
            # title but for that; a column that only starts titles (a shop's brand: "Sony" of "Sony WH-1000XM5") is
            # a label of its own
            skipped |= {name for name in head.columns if name not in skipped and np.mean(
                [isinstance(v, str) and bool(v) and (t == v or t.startswith(v + " (")) for t, v in zip(titles, head[name])]) >= 0.9}
        sources: dict[str, int] = {}
        keys: dict[str, int] = {}
        shown: list[str] = []
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        for name in items.columns:
            column = items[name]
            if name in skipped or pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
                continue
            found = label_cells(column)
            if found is None:
                continue
            codes, parts = found
            before = len(shown)
            pairs = []
            for code, labels in enumerate(parts):
                for label in labels:
                    key = normal(label).strip()
                    if not _matchable(key, label):
                        continue
                    if key not in keys:
                        keys[key] = len(shown)
                        shown.append(label)
                    pairs.append((code, keys[key]))
            if len(shown) > before:
                sources[str(name)] = len(shown) - before
            if not pairs:
                continue
            valid = np.flatnonzero(codes >= 0)
            by_row = sp.csr_matrix((np.ones(len(valid), dtype=np.float32), (valid, codes[valid])), shape=(len(items), len(parts)))
            pc, pl = np.asarray(pairs).T
            by_code = sp.csr_matrix((np.ones(len(pc), dtype=np.float32), (pc, pl)), shape=(len(parts), len(keys)))
            part = (by_row @ by_code).tocoo()
            rows.append(part.row)
            cols.append(part.col)
        r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        held = sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(len(items), len(shown)))
        held.sum_duplicates()
        held.data[:] = 1.0  # a label in two columns of one item counts once
        counts = np.asarray(held.sum(axis=0)).ravel()
        keep = np.argsort(-counts, kind="stable")[:MAX_LABELS]  # the most held first
        # a label that (nearly) every item holds tells no item apart: Goodreads' "to-read" shelf, a shop's top
        # category "Home"; a request naming it would put the whole catalogue first and say it asked for it
        keep = keep[~((counts[keep] >= EVERYWHERE * len(items)) & (len(items) >= SAME_MIN_ITEMS))]
        titles = items[Columns.title].tolist() if Columns.title in items.columns else ()
        index = cls([shown[i] for i in keep], held[:, keep], titles)
        index.sources = sources
        return index

    def __len__(self) -> int:
        return len(self.labels)

    def _quotes_title(self, words: list[str], at: int) -> bool:
        """Whether the request's word at ``at`` and another word that carries meaning appear as in a title, side by
        side or one word apart ("star wars", "romancing the stone"); a function word alone beside it ("the kids",
        "for kids") says nothing: titles are full of them."""
        for size in (2, 3):
            for start in range(max(0, at - size + 1), min(at, len(words) - size) + 1):
                run = words[start:start + size]
                if sum(w not in FUNCTION_WORDS for w in run) >= 2 and f" {' '.join(run)} " in self._titles:
                    return True
        return False

    def read(self, request: str, near: Near | None = None) -> Reading:
        """The labels ``request`` asks for and turns away; ``near`` maps its other content words to labels by meaning.

        A label said both ways ("horror, but not slasher horror") is asked for. A label inside a longer one the
        request names is not named too ("science fiction" is not also "fiction").
        """
        words, negated, clause = _clauses(request)
        text = " " + " ".join(words) + " "
        starts = np.cumsum([0] + [len(w) + 1 for w in words])  # where each word starts in ``text``, less one
        found: dict[int, list[tuple[int, int]]] = {}  # label -> (first word, word count) of each place it is said
        for table in (self._keys, self._squashed, self._plural):
            for key, i in table.items():
                pos = text.find(f" {key} ")
                while pos >= 0:
                    found.setdefault(i, []).append((int(np.searchsorted(starts, pos)), key.count(" ") + 1))
                    pos = text.find(f" {key} ", pos + 1)
        inside = {i for i in found for j in found if j != i and f" {self._key_of[i]} " in f" {self._key_of[j]} "}
        for i in inside:
            del found[i]
        meant: dict[int, str] = {}
        if near is not None and self.labels:
            covered = {w for places in found.values() for a, n in places for w in range(a, a + n)}
            spots = [j for j, w in enumerate(words)
                     if j not in covered and len(w) >= 3 and w.isalpha() and w not in FUNCTION_WORDS
                     and w not in NEGATORS and w not in NEGATION_ENDS and not self._quotes_title(words, j)]
            # two words in a row are offered too, and win over each alone: "science fiction" is Sci-Fi
            pairs = [j for j in spots if j + 1 in spots and clause[j] == clause[j + 1]]  # not across a comma
            phrases = [(j, 2) for j in pairs] + [(j, 1) for j in spots]
            labels = near([" ".join(words[j:j + n]) for j, n in phrases]) if phrases else ()
            used: set[int] = set()
            for (j, n), label in zip(phrases, labels):
                if label is None or used & {j, j + n - 1}:
                    continue
                used.update(range(j, j + n))
                if label not in found:
                    found[label] = []
                    meant[label] = " ".join(words[j:j + n])
                if label in meant:
                    found[label].append((j, n))
        first = {i: min(a for a, _ in places) for i, places in found.items()}
        order = sorted(found, key=lambda i: (first[i], i))
        wanted = tuple(i for i in order if any(not negated[a] for a, _ in found[i]))
        avoided = tuple(i for i in order if i not in wanted)
        return Reading(wanted, avoided, meant)

    def _reading(self, request: str | Reading, near: Near | None) -> Reading:
        return request if isinstance(request, Reading) else self.read(request, near)

    def named(self, request: str | Reading, near: Near | None = None) -> list[str]:
        """The labels ``request`` asks for, as the catalogue spells them."""
        return [self.labels[i] for i in self._reading(request, near).wanted]

    def avoided(self, request: str | Reading, near: Near | None = None) -> list[str]:
        """The labels ``request`` turns away ("no horror"), as the catalogue spells them."""
        return [self.labels[i] for i in self._reading(request, near).avoided]

    def held_by(self, request: str | Reading, row: int, near: Near | None = None) -> list[str]:
        """The labels ``request`` asks for that the item in ``row`` holds, as the catalogue spells them."""
        return [self.labels[i] for i in self._reading(request, near).wanted if self.held[row, i] > 0]

    def lift(self, request: str | Reading, near: Near | None = None) -> np.ndarray | None:
        """(n_items,) how far each item rises for the request: the share of the labels it asks for that the item
        holds, less 2 when the item holds a label it turns away (so every such item comes after every item holding
        none); None when the request names no label."""
        reading = self._reading(request, near)
        if not reading:
            return None
        out = np.zeros(self.held.shape[0], dtype=np.float32)
        if reading.wanted:
            out += np.asarray(self.held[:, list(reading.wanted)].sum(axis=1)).ravel() / len(reading.wanted)
        if reading.avoided:
            out -= 2.0 * (np.asarray(self.held[:, list(reading.avoided)].sum(axis=1)).ravel() > 0)
        return out
