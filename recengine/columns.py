"""The fixed column names that every table going into or out of recengine uses."""

from __future__ import annotations


class Columns:
    """Column names shared by datasets, recommendation tables, metrics and explanations.

    Examples
    --------
    >>> from recengine.columns import Columns
    >>> Columns.user, Columns.item, Columns.score
    ('user_id', 'item_id', 'score')
    """

    user = "user_id"
    item = "item_id"
    rating = "rating"
    timestamp = "timestamp"
    weight = "weight"
    event = "event"
    text = "text"
    title = "title"
    score = "score"
    rank = "rank"
    model = "model"

    interactions = (user, item, rating, timestamp)
    recommendations = (user, item, score, rank)
