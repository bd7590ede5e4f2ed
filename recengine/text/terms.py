"""Words two item texts share, the rarer first: a plain-language hint of why their embeddings are close.

An embedding's similarity is not a count of shared words, but the words two texts do share, weighted by how
rare they are in the catalogue, are what a person reads first. Words in more than ``common`` (a quarter) of the texts
("Genres", "the", a field label every row repeats) say nothing about a pair and are left out, whatever the
language or the columns, so no stop-word list is needed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import numpy as np

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)  # letters or digits, hyphens inside (sci-fi)


def words(text: object) -> set[str]:
    """The distinct lower-cased words of ``text`` that can be shared: 3+ characters, or numbers of 2+ digits.

    >>> sorted(words("Alien (1979). Genres: Action, Horror, Sci-Fi. A crew of 7."))
    ['1979', 'action', 'alien', 'crew', 'genres', 'horror', 'sci-fi']
    """
    found = (w.casefold() for w in _WORD.findall(str(text or "")))
    return {w for w in found if len(w) >= 3 or (len(w) == 2 and w.isdigit())}


class TermIndex:
    """Document frequencies of a catalogue's words, to name the telling words two texts share.

    Examples
    --------
    >>> idx = TermIndex(["Heat (1995). Genres: Crime.", "Casino (1995). Genres: Crime, Drama.",
    ...                  "Babe (1995). Genres: Comedy.", "Fargo (1996). Genres: Crime, Drama."], common=0.5)
    >>> idx.shared("Fargo (1996). Genres: Crime, Drama.", "Casino (1995). Genres: Crime, Drama.")  # crime: 3 of 4
    ['drama']
    """

    def __init__(self, texts: Iterable[object], common: float = 0.25) -> None:
        counts: Counter[str] = Counter()
        n = 0
        for text in texts:
            counts.update(words(text))
            n += 1
        self.n = max(n, 1)
        self.df = counts
        self.common = float(common)

    def idf(self, word: str) -> float:
        return float(np.log((self.n + 1) / (self.df.get(word, 0) + 1)))

    def shared(self, a: object, b: object, limit: int = 4) -> list[str]:
        """Up to ``limit`` words both texts contain, rarest in the catalogue first; common words left out."""
        both = [w for w in words(a) & words(b) if self.df.get(w, 0) <= self.common * self.n]
        return sorted(both, key=lambda w: (-self.idf(w), w))[:limit]
