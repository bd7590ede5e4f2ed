"""Words two item texts share, the rarer first: a plain-language hint of why their embeddings are close.

An embedding's similarity is not a count of shared words, but the words two texts do share, weighted by how
rare they are in the catalogue, are what a person reads first. Words in more than ``common`` (a quarter) of the texts
("Genres", "the", a field label every row repeats) say nothing about a pair and are left out, whatever the
language or the columns. In a catalogue of short texts (titles and a few labels) that rule alone lets the little
words of a sentence through: "and" or "with" is in few titles, so a request typed as a sentence would "share" them.
English function words (``FUNCTION_WORDS``) are therefore never telling either; other languages rely on the
frequency rule.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import numpy as np

#: English determiners, pronouns, prepositions, conjunctions and auxiliaries: words that carry grammar, not topic.
#: Kept short on purpose (no "man", "love", "fire" or "system", which can be what a title is about).
_FUNCTION_WORDS = """
    about above across after again against all almost along also although among amongst and another any anyone
    anything are around because been before behind being below beneath beside besides between beyond both but
    can cannot could did does doing down during each either else even ever every for from further had has have
    having her here hers herself him himself his how however into its itself just may might mine more most much
    must myself neither nor not off once one only onto other others ought our ours ourselves out over own
    per rather same shall she should since some such than that the their theirs them themselves then there these
    they this those though through throughout thus till too toward towards under underneath unless until upon
    very via was were what whatever when whenever where whereas wherever whether which while who whoever whom
    whose why will with within without would yet you your yours yourself yourselves
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)  # letters or digits, hyphens inside (sci-fi)


def words(text: object) -> set[str]:
    """The distinct lower-cased words of ``text`` that can be shared: 3+ characters, or numbers of 2+ digits.

    English function words ("and", "with", "about") are not shared words either.

    >>> sorted(words("Alien (1979). Genres: Action, Horror, Sci-Fi. A crew of 7, and the one who lives."))
    ['1979', 'action', 'alien', 'crew', 'genres', 'horror', 'lives', 'sci-fi']
    """
    found = (w.casefold() for w in _WORD.findall(str(text or "")))
    return {w for w in found if (len(w) >= 3 or (len(w) == 2 and w.isdigit())) and w not in FUNCTION_WORDS}


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
