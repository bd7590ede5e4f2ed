"""How a title or text from a user's file reads on one line of a card, chart or sentence."""

from __future__ import annotations


def one_line(text: object, width: int) -> str:
    """``text`` with its line breaks and runs of spaces folded to single spaces, cut to ``width`` characters.

    Examples
    --------
    >>> one_line("The  Long\\n\\nTitle of a film", 12)
    'The Long Ti…'
    """
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
