"""Find what each column means and check its values; every problem names the file, column and rows."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from recengine.columns import Columns
from recengine.data.dataset import nfc
from recengine.data.patterns import extract, search
from recengine.data.readers import Table, python_literal
from recengine.errors import DataError

ROLES = ("user", "item", "rating", "timestamp")

# Names are compared after lower-casing and dropping everything but letters and digits.
ALIASES: dict[str, tuple[str, ...]] = {
    "user": (
        "user", "userid", "users", "uid", "customer", "customerid", "client", "clientid", "member", "memberid",
        "account", "accountid", "visitor", "visitorid", "reader", "readerid", "buyer", "buyerid", "viewer",
        "viewerid", "person", "personid", "profile", "profileid", "subscriber", "subscriberid", "learner",
        "learnerid", "student", "studentid", "player", "playerid", "listener", "listenerid", "reviewer",
        "reviewerid", "shopper", "shopperid",
        # German, French, Spanish, Italian, Dutch
        "kunde", "kundeid", "kunden", "kundenid", "kundennummer", "kundennr", "nutzer", "nutzerid", "benutzer",
        "benutzerid", "utilisateur", "utilisateurid", "usuario", "usuarioid", "idusuario", "cliente", "clienteid",
        "idcliente", "utente", "utenteid", "gebruiker", "gebruikerid", "klant", "klantid",
    ),
    "item": (
        "item", "itemid", "items", "iid", "movie", "movieid", "product", "productid", "sku", "article",
        "articleid", "asset", "assetid", "contentid", "track", "trackid", "book", "bookid", "isbn",
        "song", "songid", "video", "videoid", "asin", "listing", "listingid", "course", "courseid", "recipe",
        "recipeid", "doc", "docid", "document", "documentid", "post", "postid", "game", "gameid", "anime",
        "animeid", "app", "appid", "showid", "film", "filmid", "episode", "episodeid", "artist",
        "artistid", "offer", "offerid", "newsid", "podcast", "podcastid", "restaurant", "restaurantid",
        "business", "businessid", "hotel", "hotelid", "place", "placeid", "titleid", "stockcode", "productcode",
        "itemcode", "articlecode", "articlenumber", "partnumber", "upc", "ean", "gtin", "barcode", "itemno", "aid",
        "venue", "venueid", "poi", "poiid", "trackuri", "beer", "beerid", "wine", "wineid",
        "artikel", "artikelid", "artikelnummer", "artikelnr", "produkt", "produktid", "produit", "produitid",
        "producto", "productoid", "idproducto", "prodotto", "prodottoid", "articolo", "articulo", "artikelcode",
    ),
    "rating": (
        "rating", "ratings", "score", "weight", "stars", "star", "value", "preference", "reviewscore",
        "userrating", "rate", "grade", "playcount", "plays", "count", "quantity", "qty", "clicks",
        "interactionweight", "implicit", "feedback", "overall", "hoursplayed", "playtime", "hours", "minutes",
        "watchtime", "views", "purchases", "listens", "listencount", "ratingvalue", "ratingscore", "scorevalue",
        "thumbs", "thumb", "thumbsup", "thumbsupdown", "vote", "uservote", "reaction",
        "bewertung", "sterne", "menge", "anzahl", "valoracion", "puntuacion", "cantidad", "quantite", "voto",
        "valutazione", "quantita", "beoordeling", "aantal",
    ),
    "timestamp": (
        "timestamp", "time", "date", "datetime", "ts", "createdat", "eventtime", "eventtimestamp", "unixtime",
        "unixtimestamp", "ratedat", "orderdate", "watchedat", "eventdate", "when", "at",
        "purchasedate", "reviewtime", "unixreviewtime", "created", "occurredat", "invoicedate",
        "datum", "zeitpunkt", "zeitstempel", "bestelldatum", "kaufdatum", "fecha", "horodatage", "datetemps",
        "dataora", "tijdstip",
    ),
}
# The kind of each event in a log of views, carts and purchases (RetailRocket, Taobao, REES46): read when it holds a
# few kinds (MAX_EVENT_KINDS), so that a user can count only some of them.
ALIASES["event"] = (
    "event", "events", "eventtype", "eventstype", "eventname", "action", "actiontype", "behavior", "behaviortype",
    "behaviour", "behaviourtype", "interactiontype", "activity", "activitytype",
)
MAX_EVENT_KINDS = 30
# A column that labels each row of an impression log 1 (clicked, bought) or 0 (shown only): KuaiRand's is_click,
# Tenrec's click, a CTR log's label. Read when it holds 0s and 1s alone; in this order, so a click comes before a like.
ALIASES["label"] = (
    "click", "clicked", "isclick", "clk", "label", "target", "converted", "isconverted", "conversion", "purchased",
    "ispurchase", "ispurchased", "bought", "isbuy", "liked", "like", "islike", "relevant", "isrelevant", "positive",
    "ispositive", "interacted",
)
# Used only when no column is named like the role: some exports identify items by their name, and session and basket
# logs (YooChoose, OTTO, Instacart's order lines) have no user, so each session or order stands for one.
#: who, when no column says user, before any session or order: a shop's e-mail (Shopify's Email, WooCommerce's Billing
#: Email), an analytics id (GA4's user_pseudo_id, GA360's fullVisitorId, Segment's anonymousId, Mixpanel's
#: distinct_id), a cookie or a device, a Steam account (steamid; the UCSD dumps also carry a user_id, which comes
#: first), a household (Dunnhumby's household_key)
PERSON_NAMES = ("email", "emailaddress", "customeremail", "useremail", "buyeremail", "billingemail", "userpseudoid",
                "fullvisitorid", "anonymousid", "distinctid", "cookieid", "deviceid", "username", "profilename",
                "screenname", "steamid", "household", "householdid", "householdkey")
NAME_ALIASES: dict[str, tuple[str, ...]] = {
    "user": ("session", "sessionid", "sessionkey", "visit", "visitid", "basket", "basketid", "cart", "cartid", "order",
             "orderid", "invoice", "invoiceno", "invoiceid", "transaction", "transactionid", "playlist", "playlistid",
             "pid", *PERSON_NAMES),
    "item": (
        "title", "name", "itemname", "productname", "movietitle", "moviename", "booktitle", "gametitle", "gamename",
        "songname", "songtitle", "trackname", "tracktitle", "artistname", "showname", "coursename", "recipename",
        "description", "product", "artist", "lineitemname",
    ),
}
TITLE_NAMES = ("title", "name", "movietitle", "productname", "itemname", "booktitle", "headline", "label", "caption")


LETTER = re.compile(r"[^\W\d_]")  # a letter of any script, not a digit or _


def norm(name: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def find_column(
    table: Table, role: str, explicit: str | None, *, required: bool, aliases: Sequence[str] | None = None
) -> str | None:
    """The column that plays ``role`` in ``table``: the explicit mapping, else the one whose name matches."""
    cols = [str(c) for c in table.frame.columns]
    if explicit is not None:
        if explicit in cols:
            return explicit
        # --user-col kd_nr for Kd_Nr: one column that differs only in case (or spaces around) is the one meant
        alike = [c for c in cols if c.strip().casefold() == str(explicit).strip().casefold()]
        if len(alike) == 1:
            return alike[0]
        import difflib

        close = difflib.get_close_matches(str(explicit), cols, n=1, cutoff=0.6)
        raise DataError(
            f"{table.name}: the {role} column is mapped to {explicit!r}, but the file has no such column"
            + (f" (did you mean {close[0]!r}?)" if close else "") + f". Its columns are: {', '.join(cols)}."
        )
    def named(names: Sequence[str]) -> list[str]:  # or a nested field by its own name: OTTO's events.aid
        return [c for c in cols if norm(c) in names] or [c for c in cols if "." in c and norm(c.rsplit(".", 1)[-1]) in names]

    names = aliases if aliases is not None else ALIASES[role]
    matches = named(names)
    if not matches:
        # Id-like variants: "anonymised_user_id", "product_code", "customer_key", "sku_number".
        stems = [n for n in names if len(n) >= 3 and not n.endswith("id")]
        id_like = re.compile(rf"^(?:{'|'.join(stems)})(?:key|code|no|number|hash|ref|uuid)$") if stems else None
        suffixes = tuple(n for n in names if n.endswith("id") and len(n) >= 5)
        if role == "item":  # Shopify's "Lineitem sku", a variant_sku
            suffixes += ("sku",)
        if role == "timestamp":
            suffixes = ("date", "time", "timestamp", "datetime")
        if role == "rating":  # Book-Rating, star_rating, user_score: numbers only, and not an average over users
            suffixes = ("rating", "ratings", "score", "stars")
        matches = [
            c for c in cols if (suffixes and norm(c).endswith(suffixes)) or (id_like and id_like.match(norm(c)))
        ]
        if role == "rating":
            matches = [c for c in matches if not norm(c).startswith(("avg", "average", "mean", "median"))
                       and holds_numbers(table.frame[c])]
        if role == "timestamp" and len(matches) > 1:  # order_date beside last_modified_date
            matches = _first_times(table, matches)
        if role == "timestamp" and not matches:  # event-time names: played_at, createdAt, viewed-at, Ta Feng's TRANSACTION_DT
            # only those that hold times: Goodreads' read_at and started_at are mostly empty
            matches = _first_times(table, [c for c in cols if re.search(r"(?:[_\-\s](?:[aA][tT]|[dD][tT])|[a-z][AD]t)$", c)])
        if role == "timestamp" and not matches:  # Goodreads' date_added beside date_updated, dateCreated
            matches = _first_times(table, [c for c in cols if re.match(r"(?:date|time)(?:[_\-\s]?[a-z]|[A-Z])", c,
                                                                       re.IGNORECASE)])
        if role == "timestamp" and not matches:  # bought_on, createdOn: "on" also ends names like add_on, so only with dates in it
            matches = [c for c in cols if re.search(r"(?:[_\-\s]on|[a-z]On)$", c) and holds_times(table.frame[c])]
        if role == "timestamp" and not matches:  # Steam's posted, date_added's kin: added, published, watched
            matches = _first_times(table, [c for c in cols if _PAST_TENSE.search(c)], reads=_reads_as_dates)
        if role == "timestamp" and not matches:  # epoch numbers named by their unit: rated_ms, ts_ms, epoch_ms, read_ts
            matches = _first_times(table, [c for c in cols if _epoch_named(c)])
        if role == "timestamp" and not matches:  # a Parquet datetime column says what it is by its type, whatever its name
            typed = [c for c, dtype in zip(cols, table.frame.dtypes) if pd.api.types.is_datetime64_any_dtype(dtype)]
            matches = typed if len(typed) == 1 else []
        if len(matches) > 1:
            matches = []
    if not matches and aliases is None and role in NAME_ALIASES:
        tiers = (PERSON_NAMES, NAME_ALIASES[role]) if role == "user" else (NAME_ALIASES[role],)
        matches = next((found for tier in tiers if (found := named(tier))), [])  # Mixpanel's properties.distinct_id
    if role in ("user", "item") and len(matches) > 1:  # Ta Feng's PRODUCT_ID beside ASSET (a cost): the id is meant
        named_id = [c for c in matches if norm(c).endswith("id")]
        matches = named_id if len(named_id) == 1 else matches
    if role == "timestamp" and len(matches) > 1:
        matches = _one_time(table, matches)
    if len(matches) > 1:
        raise DataError(
            f"{table.name}: more than one column could be the {role} column ({', '.join(matches)}). "
            f"Say which with columns={{'{role}': '{matches[0]}'}} (in the app: Column mapping; "
            f"in the CLI: --{_flag(role)})."
        )
    if not matches:
        if required:
            header = " If the first line is data, not column names, add a header row." if table.format.startswith("delimited") else ""
            raise DataError(
                f"{table.name}: no {role} column found among: {', '.join(map(_shown_column, cols))}. Rename it to '{role}_id' or "
                f"map it with columns={{'{role}': 'your column'}} (in the app: Column mapping; in the CLI: --{_flag(role)})."
                f"{header}"
            )
        return None
    return matches[0]


def _shown_column(name: str) -> str:
    """A column's name as a message shows it: pandas' made-up ``Unnamed: 1`` for an empty header cell is no name the
    user ever wrote.

    >>> _shown_column("Unnamed: 1"), _shown_column("stars")
    ('(column 2, no name)', 'stars')
    """
    unnamed = re.fullmatch(r"Unnamed: (\d+)(?:_level_\d+)?", name)
    return f"(column {int(unnamed.group(1)) + 1}, no name)" if unnamed else name


def _split_camel(name: str) -> str:
    """``name`` with its camelCase humps set apart: ``"dateCreated"`` -> ``"date Created"``."""
    return re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)


#: words that say when a row was changed, not when the interaction happened
_EDIT_WORDS = ("updat", "modif", "chang", "edit", "delet", "expir", "remov", "sync", "last")


#: words that say when the interaction was made, of several times (Shopify's "Created at" beside "Paid at",
#: "Fulfilled at" and "Cancelled at")
_MADE_WORDS = ("creat", "order", "placed", "purchas", "submit")


def _first_times(table: Table, columns: list[str], reads: Callable[[Table, str], bool] | None = None) -> list[str]:
    """Of several columns named like times, those that hold times (by ``holds_times``, or ``reads``) and do not say
    when the row was changed since (``updated_at``, ``date_updated``, ``last_modified``); all that hold times if every
    one says so.

    >>> t = Table(pd.DataFrame({"created_at": ["2024-01-02"], "updated_at": ["2024-03-01"], "read_at": [""]}), "t")
    >>> _first_times(t, ["created_at", "updated_at", "read_at"])
    ['created_at']
    """
    held = [c for c in columns if (reads(table, c) if reads else holds_times(table.frame[c]))]
    words = {c: re.findall(r"[a-z]+", _split_camel(c).lower()) for c in held}
    first = [c for c in held if not any(w.startswith(_EDIT_WORDS) for w in words[c])]
    made = [c for c in first if any(w.startswith(_MADE_WORDS) for w in words[c])]
    return made if len(made) == 1 else first or held


#: words of a column name that say it counts time since an epoch (the values must then be epoch times as well)
_EPOCH_WORDS = frozenset({"ts", "ms", "epoch", "unix", "millis", "msec", "secs", "sec"})
#: words that say a column is a length of time, not a point in it (Spotify's duration_ms)
_SPAN_WORDS = frozenset({"duration", "length", "elapsed", "spent", "dwell", "watch", "listen", "play", "runtime"})


def _epoch_named(column: str) -> bool:
    """Whether a column's name says it holds epoch times by their unit: ``rated_ms``, ``read_ts``, ``epochMs``.

    >>> [_epoch_named(c) for c in ("rated_ms", "read_ts", "epochMs", "items", "duration_ms", "terms")]
    [True, True, True, False, False, False]
    """
    words = set(re.findall(r"[a-z]+", _split_camel(column).lower()))
    return bool(words & _EPOCH_WORDS) and not words & _SPAN_WORDS


#: a name whose last word says what happened: posted, reviews.posted, dateAdded's "added", publishedAt is caught above
_PAST_TENSE = re.compile(r"(?:^|[^A-Za-z]|[a-z](?=[A-Z]))[A-Za-z]?[a-z]{2,}ed$")


def _reads_as_dates(table: Table, column: str) -> bool:
    """Whether ``column`` reads whole as times, dates within words included: a guess from a name must not stop a
    load that would work without it (Steam writes "Posted February 3." with no year)."""
    text = table.frame[column].dropna().head(200).astype(str)
    # a day and month alone count too (see _current_year)
    dated = extract(text, _DATE_WITHIN).notna() | extract(text, _MONTH_DAY).notna()
    if not (holds_times(text) or dated.mean() >= 0.9):
        return False
    try:
        parse_timestamps(table, column)
    except DataError:
        return False
    return True


_TIME_NAMED = re.compile(r"(?:date|time|timestamp|[_\-\s](?:at|dt|on)|[a-z][ADO]t)$|^(?:date|time)(?:[_\-\s]?[a-z]|[A-Z])",
                         re.IGNORECASE)


def _blank(values: pd.Series) -> pd.Series:
    """Whether each cell is empty: missing, or text of nothing but spaces."""
    return values.isna() | values.map(lambda v: isinstance(v, str) and not v.strip())


def unread_times(table: Table, taken: set[str | None]) -> str | None:
    """What to tell a user when no timestamp was read though a column named for what happened (``posted``) holds
    dates in most rows, some of which do not read (Steam's "Posted February 3." has no year), or a column named like
    a time holds times in every row that is not blank (Goodreads' ``read_at``, empty for books not read); else None.

    >>> t = Table(pd.DataFrame({"user": ["a", "b", "c"], "read_at": ["Tue Oct 17 05:12:03 -0700 2017", "", "2019-01-02"]}), "r.csv")
    >>> unread_times(t, {"user"})[:73]
    "r.csv: column 'read_at' holds times, but 1 of 3 rows (33%) leave it blank"
    """
    for c in map(str, table.frame.columns):
        if c in taken or not (_TIME_NAMED.search(c) or norm(c) in ALIASES["timestamp"]):
            continue
        head = table.frame[c].head(20_000)
        blank = _blank(head)
        if blank.any() and not blank.all() and holds_times(head[~blank]):
            n_blank = int(_blank(table.frame[c]).sum())
            return (f"{table.name}: column {c!r} holds times, but {n_blank:,} of {len(table.frame):,} rows "
                    f"({n_blank / len(table.frame):.0%}) leave it blank, so no timestamp was read: every interaction needs "
                    "one. To order interactions by it, leave out the rows with no time (or fill them in) and name it "
                    f"(columns={{'timestamp': {c!r}}}; in the CLI: --timestamp-col {c}; in the app: Column mapping, "
                    "Timestamp).")
    for c in map(str, table.frame.columns):
        if c in taken or not _PAST_TENSE.search(c):
            continue
        text = table.frame[c].dropna().head(2000).astype(str)
        dates = extract(text, _DATE_WITHIN)
        if len(text) and (dates.notna() | extract(text, _MONTH_DAY).notna()).mean() >= 0.5:
            example = text[dates.isna()].iloc[0] if dates.isna().any() else text.iloc[0]
            return (f"{table.name}: column {c!r} holds dates, but not every row writes a whole date with its year (e.g. "
                    f"{example!r}), so no timestamp was read. Write every value as a date to read it (columns="
                    f"{{'timestamp': {c!r}}}; in the CLI: --timestamp-col {c}; in the app: Column mapping, Timestamp).")
    return None


def _string_cells(values: pd.Series, n: int) -> pd.Series:
    """The cells written as text among the first ``n`` filled cells of ``values``, stripped (numbers, dates and
    lists left out)."""
    cells = values.dropna().head(n)
    return cells[cells.map(lambda v: isinstance(v, str))].astype(str).str.strip()


def unread_thumbs(table: Table, taken: set[str | None]) -> str | None:
    """What to tell a user when no rating was read though a column holds thumbs up and down in words ("up"/"down",
    "like"/"dislike", "👍"/"👎"), under a name that does not say rating: each dislike counts as an interaction."""
    for c in map(str, table.frame.columns):
        if c in taken:
            continue
        text = _string_cells(table.frame[c], 2000).str.lower()
        if len(text) < 2:
            continue
        thumbs = text.map(_THUMBS)
        if thumbs.notna().mean() >= 0.95 and thumbs.nunique() == 2:
            up, down = (text[thumbs == v].iloc[0] for v in (1.0, 0.0))
            return (f"{table.name}: column {c!r} holds thumbs up and down ({up!r}, {down!r}) but was not read as "
                    f"a rating, so every row counts as an interaction, a {down!r} too. To read it: columns="
                    f"{{'rating': {c!r}}} (in the CLI: --rating-col {c}; in the app: Column mapping), then keep only "
                    "the thumbs up (min_rating=1; in the CLI: --min-rating 1; in the app: Minimum rating 1).")
    return None


#: names of numeric columns that are not ratings though they hold a few small numbers (a type code, a month)
_NOT_RATINGS = re.compile(r"type|kind|code|categ|class|group|flag|^is|^has|year|month|week|day|hour|minute|second|"
                          r"position|rank|page|session|device|platform|channel|source|country|region|lang|gender|age|"
                          r"status|step|version|slot|index|row|seq|price|cost|amount|total|revenue|discount|tax|"
                          r"euro|eur|usd|dollar", re.IGNORECASE)


def unread_ratings(table: Table, taken: set[str | None]) -> str | None:
    """What to tell a user when no rating was read though a column under another name holds numbers on a small
    scale (``score10``: 1 to 10; half stars), the way ratings do: they are left out, and every row counts alike.

    >>> t = Table(pd.DataFrame({"customer": list("abcdef"), "book": list("xyzxyz"), "score10": [1, 7, 10, 3, 8, 2]}),
    ...           "r.csv", "csv")
    >>> unread_ratings(t, {"customer", "book"})[:71]
    "r.csv: column 'score10' holds numbers from 1 to 10 that were not read: "
    >>> t2 = Table(pd.DataFrame({"u": list("abcdef"), "i": list("xyzxyz"), "device_type": [1, 2, 3, 4, 1, 2]}),
    ...            "r.csv", "csv")
    >>> unread_ratings(t2, {"u", "i"}) is None
    True
    >>> t3 = Table(pd.DataFrame({"u": list("abcdef"), "i": list("xyzxyz"), "unit_price": [9.99, 19.99, 4.5, 9.99, 12, 3]}),
    ...            "r.csv", "csv")
    >>> unread_ratings(t3, {"u", "i"}) is None  # a shop's prices are no scale of taste
    True
    """
    for c in map(str, table.frame.columns):
        if c in taken or _NOT_RATINGS.search(norm(c)) or not holds_numbers(table.frame[c], share=1.0):
            continue
        values = decimals(table.frame[c].dropna().head(5000))
        if not 3 <= values.nunique() <= 21 or values.min() < -10 or values.max() > 100:
            continue
        return (f"{table.name}: column {c!r} holds numbers from {values.min():g} to {values.max():g} that were not "
                f"read: every row counts as one interaction alike. If it rates or weighs the interactions, read it as "
                f"the rating (columns={{'rating': {c!r}}}; in the CLI: --rating-col {c}; in the app: Column mapping, "
                "Rating / weight), then keep the liked rows with a minimum rating.")
    return None


def _one_time(table: Table, columns: list[str]) -> list[str]:
    """Of columns that hold the same moments written two ways (Amazon reviews' ``unixReviewTime`` and
    ``reviewTime`` "09 4, 2015"), the one with the finest times; else all of them, for the caller to ask which."""
    head = dataclasses.replace(table, frame=table.frame.head(500))
    try:
        seconds = {c: parse_timestamps(head, c).to_numpy() for c in columns}
    except DataError:  # one of them is not a time at all
        return columns
    first = seconds[columns[0]] // 86400
    if not all((np.abs(seconds[c] // 86400 - first) <= 1).mean() >= 0.95 for c in columns[1:]):
        return columns
    # the finest; of equals, numbers (far quicker to read on a big file than date text)
    return [max(columns, key=lambda c: (len(np.unique(seconds[c])), holds_numbers(head.frame[c])))]


_THOUSANDS_COMMA = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")  # 1,234 or 12,500.5
_THOUSANDS_POINT = re.compile(r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?")  # 1.234 or 1.234,5 (German style)
_DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d{1,2}")  # 4,5: a number as a semicolon-separated export writes it


def decimal_commas(values: pd.Series) -> bool:
    """Whether every value is a number written with a decimal comma, as Europe's spreadsheets export ratings.

    >>> decimal_commas(pd.Series(["4,5", "3,0", None])), decimal_commas(pd.Series(["4,5", "N1,N2"]))
    (True, False)
    """
    cells = [str(v).strip() for v in values.dropna().head(200)]
    return bool(cells) and all(_DECIMAL_COMMA.fullmatch(c) for c in cells)


def decimals(values: pd.Series) -> pd.Series:
    """Values read as numbers, whichever way the column writes them: a decimal comma ("4,5" is 4.5), or thousands
    set off by commas ("1,234" plays) or by points with a decimal comma ("1.234,5"), judged on the whole column.
    What is not a number is NaN.

    >>> decimals(pd.Series(["4,5", "3", "3,5"])).tolist(), decimals(pd.Series(["1,234", "12", "2,000,000"])).tolist()
    ([4.5, 3.0, 3.5], [1234, 12, 2000000])
    >>> decimals(pd.Series(["1.234,5", "17,25"])).tolist()
    [1234.5, 17.25]
    """
    text = values.astype(str).str.strip()
    commas = text[text.str.contains(",", regex=False)]
    if len(commas) and commas.str.fullmatch(_THOUSANDS_COMMA).all() and not text.str.fullmatch(_DECIMAL_COMMA).any():
        text = text.str.replace(",", "", regex=False)
    else:
        grouped = text.str.fullmatch(_THOUSANDS_POINT) & commas.reindex(text.index).notna()
        if grouped.any():
            text = text.where(~grouped, text.str.replace(".", "", regex=False))
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce")


def holds_numbers(values: pd.Series, share: float = 0.9) -> bool:
    """Whether a column reads as numbers: ``share`` of its first 200 values (nine in ten; "4,5" is a number).

    >>> holds_numbers(pd.Series(["4,5", "3"] * 5 + ["S"])), holds_numbers(pd.Series(["4,5", "3"] * 5 + ["S"]), share=1)
    (True, False)
    """
    sample = values.dropna().head(200)
    return bool(len(sample)) and bool(decimals(sample).notna().mean() >= share)


def holds_times(values: pd.Series) -> bool:
    """Whether a column reads as times: datetimes, unix seconds or milliseconds (1990-2100), or date text."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    sample = values.dropna().head(200).astype(str).str.strip()  # 200 values, not the column, to text
    if sample.empty:
        return False
    if decimal_commas(sample):  # dateutil reads "4,5" as the fifth of April
        return False
    numeric = pd.to_numeric(sample, errors="coerce")
    if numeric.notna().all():
        seconds = numeric.abs().median()
        return bool(6.3e8 <= seconds <= 4.2e9 or 6.3e11 <= seconds <= 4.2e12) or compact_date_format(numeric) is not None
    if not sample.str.contains(r"\d", regex=True).all():
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed", utc=True)
    # nine in ten; in a small file one bad date ("2024-02-30" of five) is one in ten of a larger one: the column is
    # still read as times, so that the bad row is named, not the whole column dropped without a word
    misses = int(parsed.isna().sum())
    return bool(parsed.notna().mean() >= 0.9 or (len(sample) < 10 and misses <= 1 and parsed.notna().mean() >= 0.5))


def _flag(role: str) -> str:
    return "items-id-col" if role == ITEMS_ID else f"{role}-col"


def clean_ids(table: Table, column: str, role: str) -> pd.Series:
    """Ids as stripped strings; missing ids are an error that lists the rows."""
    raw = table.frame[column]
    nested_rows = np.flatnonzero(raw.map(nested).to_numpy() if raw.dtype == object else [])  # strings, numbers: none
    if len(nested_rows):
        raise DataError(
            f"{table.name}: column {column!r} ({role} id) holds nested values such as {raw.iloc[nested_rows[0]]!r} at "
            f"{table.where(nested_rows)}; an id must be one plain value. Flatten the records so the id is a string or number."
        )
    ids = id_strings(raw)
    missing = np.flatnonzero((ids == "").to_numpy())
    if len(missing):
        raise DataError(
            f"{table.name}: column {column!r} ({role} id) is empty in {len(missing)} row(s), first at "
            f"{table.where(missing)}. Every row needs {'an' if role == 'item' else 'a'} {role} id: fill them in or delete "
            "those rows, or leave such rows out as the file loads (skip_missing_ids=True; in the CLI: --skip-missing-ids; "
            "in the app: Skip rows with no user or item id, under Column mapping)."
        )
    return ids


def id_strings(values: pd.Series) -> pd.Series:
    """Each cell as the id string it names, "" where it is missing; each distinct value is cleaned once, as a log
    repeats its ids (and its kinds of event) many times. A structured cell reads as its ``repr``.

    >>> id_strings(pd.Series([7.0, " a ", None, 7.0, "NULL"])).tolist()
    ['7', 'a', '', '7', '']
    >>> id_strings(pd.Series(["Jose\u0301", "Jos\u00e9"])).nunique()
    1
    """
    try:
        codes, uniques = pd.factorize(values)
    except TypeError:  # lists and dicts cannot be hashed
        codes, uniques = pd.factorize(values.map(lambda v: repr(v) if nested(v) else v))
    cleaned = pd.Series(uniques, dtype=object).map(_id_to_str).to_numpy(dtype=object)
    return pd.Series(np.append(cleaned, "")[codes], index=values.index).astype(str)  # a missing cell (-1): the ""


def nested(value: object) -> bool:
    """Whether a cell holds a structure (a JSON object or list, a Parquet list) rather than one plain value."""
    return isinstance(value, (dict, list, tuple, np.ndarray))


#: what exports write in an empty cell (SQL's NULL, pandas' NaN and <NA>, Excel's #N/A), read as nothing
_EMPTY_WORDS = frozenset({"null", "none", "nan", "nat", "nil", "n/a", "#n/a", "<na>"})


def missing(value: object) -> bool:
    """Whether a cell is empty: None, NaN, the pd.NA / NaT that nullable Parquet and Arrow columns hold, or a word
    that exports write for nothing (``NULL``, ``None``, ``NaN``, ``N/A``, ``#N/A``).

    >>> [missing(v) for v in (None, float("nan"), pd.NA, "NULL", " n/a ", "Nanny", "0")]
    [True, True, True, True, True, False, False]
    """
    if isinstance(value, str):
        return len(value) <= 5 and value.strip().lower() in _EMPTY_WORDS
    return value is None or value is pd.NA or value is pd.NaT or bool(isinstance(value, (float, np.floating)) and np.isnan(value))


def blank(value: object) -> bool:
    """Whether a cell says nothing: :func:`missing`, or text of spaces only.

    >>> [blank(v) for v in (None, "NULL", "  ", "", 0, "x")]
    [True, True, True, True, False, False]
    """
    return missing(value) or (isinstance(value, str) and not value.strip())


def _id_to_str(value: object) -> str:
    if missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (np.floating,)):
        return _id_to_str(float(value))
    return nfc(str(value).strip())


#: a rating written as words: "4.0 out of 5 stars" (Amazon's pages), "4/5", "5 stars"; or as stars, "★★★★☆"
_RATING_WORDS = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:(?:/|out of|of|von|sur)\s*\d+(?:[.,]\d+)?)?\s*"
                           r"(?:stars?|sterne|étoiles|estrellas|points?|pts|%)?\.?\s*$", re.IGNORECASE)
