"""How a title or text from a user's file reads on one line of a card, chart or sentence."""

from __future__ import annotations

import re

#: a letter of a script written right to left (Hebrew, Arabic, Syriac, Thaana and their presentation forms)
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe]")
#: a short note in brackets that ends a title: its year, or the tag that tells two equal titles apart
_TAG = re.compile(r" (\([^()]{1,24}\))$")
#: A number that ends a title, with the short word before it ("Band 12", "Vol. 3", "Part 2"): what tells the volumes
#: of a series apart, so a cut keeps it ("Die letzte Statio… Band 12", not "Die letzte Station – Band…" for each).
_NUMBER_TAIL = re.compile(r"(?:\s[-–—:,]?\s*)((?:[^\W\d_][\w.]{0,7}\s+)?#?\d{1,4})$")


def one_line(text: object, width: int) -> str:
    """``text`` with its line breaks and runs of spaces folded to single spaces, cut to ``width`` characters.

    A bracketed note at the end (a year, or the "(item 010)" that tells two equal titles apart) is kept when the
    text is cut, and the middle goes. Text in a right-to-left script is isolated (U+2068 ... U+2069), so that a
    value written after it ("وجدة 2  +0.171") keeps its place and its sign in front.

    Examples
    --------
    >>> one_line("The  Long\\n\\nTitle of a film", 12)
    'The Long Ti…'
    >>> one_line("An extraordinarily long and winding title (item 010)", 32)
    'An extraordinarily l… (item 010)'
    >>> one_line("وجدة 2", 20) == "\\u2068وجدة 2\\u2069"
    True
    >>> one_line("Die letzte Station – Band 12", 26), one_line("Maschinenherz – Band 3", 20)
    ('Die letzte Statio… Band 12', 'Maschinenher… Band 3')
    """
    flat = " ".join(str(text).split())
    if len(flat) > width:
        tag = _TAG.search(flat) or _NUMBER_TAIL.search(flat)
        keep = tag.group(1) if tag and len(tag.group(1)) <= width // 2 else ""
        head = flat[: tag.start()] if keep else flat
        flat = head[: max(1, width - 1 - (len(keep) + 1 if keep else 0))].rstrip() + "…" + (f" {keep}" if keep else "")
    return f"\u2068{flat}\u2069" if _RTL.search(flat) else flat


def item_name(title: object, item_id: object) -> str:
    """What an item is called on a card, a bar or in a sentence: its title, or "item <id>" where its title is only
    its id (a catalogue with no title column), so that a bare code never reads as a number.

    >>> item_name("Heat", "6"), item_name("051", "051")
    ('Heat', 'item 051')
    """
    return f"item {item_id}" if str(title) == str(item_id) else str(title)


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """"1 item", "1,200 items": a count with its noun in the right number, for a screen ("item(s)" reads as a form).

    >>> counted(1, "liked item"), counted(1200, "item"), counted(0, "model"), counted(2, "query", "queries")
    ('1 liked item', '1,200 items', '0 models', '2 queries')
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def time_left(phase: tuple[float, int], now: float, done: int, total: int, after: int = 0) -> str:
    """", about 3 min left": a phase's pace since ``phase`` (its start time and its count then), carried to
    ``total`` and over the ``after`` steps of the phases still to come (a guarded fine-tune's final run, whose pace
    is the same); nothing before a step is done, or at the end.

    >>> time_left((0.0, 0), 60.0, 10, 40), time_left((0.0, 0), 5.0, 1, 4), time_left((0.0, 0), 5.0, 0, 4)
    (', about 3 min left', ', about 15 s left', '')
    >>> time_left((0.0, 0), 95.0, 95, 99, after=116)  # 4 steps of this part and 116 of the next, at 1 s a step
    ', about 2 min left'
    """
    start, first = phase
    if total <= 0 or done >= total or done <= first or now <= start:
        return ""
    left = (now - start) / (done - first) * (total - done + max(0, after))
    return f", about {left / 60:.0f} min left" if left >= 90 else f", about {left:.0f} s left"