_STARS = re.compile(r"^\s*[★☆✩✭]+\s*$")
#: a thumb up or down, written as words: 1 and 0
_THUMBS = {**dict.fromkeys(("yes", "y", "true", "like", "liked", "thumbs up", "thumbsup", "up", "positive", "recommended",
                            "👍"), 1.0),
           **dict.fromkeys(("no", "n", "false", "dislike", "disliked", "thumbs down", "thumbsdown", "down", "negative",
                            "not recommended", "👎"), 0.0)}


def _rating_words(text: pd.Series) -> pd.Series:
    """Ratings written as words or stars, as numbers; NaN for the rest.

    >>> _rating_words(pd.Series(["4.0 out of 5 stars", "3/5", "5 Sterne", "★★★★☆", "85%", "Thumbs up", "great"])).tolist()
    [4.0, 3.0, 5.0, 4.0, 85.0, 1.0, nan]
    """
    number = extract(text, _RATING_WORDS).str.replace(",", ".", regex=False)
    stars = pd.to_numeric(text.where(text.str.match(_STARS)).str.count("[★✭]"), errors="coerce")
    thumbs = pd.to_numeric(text.str.strip().str.lower().map(_THUMBS), errors="coerce")  # numbers on pandas 2 too
    return pd.to_numeric(number, errors="coerce").fillna(stars.where(stars > 0)).fillna(thumbs)


def parse_ratings(table: Table, column: str, warnings: list[str] | None = None) -> pd.Series:
    """Ratings as float64; text, empty cells, inf and NaN are errors that list the rows. Ratings written as words
    ("4.0 out of 5 stars", "4/5", "★★★★☆", "85%"; a thumb, "like" or "dislike", as 1 or 0) are read as their
    numbers, with a note in ``warnings``."""
    raw = table.frame[column]
    if raw.dtype == object or pd.api.types.is_string_dtype(raw):
        values = decimals(raw)
        bad = np.flatnonzero(values.isna().to_numpy() | ~np.isfinite(values.fillna(0).to_numpy()))
        if len(bad):
            worded = _rating_words(raw.iloc[bad].astype(str)).to_numpy()
            if np.isfinite(worded).any():  # scraped pages write their stars in words
                i = bad[np.argmax(np.isfinite(worded))]
                values.iloc[bad] = worded
                bad = bad[~np.isfinite(worded)]
                if not len(bad) and warnings is not None:
                    downs = raw.astype(str).str.strip().str.lower().map(_THUMBS).eq(0.0)
                    down = (f" A thumb down ({int(downs.sum()):,} rows) is 0 and still counts as an interaction unless "
                            "you keep only ratings of at least 1 (min_rating=1; in the CLI: --min-rating 1; in the app: "
                            "Minimum rating)." if downs.any() else "")
                    warnings.append(f"{table.name}: column {column!r} (rating) holds ratings written as words (e.g. "
                                    f"{str(raw.iloc[i])!r}, read as {values.iloc[i]:g}); their numbers were read.{down}")
        if len(bad):
            examples = ", ".join(repr(str(raw.iloc[i])) for i in bad[:3])
            raise DataError(
                f"{table.name}: column {column!r} (rating) has values that are not finite numbers at "
                f"{table.where(bad)} (e.g. {examples}). Fix or remove those rows, or map another column "
                "as the rating, or read no rating column (columns={'rating': None}; in the app: Column mapping, Rating / "
                "weight: (none); in the CLI: --rating-col none) to treat every row as one interaction."
            )
        return values.astype("float64")
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    bad = np.flatnonzero(~np.isfinite(values.to_numpy()))
    if len(bad):
        raise DataError(
            f"{table.name}: column {column!r} (rating) has missing, NaN or infinite values at {table.where(bad)}. "
            "Fix or remove those rows, or read no rating column (columns={'rating': None}; in the app: Column "
            "mapping, Rating / weight: (none); in the CLI: --rating-col none) to treat every row as one interaction."
        )
    return values


_NUMERIC_DATE = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})(?!\d)"


def _to_utc(text: pd.Series, dayfirst: bool) -> pd.Series:
    """Date text as UTC datetimes, NaT where unreadable: as ``pd.to_datetime(format="mixed")`` reads them, but fast
    when the column keeps one format. The format pandas guesses most often for the first values reads every value
    it fits at once; only the others are read one by one.

    >>> [str(t) for t in _to_utc(pd.Series(["11/13/2019 8:00:00 AM", "2019-11-14", "no date"]), dayfirst=False)]
    ['2019-11-13 08:00:00+00:00', '2019-11-14 00:00:00+00:00', 'NaT']
    """
    guesses = pd.Series([guess_datetime_format(str(v), dayfirst=dayfirst) for v in pd.unique(text.head(50))], dtype=object)
    fmt = guesses.mode().iloc[0] if guesses.notna().any() else None  # pandas cannot guess every value ("3:31 PM")
    if fmt is None:
        return _in_range(pd.to_datetime(text, errors="coerce", utc=True, format="mixed", dayfirst=dayfirst))
    out = pd.to_datetime(text, errors="coerce", utc=True, format=fmt)
    rest = out.isna().to_numpy()
    if rest.any():
        out[rest] = pd.to_datetime(text[rest], errors="coerce", utc=True, format="mixed", dayfirst=dayfirst)
    return _in_range(out)


def _in_range(times: pd.Series) -> pd.Series:
    """NaT for times a timestamp cannot hold ("-1" reads as the year -1), so they are reported as unreadable."""
    return times.where((times > pd.Timestamp("1678-01-01", tz="UTC")) & (times < pd.Timestamp("2261-12-31", tz="UTC")))


def _parse_dates(table: Table, column: str, text: pd.Series, warnings: list[str] | None = None) -> pd.Series:
    """Date text as UTC datetimes (NaT where unreadable), with one day/month order for the whole column.

    Numeric dates such as 02/03/2024 are read day-first when some first field exceeds 12 (13/01/2024),
    month-first otherwise; a column with both kinds (13/01/2024 and 01/13/2024) is an error. Other text
    (ISO dates, month names) is read as written.
    """
    codes, uniques = pd.factorize(text)
    if len(uniques) < len(text) // 2:  # a log repeats its times: read each once, and point messages at its first row
        seen, first_rows = np.unique(codes, return_index=True)
        once = Table(pd.DataFrame(index=range(len(uniques))), table.name, table.unit, table.first_line, table.format,
                     lines=tuple(table.line_of(first_rows[seen >= 0]).tolist()))
        parsed = _parse_dates(once, column, pd.Series(uniques, dtype=object), warnings)
        return pd.Series(parsed.array.take(codes, allow_fill=True), index=text.index)  # a missing time (-1) is NaT
    fields = text.str.extract(_NUMERIC_DATE)
    numeric = fields[0].notna().to_numpy()
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    if (~numeric).any():
        parsed[~numeric] = _to_utc(text[~numeric], dayfirst=False)
    if numeric.any():
        first, second = fields[0][numeric].astype(int), fields[1][numeric].astype(int)
        day_first, month_first = (first > 12).to_numpy(), (second > 12).to_numpy()
        if day_first.any() and month_first.any():
            rows = np.flatnonzero(numeric)
            a, b = rows[np.argmax(day_first)], rows[np.argmax(month_first)]
            raise DataError(
                f"{table.name}: column {column!r} (timestamp) mixes day-first and month-first dates: "
                f"{str(text.iloc[a])!r} at {table.where([a])} but {str(text.iloc[b])!r} at {table.where([b])}. "
                "Write every date one way, best as ISO (2024-05-17)."
            )
        ambiguous = not day_first.any() and not month_first.any() and bool((first != second).any())
        if ambiguous and warnings is not None:
            example = str(text[numeric].iloc[int(np.argmax((first != second).to_numpy()))])
            warnings.append(
                f"{table.name}: column {column!r} has dates such as {example!r} that read either day-first or "
                "month-first, and none has a day above 12 to tell; they were read month-first (US style). If they "
                "are day-first, write them as ISO dates (2024-05-17)."
            )
        parsed[numeric] = _to_utc(text[numeric], dayfirst=bool(day_first.any()))
    return parsed


_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
          r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
#: a date inside words, as scraped reviews write it: "Posted November 5, 2011.", "Reviewed in the United States on
#: 7 July 2019", "updated 2019-07-07 10:00"
_DATE_WITHIN = re.compile(
    rf"({_MONTH} \d{{1,2}},? \d{{4}}|\d{{1,2}} {_MONTH},? \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}})?)?"
    r"|\d{1,2}/\d{1,2}/\d{4})",
    re.IGNORECASE,
)


#: a day of a month with no year after it: "Posted February 3."
_MONTH_DAY = re.compile(rf"\b({_MONTH} \d{{1,2}}|\d{{1,2}} {_MONTH})(?!,? ?\d)", re.IGNORECASE)


def _current_year(table: Table, column: str, text: pd.Series, bad: np.ndarray, dates: pd.Series,
                  warnings: list[str] | None) -> pd.Series:
    """``dates`` (the dates found within the unread values) with a year given to those that name a day and a month
    alone, where the other values write their years: Steam's reviews say "Posted February 3." for the year they were
    scraped in and "Posted November 5, 2011." for every year before, so a date with no year is in the year after the
    latest one written within words. As it is where any unread value names no day and month, or no value writes a
    year within words (a column of ISO dates with one "Posted February 3." is not Steam's)."""
    missing = np.flatnonzero(dates.isna().to_numpy())
    day_month = extract(text.iloc[bad[missing]], _MONTH_DAY)
    written = dates.dropna().str.extract(r"(\d{4})", expand=False).astype("int64")  # years written within words
    if day_month.isna().any() or not len(written):
        return dates
    year = int(written.max()) + 1
    out = dates.copy()
    out.iloc[missing] = (day_month + f" {year}").to_numpy()
    if warnings is not None:
        warnings.append(f"{table.name}: column {column!r} (timestamp) writes no year in {len(missing)} value(s) (e.g. "
                        f"{str(text.iloc[bad[missing[0]]])!r}), as Steam does for the year a page was read in; they "
                        f"were read as {year}, the year after the latest one written. Map no timestamp column if that "
                        "is wrong (columns={'timestamp': None}; in the CLI: --timestamp-col none; in the app: Column mapping, "
                        "Timestamp: (none)).")
    return out


def _unix_times_as_dates(table: Table, column: str, text: pd.Series, numeric: pd.Series,
                         warnings: list[str] | None) -> pd.Series:
    """``text`` with its unix times (seconds, or milli-, micro- or nanoseconds, each by its own size) written as ISO
    dates, where a column mixes them with written dates (an export that changed format once); as it is where no
    number reads as a time after 1973 (a year, a count: the caller reports them)."""
    some = numeric.notna().to_numpy()
    if not some.any():
        return text
    values = numeric[some].to_numpy(dtype="float64")
    scale = np.select([values > 1e17, values > 1e14, values > 1e11], [1e9, 1e6, 1e3], 1.0)
    seconds = values / scale
    if not ((seconds >= 1e8) & (seconds <= 4.2e9)).all():
        return text
    out = text.copy()
    out[some] = pd.to_datetime(seconds, unit="s", utc=True).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    if warnings is not None:
        first = int(np.flatnonzero(some)[0])
        units = sorted({_UNIT_NAMES[u] for u in scale})
        warnings.append(f"{table.name}: column {column!r} (timestamp) mixes written dates with {int(some.sum()):,} unix "
                        f"time(s) (e.g. {str(text.iloc[first])!r} at {table.where([first])}, read as unix "
                        f"{' and '.join(units)}: {out.iloc[first][:19].replace('T', ' ')} UTC); both were read.")
    return out


#: what a unix time's divisor to seconds says it was written in
_UNIT_NAMES = {1.0: "seconds", 1e3: "milliseconds", 1e6: "microseconds", 1e9: "nanoseconds"}


def parse_timestamps(table: Table, column: str, warnings: list[str] | None = None) -> pd.Series:
    """Timestamps as int64 unix seconds, from unix seconds, milliseconds or date text (ISO and similar).

    A note for the user goes to ``warnings`` when numeric dates could be read either day-first or month-first.
    """
    raw = table.frame[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        dt = pd.to_datetime(raw, utc=True)
        bad = np.flatnonzero(dt.isna().to_numpy())
        if len(bad):
            raise DataError(f"{table.name}: column {column!r} (timestamp) is empty at {table.where(bad)}. Fill it in.")
        return _unix_seconds(dt)
    text = raw.astype(str).str.strip()
    numeric = pd.to_numeric(text, errors="coerce")
    if numeric.notna().all():
        values = numeric.to_numpy(dtype="float64")
        compact = compact_date_format(values)
        if compact is not None:  # 20200705 is a day, not 1970-08-23 in unix seconds
            return _unix_seconds(pd.to_datetime(pd.Series(values.astype("int64"), index=raw.index).astype(str),
                                                format=compact, utc=True))
        if len(values) and ((values >= 20_000) & (values < 80_000)).all():  # Excel's day numbers, not 1970 seconds
            if warnings is not None:
                warnings.append(
                    f"{table.name}: column {column!r} (timestamp) holds numbers such as {str(raw.iloc[0])!r}, read as "
                    "Excel's day numbers (days since 1899-12-30; "
                    f"{pd.Timestamp('1899-12-30') + pd.to_timedelta(values[0], unit='D'):%Y-%m-%d}). Format the column "
                    "as dates before saving the file to be sure."
                )
            days = pd.to_timedelta(values, unit="D")
            return pd.Series(((pd.Timestamp("1899-12-30") + days) - pd.Timestamp("1970-01-01")).total_seconds()
                             .astype("int64"), index=raw.index)
        scale = 1.0
        typical = float(np.median(np.abs(values))) if len(values) else 0.0  # one odd value does not set the unit
        if typical > 1e17:
            scale = 1e9
        elif typical > 1e14:
            scale = 1e6
        elif typical > 1e11:
            scale = 1e3
        seconds = values / scale
        odd = np.flatnonzero((seconds > 4.2e9) | (seconds < -2.3e9))  # outside 1900-2100 in the column's unit
        if len(odd):
            unit = _UNIT_NAMES[scale]
            raise DataError(
                f"{table.name}: column {column!r} (timestamp) reads as unix {unit}, but {str(raw.iloc[odd[0]])!r} at "
                f"{table.where(odd)} is far outside 1900-2100 in that unit (another unit?). Write every time in one "
                "unit, or as ISO dates."
            )
        early = np.flatnonzero(seconds < 1e8) if typical / scale >= 1e9 else []  # 1973 in a log of this century
        if len(early) and warnings is not None:
            unit = _UNIT_NAMES[scale]
            when = pd.to_datetime(seconds[[early[0]]], unit="s", utc=True)[0]
            usual = pd.to_datetime([typical / scale], unit="s", utc=True)[0]
            warnings.append(
                f"{table.name}: column {column!r} (timestamp) reads as unix {unit} (typically {usual:%Y-%m-%d}), but "
                f"{len(early):,} value(s) then fall before 1973, e.g. {str(raw.iloc[early[0]])!r} at "
                f"{table.where(early)}, read as {when:%Y-%m-%d}: written in another unit, or a placeholder? They were "
                "kept as read; write every time in one unit to be sure.")
        return pd.Series(seconds.astype("int64"), index=raw.index)
    text = _unix_times_as_dates(table, column, text, numeric, warnings)
    parsed = _parse_dates(table, column, text, warnings)
    bad = np.flatnonzero(parsed.isna().to_numpy())
    dates = extract(text.iloc[bad], _DATE_WITHIN) if len(bad) else None
    if dates is not None and dates.isna().any():
        dates = _current_year(table, column, text, bad, dates, warnings)
    if dates is not None and dates.notna().all():  # "Posted November 5, 2011."
        within = text.copy()
        within.iloc[bad] = dates.to_numpy()
        found = _parse_dates(table, column, within, warnings)
        if found.notna().all():
            if warnings is not None:
                i = bad[0]
                warnings.append(f"{table.name}: column {column!r} (timestamp) holds words around its dates (e.g. "
                                f"{str(raw.iloc[i])!r}, read as {found.iloc[i]:%Y-%m-%d}); the dates were read.")
            parsed, bad = found, bad[:0]
    empty = _blank(raw).to_numpy() if len(bad) else None
    if empty is not None and empty[bad].all():  # every value that does not read is missing: say so, not "use ISO dates"
        filled = np.flatnonzero(~empty)
        others = (f"the others read as times (e.g. {str(raw.iloc[filled[0]])!r})" if len(filled)
                  else "it holds no time at all")
        raise DataError(
            f"{table.name}: column {column!r} (timestamp) is blank at {table.where(bad)} ({len(bad):,} of {len(raw):,} "
            f"rows); {others}. Every interaction needs a time: leave out the rows with none (or fill them in), or read "
            "no timestamp column (columns={'timestamp': None}; in the app: Column mapping, Timestamp: (none); in the "
            "CLI: --timestamp-col none)."
        )
    if len(bad):
        examples = ", ".join(repr(str(raw.iloc[i])) for i in bad[:3])
        raise DataError(
            f"{table.name}: column {column!r} (timestamp) has values that cannot be read as a time at "
            f"{table.where(bad)} (e.g. {examples}). Use unix seconds or milliseconds, or ISO dates such as "
            "2024-05-17T14:03:00; or read no timestamp column (columns={'timestamp': None}; in the app: Column "
            "mapping, Timestamp: (none); in the CLI: --timestamp-col none)."
        )
    _zones_mixed(table, column, text, warnings)
    return _unix_seconds(parsed)


_ZONE = re.compile(r"(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_CLOCK = re.compile(r"\d{1,2}:\d{2}")


def _zones_mixed(table: Table, column: str, text: pd.Series, warnings: list[str] | None) -> None:
    """A note when some times name their zone (+02:00, Z) and others, with a time of day, do not: those were read as
    UTC, which may be hours off."""
    if warnings is None:
        return
    values = pd.Series(pd.unique(text.head(100_000)), dtype=object).astype(str).str.strip()
    zoned = values.map(lambda v: bool(_ZONE.search(v)))
    bare = ~zoned & values.map(lambda v: bool(_CLOCK.search(v)))
    if zoned.any() and bare.any():
        example = values[bare].iloc[0]
        warnings.append(f"{table.name}: column {column!r} (timestamp) gives a time zone in some values (e.g. "
                        f"{values[zoned].iloc[0]!r}) and none in others (e.g. {example!r}); those without one were read "
                        "as UTC. If they are local times, write their offset.")


def compact_date_format(numbers: pd.Series | np.ndarray) -> str | None:
    """``"%Y%m%d"`` or ``"%Y%m%d%H%M%S"`` when every number is a date written as digits (KuaiRec's ``20200705``,
    ``20200705052748``), years 1900-2100; else None (they are unix times, counts or ids).

    >>> compact_date_format(pd.Series([20200705, 20191231])), compact_date_format(pd.Series([20201305]))
    ('%Y%m%d', None)
    >>> compact_date_format(pd.Series([20200705052748])), compact_date_format(pd.Series([881250949]))
    ('%Y%m%d%H%M%S', None)
    """
    values = np.asarray(numbers, dtype="float64")
    if not len(values) or not np.isfinite(values).all() or (values != np.round(values)).any():
        return None
    if values.min() < 19_000_101 or values.max() > 21_001_231_235_959:
        return None
    values = values.astype("int64")
    for fmt, digits in (("%Y%m%d", 8), ("%Y%m%d%H%M%S", 14)):
        day = values // 10 ** (digits - 8)
        rest = values % 10 ** (digits - 8)
        year, month, mday = day // 10_000, day // 100 % 100, day % 100
        if not ((year >= 1900) & (year <= 2100) & (month >= 1) & (month <= 12) & (mday >= 1) & (mday <= 31)).all():
            continue
        if digits == 8 or ((rest // 10_000 <= 23) & (rest // 100 % 100 <= 59) & (rest % 100 <= 59)).all():
            return fmt
    return None


def _unix_seconds(dt: pd.Series) -> pd.Series:
    # Datetime resolution varies (ns, us, s) across pandas versions and sources, so never divide raw int64.
    return ((dt - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).astype("int64")


# Values that are addresses or machine codes, not words: links, e-mail addresses, file names of media, UUIDs, hashes.
_LINK_OR_CODE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://\S*|www\.\S+|mailto:\S+|[^\s@]+@[^\s@]+\.\w+"
    r"|\S+\.(?:jpe?g|png|gif|webp|svg|bmp|tiff?|pdf|mp3|mp4|wav|html?)"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{24,}"
    r"|[a-z][a-z0-9+.-]*:[a-z]+:[\w-]+)$",  # a URI with no slashes: spotify:track:4uLU6hMC..., urn:isbn:0451450523
    re.IGNORECASE,
)
# Product codes and ids such as Amazon's ASINs (B00788557), SKUs (AB-10293): capitals and digits, no words.
_ID_CODE = re.compile(
    r"(?=[A-Z0-9_-]*\d)[A-Z0-9][A-Z0-9_-]{5,}"
    # and base-62/64 tokens of 16 characters or more with digits and both cases (Yelp's review ids, Spotify's track ids)
    r"|(?=\S*\d)(?=\S*[a-z])(?=\S*[A-Z])[A-Za-z0-9_-]{16,}"
)


def codes_only(text: str) -> bool:
    """Whether a cell (one value or a list written "a, b") holds only links or codes, like a list of related items."""
    parts = [p for p in text.split(", ") if p]
    return bool(parts) and all(_LINK_OR_CODE.fullmatch(p) or _ID_CODE.fullmatch(p) for p in parts)



def text_columns(frame: pd.DataFrame, id_column: str, left_out: list[str] | None = None,
                 constant: list[str] | None = None) -> list[str]:
    """The columns that hold text: not the id, with at least one value that contains a letter, and not a column of
    links or codes (image URLs, e-mail addresses, UUIDs, product codes or lists of them, such as related items: nine
    in ten sampled values). Those say nothing an encoder can read, and a column of near-identical links makes every
    item look alike; their names go to ``left_out``. Nor a column that holds one value on nearly every item (an API
    export's ``rel: original`` or ``published`` date, :data:`SAME_EVERYWHERE` of at least :data:`SAME_MIN_ITEMS`
    items): it tells no item apart and makes every text alike; its name goes to ``constant``.

    >>> left, same = [], []
    >>> frame = pd.DataFrame({"isbn": ["0195153448"], "title": ["Classical Mythology"], "year": [2002],
    ...                       "image": ["http://images.amazon.com/images/P/0195153448.01.MZZZZZZZ.jpg"]})
    >>> text_columns(frame, "isbn", left), left
    (['title'], ['image'])
    >>> frame = pd.DataFrame({"id": range(30), "name": [f"Band {i}" for i in range(30)], "rel": ["original"] * 30})
    >>> text_columns(frame, "id", constant=same), same
    (['name'], ['rel'])
    """
    cols: list[str] = []
    seen: list[pd.Series] = []
    for c in frame.columns:
        if c == id_column:
            continue
        head = frame[c].head(200).map(cell_text)
        sample = head[head.str.len() > 0]
        if not search(sample, LETTER).any():
            continue
        if sample.map(codes_only).mean() >= 0.9:
            if left_out is not None:
                left_out.append(str(c))
            continue
        if _same_everywhere(frame[c]):
            if constant is not None:
                constant.append(str(c))
            continue
        texts = head.to_numpy(dtype=object)
        if any(_same_text(texts, other) for other in seen):  # Steam's app_name and title: said once
            continue
        cols.append(str(c))
        seen.append(texts)
    return cols


#: A column whose one value fills this share of the items that have one tells no item apart (and a category label
#: held by this share, :data:`recengine.text.facets.EVERYWHERE`, is not one a request can ask for).
SAME_EVERYWHERE = 0.9
#: ...counted on this many items at least: in a catalogue of five, four alike is no boilerplate (facets too).
SAME_MIN_ITEMS = 20
#: A sentence in this share of a column's cells (of at least SAME_MIN_ITEMS) is boilerplate: a licence, "Read more".
BOILERPLATE_SHARE = 0.5
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def _same_everywhere(values: pd.Series) -> bool:
    """Whether one value fills :data:`SAME_EVERYWHERE` of the (first 1,000) cells that have one."""
    head = values.head(1000).map(cell_text)
    given = head[head.str.len() > 0]
    return len(given) >= SAME_MIN_ITEMS and float(given.value_counts().iloc[0]) >= SAME_EVERYWHERE * len(given)


def strip_boilerplate(cells: list[str]) -> tuple[list[str], list[str]]:
    """``cells`` without the sentences most of them repeat (a licence line, "Read more on Last.fm."), and those
    sentences. Only sentences of four words or more, in cells that say something else too, and in at least
    :data:`BOILERPLATE_SHARE` of :data:`SAME_MIN_ITEMS` cells or more: a genre ("Drama") is a whole cell, never removed.

    >>> bios = [f"Band {i} plays jazz. User text is under the CC licence." for i in range(20)] + ["Solo act."]
    >>> out, gone = strip_boilerplate(bios)
    >>> out[0], out[-1], gone
    ('Band 0 plays jazz.', 'Solo act.', ['User text is under the CC licence.'])
    """
    given = [c for c in cells if c]
    if len(given) < SAME_MIN_ITEMS:
        return cells, []
    split = [_SENTENCE_END.split(c) if c else [] for c in cells]
    counts: dict[str, int] = {}  # in the order first met: the same list, and warning, on every run
    for parts in split:
        if len(parts) >= 2:
            for sentence in dict.fromkeys(parts):
                counts[sentence] = counts.get(sentence, 0) + 1
    common = [t for t, n in counts.items() if n >= BOILERPLATE_SHARE * len(given) and len(t.split()) >= 4]
    if not common:
        return cells, []
    dropped = set(common)
    out = []
    for cell, parts in zip(cells, split):
        kept = [p for p in parts if p not in dropped]
        out.append(" ".join(kept) if kept and len(parts) >= 2 else cell)
    return out, sorted(common, key=lambda t: -counts[t])  # stable: ties keep the order first met


def _same_text(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two columns' texts are the same in (nineteen in twenty of) the rows where either has one."""
    written = (a != "") | (b != "")
    return bool(written.any()) and bool((a[written] == b[written]).mean() >= 0.95)


def left_out_warning(table: Table, left_out: Sequence[str]) -> str:
    """What a user reads when columns of links or codes were kept out of the item text, and how to take them in."""
    return (f"{table.name}: column(s) {', '.join(left_out)} hold links or codes, not words, so they are left out of "
            "the item text. To use them anyway, choose the text columns yourself (text=[...]; in the CLI: --text; in "
            "the app: Item text, Chosen columns).")


_TAG = re.compile(r"<(?:/?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?|!--.*?--)>", re.DOTALL)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+\d*);")


def plain_text(text: str) -> str:
    """Text as a reader sees it, for scraped catalogues that hold HTML: tags (``<br>``, ``<b>``) gone and entities
    (``&quot;``, ``&#039;``, ``&amp;``) decoded. Text without markup is returned as it is.

    >>> plain_text("Gintama&#039; &amp; <b>more</b><br/>to come"), plain_text("a < b > c")
    ("Gintama' & more to come", 'a < b > c')
    """
    if "<" in text and _TAG.search(text):
        text = re.sub(r"\s+", " ", _TAG.sub(" ", text)).strip()
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    return text


#: the keys that name a record in a list of them: TMDB's genres ``[{"id": 28, "name": "Action"}]``, MIND's entities
_NAME_KEYS = ("name", "label", "title", "text", "value", "tag")


def structured(text: str) -> object:
    """A cell written as a JSON or Python list or object (``'["Drama", "War"]'``, ``"['a', 'b']"``, as pandas writes
    lists to CSV), parsed; else the text itself. Parsing reads literals only: nothing in the cell is run."""
    if len(text) < 2 or (text[0], text[-1]) not in (("[", "]"), ("{", "}")) or len(text) > 100_000:
        return text
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: lists in lists a thousand deep
        pass
    parsed = python_literal(text)
    return text if parsed is None else parsed



def _record_name(record: dict) -> object:
    """What a record in a list is called (its ``name``, ``label``... value), or nothing."""
    keys = {str(k).lower(): k for k in record}
    return next((record[keys[k]] for k in _NAME_KEYS if k in keys and isinstance(record[keys[k]], str)), "")


def _record_facts(record: dict) -> str:
    """A record with no name, as words: its plain values by their keys (Amazon's product details, ``{"Brand":
    "Acme", "Color": "Red"}`` -> "Brand: Acme; Color: Red"), leaving out ids, links, codes and values with no
    words (opening hours, prices), as the item text leaves out such columns.

    >>> _record_facts({"Brand": "Acme", "Color": "Red", "asin": "B00X4WHP5E", "id": 7, "size": {"w": 2}, "Monday": "9:0-17:0"})
    'Brand: Acme; Color: Red'

    Flags are said by the keys that hold true (Yelp's ambience): ``{"casual": True, "romantic": False}`` -> "casual".
    """
    facts, flags = [], []
    for key, value in record.items():
        if isinstance(value, (bool, np.bool_)):
            flags += [str(key)] if value else []
            continue
        if nested(value) and not (isinstance(value, (list, tuple)) and not any(map(nested, value))):
            continue
        text = cell_text(value)
        if LETTER.search(text) and not norm(key).endswith("id") and not codes_only(text):
            facts.append(f"{key}: {text}")
    return "; ".join(facts + ([", ".join(flags)] if flags else []))


#: how deep :func:`cell_text` follows lists in lists: deeper ones are no text anyone wrote
_MAX_DEPTH = 20


def cell_text(value: object, _depth: int = 0) -> str:
    """A cell as the words it holds: a list's items joined, a record by its name, HTML and ``a|b`` lists undone.

    >>> cell_text('["Drama", "War"]'), cell_text("{1, 2}"), cell_text([[["a"]], "b"])
    ('Drama, War', '{1, 2}', 'a, b')
    """
    if _depth > _MAX_DEPTH:
        return ""
    if isinstance(value, dict):
        name = _record_name(value)
        return cell_text(name, _depth + 1) if name else _record_facts(value)
    if isinstance(value, (list, tuple, np.ndarray)):  # sentences (paragraphs of a description) as prose, else a list
        # records in a list by their names alone: a list of images' facts ("variant: MAIN") says nothing
        parts = list(dict.fromkeys(t for t in (cell_text(_record_name(v) if isinstance(v, dict) else v, _depth + 1)
                                               for v in value) if t))
        return (" " if parts and all(t.endswith((".", "!", "?")) for t in parts) else ", ").join(parts)
    if missing(value):
        return ""
    text = str(value).strip()
    if text[:1] in "[{":
        parsed = structured(text)
        # only a list or a record is read on: a set ("{1, 2}") would be written back as the same text, for ever
        if isinstance(parsed, (list, dict, tuple)):
            return cell_text(parsed, _depth + 1)
    text = plain_text(text)
    if len(text) > 2 and text.startswith("u'") and text.endswith("'"):  # Python 2's u'free' (Yelp's attributes)
        text = text[2:-1]
    if "|" in text and "||" not in text and " | " not in text:
        text = ", ".join(p.strip() for p in text.split("|") if p.strip())
    return text


def _cell_texts(values: pd.Series) -> list[str]:
    """:func:`cell_text` of each cell, as a list; the empty cells of a sparse column (a catalogue's many properties)
    cost nothing."""
    present = values.notna().to_numpy()
    out = np.full(len(values), "", dtype=object)
    if present.any():
        out[present] = values[present].map(cell_text).to_numpy(dtype=object)
    return out.tolist()


def parse_template(template: str, where: str) -> list[tuple[str, str]]:
    """Split a text template into ``("text", literal)`` and ``("column", name)`` pieces.

    ``{name}`` is a column, whatever characters its name has (dots, digits, spaces); ``{{`` and ``}}`` are
    literal braces. An unclosed, stray or empty brace is a :class:`DataError` that says where it is.

    >>> parse_template("{title} ({2024}) {{x}}", "items.csv")
    [('column', 'title'), ('text', ' ('), ('column', '2024'), ('text', ') {x}')]
    """
    hint = "Write a column as {column}, and a literal brace as {{ or }}."
    pieces: list[tuple[str, str]] = []
    buf: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch in "{}" and template.startswith(ch * 2, i):
            buf.append(ch)
            i += 2
            continue
        if ch == "}":
            raise DataError(f"{where}: the text template {template!r} has a '}}' at character {i + 1} with no '{{' before it. {hint}")
        if ch != "{":
            buf.append(ch)
            i += 1
            continue
        close = template.find("}", i + 1)
        reopen = template.find("{", i + 1)
        if close < 0 or 0 <= reopen < close:
            raise DataError(f"{where}: the text template {template!r} opens a '{{' at character {i + 1} that is never closed. {hint}")
        name = template[i + 1 : close]
        if not name.strip():
            raise DataError(f"{where}: the text template {template!r} has an empty {{}} at character {i + 1}; put a column name in it. {hint}")
        if buf:
            pieces.append(("text", "".join(buf)))
            buf = []
        pieces.append(("column", name))
        i = close + 1
    if buf:
        pieces.append(("text", "".join(buf)))
    return pieces


def _template_plan(pieces: list[tuple[str, str]], fields: list[str]) -> list[tuple[str, str, str | None, str | None]]:
    """Each piece of a template as (kind, text or field, the field before it, the field after it), worked out once
    for :func:`_fill` (None where a piece has no field on that side)."""
    columns = [f for (kind, _), f in zip(pieces, fields) if kind == "column"]
    plan: list[tuple[str, str, str | None, str | None]] = []
    seen = 0  # fields before this piece
    for (kind, _), f in zip(pieces, fields):
        if kind == "column":
            plan.append((kind, f, None, None))
            seen += 1
        else:
            plan.append((kind, f, columns[seen - 1] if seen else None, columns[seen] if seen < len(columns) else None))
    return plan


def _fill(plan: list[tuple[str, str, str | None, str | None]], values: dict[str, str]) -> str:
    """A template filled for one item. The words between fields join the values around them, so they go with a
    missing one: "{title} by {authors}. {blurb}" with no title or authors reads "<blurb>", not "by . <blurb>". Words
    before a field are kept when it has a value and some value came before it (or it is the first field); words
    after the last field when it had a value.

    >>> pieces = parse_template("{t} by {a}. {b}", "x")
    >>> plan = _template_plan(pieces, [v for _, v in pieces])
    >>> [_fill(plan, v) for v in ({"t": "", "a": "", "b": "Blurb"}, {"t": "Dune", "a": "", "b": "Sand"})]
    ['Blurb', 'Dune. Sand']
    """
    out: list[str] = []
    shown = False  # a field with a value has been written
    for kind, piece, before, after in plan:
        if kind == "column":
            if values[piece]:
                out.append(values[piece])
                shown = True
        elif after is not None:
            if values[after] and (shown or before is None):
                out.append(piece)
        elif before is not None and values[before]:
            out.append(piece)
    return "".join(out).strip()


def build_texts(
    table: Table, id_column: str, text: str | Sequence[str] | None, left_out: list[str] | None = None,
    notes: list[str] | None = None,
) -> tuple[pd.Series, list[str]]:
    """Each item's text from its columns (with ``text=None``, the names of link or code columns it passes over go to
    ``left_out``; what else it leaves out, a column with one value on nearly every item or a sentence most cells
    repeat, is said in ``notes``, a warning each).

    ``text`` is a template such as ``"{title} ({year}). {description}"``, a list of columns written as
    ``"Title: ... Genres: ..."``, one column name, or ``None`` for every text column, labelled.
    Pipe-separated and list values read as comma lists. Returns the texts and the columns used.
    """
    frame = table.frame
    cols = [str(c) for c in frame.columns]
    if isinstance(text, str) and "{" in text:
        pieces = parse_template(text, table.name)
        by_name = {c: c for c in cols} | {c.strip(): c for c in cols if c.strip() not in cols}
        fields = [by_name.get(v, by_name.get(v.strip(), v)) if kind == "column" else v for kind, v in pieces]
        missing = [f for (kind, _), f in zip(pieces, fields) if kind == "column" and f not in cols]
        if missing:
            raise DataError(
                f"{table.name}: the text template names column(s) {', '.join(dict.fromkeys(missing))} that the file lacks. "
                f"Its columns are: {', '.join(cols)}."
            )
        used = list(dict.fromkeys(f for (kind, _), f in zip(pieces, fields) if kind == "column"))
        actual = {str(c): c for c in frame.columns}
        cells = {c: _cell_texts(frame[actual[c]]) for c in used}
        plan = _template_plan(pieces, fields)
        rows = []
        for i in range(len(frame)):
            values = {c: cells[c][i] for c in used}
            rows.append(_fill(plan, values) if any(values.values()) else "")
        return pd.Series(rows, index=frame.index, dtype=object), used
    constant: list[str] = []
    chosen = [text] if isinstance(text, str) else list(text) if text is not None else text_columns(frame, id_column, left_out,
                                                                                                  constant)
    if constant and notes is not None:
        notes.append(f"{table.name}: column(s) {', '.join(constant)} hold one value on nearly every item (e.g. "
                     f"{cell_text(frame[constant[0]].dropna().iloc[0])[:40]!r}), which tells no item apart, so they are "
                     "left out of the item text. To use them anyway, choose the text columns yourself (text=[...]; in "
                     "the CLI: --text; in the app: Item text, Chosen columns).")
    missing = [c for c in chosen if c not in cols]
    if missing:
        raise DataError(
            f"{table.name}: text column(s) {', '.join(missing)} not found. Its columns are: {', '.join(cols)}."
        )
    flags = flag_columns(frame, [id_column, *chosen]) if text is None and not table.headerless else []
    if not chosen and not flags:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object), []
    cells = {c: _cell_texts(frame[c]) for c in chosen}
    if text is None:  # columns chosen here: a licence line or "Read more" on every bio is no part of what an item is
        stripped: dict[str, list[str]] = {}
        for c in chosen:
            cells[c], gone = strip_boilerplate(cells[c])
            if gone:
                stripped[c] = gone
        if stripped and notes is not None:
            example = next(iter(stripped.values()))[0]
            notes.append(f"{table.name}: column(s) {', '.join(stripped)} repeat a sentence on most items (e.g. "
                         f"{example[:80]!r}), which tells no item apart, so it is left out of the item text.")
    labelled = len(chosen) + bool(flags) > 1 and not table.headerless  # "Column 3: ..." would tell the encoder nothing
    labels = column_labels([*chosen, *flags])
    tags = _tags(frame, flags, labels)
    rows = []
    for i in range(len(frame)):
        parts = []
        for c in chosen:
            v = cells[c][i]
            if v:
                parts.append(f"{labels[c]}: {v}" if labelled else v)
        if tags[i]:
            parts.append(f"Tags: {tags[i]}" if labelled else tags[i])
        rows.append(". ".join(p.rstrip(".") for p in parts) + ("." if labelled and parts else ""))
    return pd.Series(rows, index=frame.index, dtype=object), chosen


def flag_columns(frame: pd.DataFrame, other: Sequence[str]) -> list[str]:
    """The columns that flag a tag with 0 or 1 (one-hot genres: ``Action``, ``Comedy``...), two at least; each names a
    tag. Words in the text (``is_ebook: false``) are no flags: they are text already.

    >>> flag_columns(pd.DataFrame({"id": ["1", "2"], "Action": ["1", "0"], "Comedy": [0, 1], "year": [1995, 1996]}), ["id"])
    ['Action', 'Comedy']
    """
    found = []
    for c in frame.columns:
        if c in other or not LETTER.search(str(c)):
            continue
        values = frame[c].dropna().head(1000)
        text = values.astype(str).str.strip()
        if len(text) and text.isin(("0", "1", "0.0", "1.0")).all() and not values.map(lambda v: isinstance(v, bool)).any():
            found.append(str(c))
    return found if len(found) >= 2 else []


def _tags(frame: pd.DataFrame, flags: Sequence[str], labels: Mapping[str, str]) -> list[str]:
    """Each row's tags: the labels of its flag columns that hold 1."""
    if not flags:
        return [""] * len(frame)
    on = np.column_stack([pd.to_numeric(frame[c], errors="coerce").fillna(0).to_numpy() == 1 for c in flags])
    names = np.asarray([labels[c] for c in flags], dtype=object)
    return [", ".join(names[row]) for row in on]


def column_labels(columns: Sequence[str]) -> dict[str, str]:
    """How each column is named in an item text: words, not code (``star_rating``, ``reviewText`` and
    ``attributes.WiFi`` read "Star rating", "Review text", "Wi fi"); a nested field by its own name unless two share it.

    >>> list(column_labels(["genres", "reviewText", "attributes.BusinessAcceptsCreditCards", "a.name", "b.name"]).values())
    ['Genres', 'Review text', 'Business accepts credit cards', 'A name', 'B name']
    """
    short = {c: str(c).rsplit(".", 1)[-1] for c in columns}
    shared = {s for s in short.values() if list(short.values()).count(s) > 1}
    out = {}
    for c in columns:
        name = str(c).replace(".", " ") if short[c] in shared or not short[c] else short[c]
        words = _split_camel(name).replace("_", " ").replace("-", " ")
        out[c] = re.sub(r"\s+", " ", words).strip().capitalize()
    return out


#: Optional roles that can be mapped to ``None``: the file has a column that looks like one, but it must not be read.
NULLABLE = ("rating", "timestamp", "event", "label")
#: The id column of the items file, when it is named differently from the interactions' item column.
ITEMS_ID = "items_id"


def check_mapping(columns: Mapping[str, str | None] | None) -> dict[str, str | None]:
    """The explicit column mapping, checked: known roles only; ``None`` (no such column) for rating or timestamp only.

    >>> check_mapping({"item": "sku", "items_id": "ref", "rating": None})
    {'item': 'sku', 'items_id': 'ref', 'rating': None}
    """
    if columns is not None and not isinstance(columns, Mapping):
        raise DataError(f"columns maps roles to column names, e.g. columns={{'user': 'visitor', 'item': 'sku'}}; "
                        f"got a {type(columns).__name__}.")
    mapping = dict(columns or {})
    roles = (*ROLES, "event", "label", ITEMS_ID, "title", "text")
    unknown = [k for k in mapping if k not in roles]
    if unknown:
        raise DataError(
            f"columns: unknown role(s) {', '.join(map(str, unknown))}; the roles are {', '.join(roles[:-1])}. "
            "Example: columns={'user': 'customer', 'item': 'sku', 'items_id': 'ref', 'rating': None}."
        )
    empty = [k for k, v in mapping.items() if v is None and k not in NULLABLE]
    if empty:
        raise DataError(
            f"columns: the {empty[0]} column cannot be left out (only {', '.join(NULLABLE[:-1])} and {NULLABLE[-1]} can be mapped to None); "
            "name the column that holds it."
        )
    return mapping


# Names that end like a title (product_title, meta.headline, Titel) or an item's name (recipe_name, course-name).
#: names of people, not of the item: an author's or a reviewer's
_PERSON_NAMES = ("username", "firstname", "lastname", "surname", "fullname", "reviewername", "authorname", "artistname",
                 "customername", "nickname", "displayname", "filename", "hostname")
_TITLE_END = re.compile(r"(?:title|titel|titre|titulo|titolo|headline)$")
_NAME_END = re.compile(
    r"(?:item|product|recipe|course|game|book|movie|film|song|track|album|show|episode|podcast|app|hotel|place|"
    r"restaurant|dish|article|video|event|service|offer|listing|job)name$"
)


def title_column(frame: pd.DataFrame, id_column: str, explicit: str | None = None, table_name: str = "items") -> str | None:
    """The column that reads as the item's display title: ``explicit`` (it must exist), else one named like a title.

    >>> title_column(pd.DataFrame(columns=["sku", "product_title", "blurb"]), "sku")
    'product_title'
    >>> title_column(pd.DataFrame(columns=["id", "Rezept", "Titel"]), "id")
    'Titel'
    >>> title_column(pd.DataFrame({"article_id": ["1", "2"], "prod_name": ["Strap top", "Tilly"],
    ...                            "colour_group_name": ["Black", "Black"]}), "article_id")
    'prod_name'
    >>> title_column(pd.DataFrame(columns=["sku", "name.de", "name.en", "description"]), "sku")
    'name.en'
    >>> title_column(pd.DataFrame({"PRODUCT_ID": ["1", "2"], "COMMODITY_DESC": ["ONIONS", "ONIONS"],
    ...                            "SUB_COMMODITY_DESC": ["ONIONS SWEET", "ONIONS RED"]}), "PRODUCT_ID")
    'SUB_COMMODITY_DESC'
    """
    cols = [str(c) for c in frame.columns]
    if explicit is not None:
        if explicit not in cols:
            raise DataError(f"{table_name}: the title column is mapped to {explicit!r}, but the file has no such column. "
                            f"Its columns are: {', '.join(cols)}.")
        return explicit
    others = [c for c in cols if c != id_column]
    # a name in several languages, flattened from JSON ({"name": {"en": ..., "de": ...}} gives name.en, name.de)
    localised = [c for c in others if (parts := c.rsplit(".", 1))[0] != c and norm(parts[0]) in TITLE_NAMES
                 and re.fullmatch(r"[a-z]{2}(?:[-_][a-z]{2})?", parts[1].lower())]
    if localised:
        return next((c for c in localised if c.rsplit(".", 1)[1].lower().startswith("en")), localised[0])
    for test in (lambda n: n in TITLE_NAMES, lambda n: bool(_TITLE_END.search(n)), lambda n: bool(_NAME_END.search(n))):
        found = [c for c in others if test(norm(c))]
        if found:
            return found[0]
    # H&M's prod_name beside product_type_name and colour_group_name: of the names, the one that tells items apart
    names = [c for c in others if norm(c).endswith("name") and not norm(c).endswith(_PERSON_NAMES)]
    if names:
        return max(names, key=lambda c: frame[c].astype(str).nunique())
    # Dunnhumby's SUB_COMMODITY_DESC beside COMMODITY_DESC and DEPARTMENT: a short description, the most telling one
    short = {c: frame[c].astype(str) for c in others if norm(c).endswith(("desc", "descr", "description"))
             and frame[c].dropna().head(1000).astype(str).str.len().median() <= 60}
    if short:
        return max(short, key=lambda c: (short[c].nunique(), short[c].str.len().mean()))
    return _unnamed_title(frame, others, id_column)


#: names of the item's name in other languages: German Bezeichnung, French nom / libellé, Spanish nombre, ...; those
#: of the first kind name it at the end of a longer name too (Artikelbezeichnung)
_OTHER_TITLE_ENDS = ("bezeichnung", "benennung", "designation", "denominazione", "denominacion", "libelle")
_OTHER_TITLE_NAMES = (*_OTHER_TITLE_ENDS, "libell", "nom", "nombre", "nome", "naam", "namn", "navn", "nazwa", "nazev")


def _unnamed_title(frame: pd.DataFrame, columns: Sequence[str], id_column: str) -> str | None:
    """A title under a name no rule knows: a name for one in another language, else the first column of short
    words that tells nearly every item apart and holds one value per item (not codes, numbers or links, nor the
    values of (item, property, value) rows). None when no column reads as one.

    >>> _unnamed_title(pd.DataFrame({"id": ["1", "2", "3"], "Kategorie": ["Küche", "Küche", "Bad"],
    ...                              "Etikett": ["Brett", "Messer", "Tuch"], "Preis": ["4.50", "12", "3"]}),
    ...                ["Kategorie", "Etikett", "Preis"], "id")
    'Etikett'
    """
    named = [c for c in columns if norm(c).endswith(_OTHER_TITLE_ENDS) or norm(c) in _OTHER_TITLE_NAMES]
    if named:
        return named[0]
    n_items = frame[id_column].head(1000).nunique() if id_column in frame.columns else len(frame.head(1000))
    for c in columns:
        cells = _string_cells(frame[c], 1000)
        cells = cells[cells.str.len() > 0]
        if len(cells) < 2 or len(cells) < 0.8 * min(len(frame), 1000):
            continue
        lettered = search(cells, LETTER).mean() >= 0.9
        codes = cells.map(codes_only).mean() > 0.2
        if not (lettered and not codes and 2 <= cells.str.len().median() <= 60 and 0.9 * n_items <= cells.nunique()):
            continue
        if id_column not in frame.columns or frame.head(1000).groupby(id_column)[c].nunique().max() <= 1:
            return c  # one value per item, as a name is
    return None


__all__ = [
    "ALIASES",
    "Columns",
    "build_texts",
    "check_mapping",
    "clean_ids",
    "find_column",
    "parse_ratings",
    "parse_timestamps",
    "plain_text",
    "text_columns",
    "left_out_warning",
    "title_column",
]
