"""Column layouts of public datasets that MovieLens never uses load without any mapping."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

import recengine
from recengine.errors import DataError


def upload(name: str, content: str) -> io.BytesIO:
    buf = io.BytesIO(content.encode())
    buf.name = name
    return buf


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "amazon_reviews.jsonl",
            '{"reviewerID":"A1","asin":"B001","overall":5.0,"unixReviewTime":1400000000}\n'
            '{"reviewerID":"A2","asin":"B002","overall":3.0,"unixReviewTime":1400000100}\n',
            {"user": "reviewerID", "item": "asin", "rating": "overall", "timestamp": "unixReviewTime"},
        ),
        (
            "lastfm.tsv",
            "userID\tartistID\tweight\n2\t51\t13883\n2\t52\t11690\n3\t51\t100\n",
            {"user": "userID", "item": "artistID", "rating": "weight", "timestamp": None},
        ),
        (
            "online_retail.csv",
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
            "536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom\n"
            "536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17851,United Kingdom\n",
            {"user": "CustomerID", "item": "StockCode", "rating": "Quantity", "timestamp": "InvoiceDate"},
        ),
        (
            "steam.csv",
            "member_id;game_title;hours_played;purchase_date\n151603712;The Elder Scrolls V Skyrim;273.5;2015-03-01\n"
            "187131847;Dota 2;0.5;2016-01-01\n",
            {"user": "member_id", "item": "game_title", "rating": "hours_played", "timestamp": "purchase_date"},
        ),
        (
            "BX-Book-Ratings.csv",
            '"User-ID";"ISBN";"Book-Rating"\n"276725";"034545104X";"0"\n"276726";"0155061224";"5"\n',
            {"user": "User-ID", "item": "ISBN", "rating": "Book-Rating", "timestamp": None},
        ),
        (
            "ta_feng.csv",  # ASSET (a cost) is named like an item too; the date is a _DT
            "TRANSACTION_DT,CUSTOMER_ID,AGE_GROUP,PIN_CODE,PRODUCT_SUBCLASS,PRODUCT_ID,AMOUNT,ASSET,SALES_PRICE\n"
            "11/1/2000,01104905,45-49,115,110411,4710199010372,2,24,30\n"
            "11/2/2000,00418683,45-49,115,120107,4710857472535,1,48,46\n",
            {"user": "CUSTOMER_ID", "item": "PRODUCT_ID", "rating": None, "timestamp": "TRANSACTION_DT"},
        ),
        (
            "epinions_ratings.txt",
            "user_id item_id rating_value\n1 100 5\n1 101 4\n2 100 2\n",
            {"user": "user_id", "item": "item_id", "rating": "rating_value", "timestamp": None},
        ),
        (
            "reviews.csv",
            "user,product,avg_rating,comment\nu1,p1,4.2,great\nu2,p1,4.2,meh\n",  # an average is not a rating
            {"user": "user", "item": "product", "rating": None, "timestamp": None},
        ),
    ],
)
def test_public_layouts(name: str, content: str, expected: dict) -> None:
    ds = recengine.read_dataset(upload(name, content))
    assert ds.options["columns"] == expected
    lines = content.strip().count("\n") + 1
    assert ds.n_interactions == (lines if name.endswith(".jsonl") else lines - 1)


def test_items_named_by_title_carry_their_name_as_text() -> None:
    ds = recengine.read_dataset(upload("steam.csv", "member_id,game_title\n1,Fallout 4\n2,The Witcher 3\n"))
    assert ds.texts == ["Fallout 4", "The Witcher 3"]


def test_codes_that_read_like_words_are_no_text() -> None:
    """'SKU 013' is a code: as text, an intent was matched against ids and items all looked alike."""
    rows = "\n".join(f"c{i % 5},SKU {i:03d}" for i in range(30))
    ds = recengine.read_dataset(upload("orders.csv", "customer_ref,sku\n" + rows + "\n"))
    assert set(ds.texts) == {""} and any("No item texts were given" in w for w in ds.warnings)
    games = "\n".join(f"{i},{t}" for i, t in enumerate(["Fallout 4", "Fallout 3", "Far Cry 5", "Doom Eternal", "Halo 3",
                                                         "Portal 2", "Dark Souls III", "The Witcher 3", "Hades II",
                                                         "Stardew Valley", "Civilization VI"]))
    ds = recengine.read_dataset(upload("steam.csv", "member_id,game_title\n" + games + "\n"))
    assert "Far Cry 5" in ds.texts and "" not in ds.texts


def test_item_level_columns_of_one_file_become_item_text() -> None:
    ds = recengine.read_dataset(
        upload(
            "online_retail.csv",
            "CustomerID,StockCode,Description\n1,A,WHITE HANGING HEART\n2,A,WHITE HANGING HEART\n2,B,RED LANTERN\n",
        )
    )
    assert ds.items.set_index("item_id").loc["B", "text"] == "RED LANTERN"


def test_an_items_name_written_a_few_ways_is_its_commonest_and_a_visits_country_is_no_text() -> None:
    """Online Retail: a clerk now and then wrote "?" or "damaged" for an item's description (one row in ten here),
    and each row names the customer's country, most often the same one."""
    names = {"A": "WHITE HANGING HEART", "B": "RED LANTERN", "C": "GLASS STAR", "D": "HAND WARMER"}
    rows = [f"{c},{item},{'damaged' if c % 10 == 0 and item == 'A' else '?' if c % 10 == 5 else name},"
            f"{'France' if c % 7 == 0 else 'United Kingdom'}"
            for c in range(1, 21) for item, name in names.items() if (c + ord(item)) % 3]
    ds = recengine.read_dataset(upload("online_retail.csv", "CustomerID,StockCode,Description,Country\n" + "\n".join(rows)))
    text = ds.items.set_index("item_id")["text"].to_dict()
    assert text == names  # each item's own name, with no country in it


def test_an_id_and_a_name_column_in_an_items_file_are_not_ambiguous() -> None:
    inter = upload("orders.csv", "customer_id,product_id\nc1,p1\n")
    items = upload("products.csv", "product_id,product_name\np1,Blue mug\np2,Red mug\n")
    ds = recengine.read_dataset(inter, items)
    assert list(ds.cold_items) == ["p2"] and ds.title("p2") == "Red mug"


def test_items_that_share_a_title_are_told_apart_by_what_differs_else_by_id() -> None:
    inter = upload("plays.csv", "listener,track_id\nu1,t1\nu1,t2\nu2,t3\nu2,t4\nu3,t5\n")
    items = upload("tracks.csv", "track_id,track_name,artist,genre\n"
                   "t1,Hurt,Nine Inch Nails,rock\nt2,Hurt,Johnny Cash,country\nt3,Intro,The xx,indie\n"
                   "t4,Intro,The xx,indie\nt5,Angel,Massive Attack,trip hop\n")
    ds = recengine.read_dataset(inter, items)
    assert [ds.title(i) for i in ("t1", "t2", "t3", "t4", "t5")] == [
        "Hurt (Nine Inch Nails)", "Hurt (Johnny Cash)", "Intro (item t3)", "Intro (item t4)", "Angel"]
    assert ds.items.set_index("item_id").loc["t2", "text"].startswith("Track name: Hurt.")  # the embedded text stays


def test_ratings_with_a_decimal_comma_are_neither_dates_nor_lists_of_items() -> None:
    """A semicolon-separated export writes 4,5 for four and a half: dateutil reads it as the fifth of April, and two
    ids apart by a comma look like a list of items; under a column name we do not know, it is neither."""
    from recengine.data.lists import find_list_columns
    from recengine.data.readers import read_table
    from recengine.data.validate import holds_times

    assert not holds_times(pd.Series(["4,5", "3,5", "2,5"]))
    assert holds_times(pd.Series(["2024-04-05", "2024-04-06"]))
    assert find_list_columns(read_table(upload("fi.csv", "Käyttäjä;Tuote;Arvio\nA;x;4,5\nB;y;3,5\n")), None, []) == []
    ds = recengine.read_dataset(upload("export.csv", "user;item;Arvio\nA;x;4,5\nB;y;3,0\nC;x;2,5\n"))
    assert ds.n_interactions == 3 and sorted(ds.item_map.external) == ["x", "y"]
    mapped = recengine.read_dataset(upload("export.csv", "user;item;Arvio\nA;x;4,5\nB;y;3,0\n"), columns={"rating": "Arvio"})
    assert mapped.interactions["rating"].tolist() == [4.5, 3.0]


def test_foreign_headers_are_read_or_get_a_mapping_hint() -> None:
    ds = recengine.read_dataset(upload("eu.csv", "Benutzer;Artikel;Bewertung\nA;x;4,5\n"))
    assert ds.options["columns"]["rating"] == "Bewertung" and ds.interactions["rating"].tolist() == [4.5]
    with pytest.raises(DataError, match=r"fi\.csv: no user column found among: Käyttäjä, Tuote.*columns="):
        recengine.read_dataset(upload("fi.csv", "Käyttäjä;Tuote;Arvio\nA;x;4,5\n"))
    ds = recengine.read_dataset(
        upload("fi.csv", "Käyttäjä;Tuote;Arvio\nA;x;4,5\n"), columns={"user": "Käyttäjä", "item": "Tuote", "rating": "Arvio"}
    )
    assert ds.interactions["rating"].tolist() == [4.5]


def test_columns_of_links_and_codes_stay_out_of_the_item_text_and_are_named() -> None:
    """Book-Crossing's items carry three image URLs: as text they would make every book look alike."""
    ratings = upload("BX-Book-Ratings.csv", '"User-ID";"ISBN";"Book-Rating"\n"1";"0195153448";"5"\n"2";"0002005018";"8"\n')
    books = upload(
        "BX-Books.csv",
        '"ISBN";"Book-Title";"Book-Author";"Image-URL-S";"Contact";"Row-UUID"\n'
        '"0195153448";"Classical Mythology";"Mark P. O. Morford";"http://images.amazon.com/images/P/0195153448.01.THUMBZZZ.jpg";'
        '"sales@oup.com";"0b7e7dee-87b6-4b8c-a3d3-1b2f9c1e6a11"\n'
        '"0002005018";"Clara Callan";"Richard Bruce Wright";"http://images.amazon.com/images/P/0002005018.01.THUMBZZZ.jpg";'
        '"info@harpercollins.ca";"5f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c"\n',
    )
    ds = recengine.read_dataset(ratings, books)
    assert ds.texts[0] == "Book title: Classical Mythology. Book author: Mark P. O. Morford."
    assert any("Image-URL-S, Contact, Row-UUID hold links or codes" in w for w in ds.warnings)
    books.seek(0)
    ratings.seek(0)
    chosen = recengine.read_dataset(ratings, books, text=["Book-Title", "Image-URL-S"])  # asked for: kept, no warning
    assert "images.amazon.com" in chosen.texts[0] and not any("links or codes" in w for w in chosen.warnings)


def test_one_file_names_an_items_link_column_it_leaves_out_but_not_a_visits() -> None:
    ds = recengine.read_dataset(upload(
        "visits.csv",
        "user_id,item_id,description,product_url,referrer\n"
        "1,A,Trail shoes,https://shop.example/a,https://mail.example/x\n"
        "2,A,Trail shoes,https://shop.example/a,https://search.example/y\n"
        "2,B,Rain jacket,https://shop.example/b,https://search.example/z\n",
    ))
    assert ds.items.set_index("item_id").loc["B", "text"] == "Rain jacket"
    said = [w for w in ds.warnings if "links or codes" in w]
    assert len(said) == 1 and "product_url" in said[0] and "referrer" not in said[0]  # the referrer is a visit's


def test_an_items_file_of_links_alone_says_so_when_it_has_no_text() -> None:
    inter = upload("orders.csv", "user_id,item_id\n1,A\n2,B\n")
    items = upload("items.csv", "item_id,image\nA,https://cdn.example/a.jpg\nB,https://cdn.example/b.jpg\n")
    with pytest.raises(DataError, match=r"no item has any text \(text columns: none found; image hold only links"):
        recengine.read_dataset(inter, items)


EVENTS = (
    "timestamp,visitorid,event,itemid,transactionid\n"
    "1433221332117,257597,view,355908,\n1433224214164,992329,view,248676,\n1433221999827,111016,addtocart,318965,\n"
    "1433193500981,121688,transaction,15335,11117\n1433193400981,257597,view,248676,\n"
    "1433193500981,257597,transaction,248676,11118\n1433193600981,257597,view,248676,\n"
)


def test_an_event_log_names_its_kinds_and_counts_only_those_asked_for() -> None:
    """RetailRocket's events.csv: views, carts and purchases. All count unless some are named."""
    ds = recengine.read_dataset(upload("events.csv", EVENTS))
    assert ds.options["event_column"] == "event" and ds.n_interactions == 5  # the viewed-bought-viewed pair is one
    said = [w for w in ds.warnings if "kinds of event" in w]
    assert len(said) == 1 and "view 4, transaction 2, addtocart 1 rows" in said[0] and "--events addtocart,transaction" in said[0]
    bought = recengine.read_dataset(upload("events.csv", EVENTS), events=["transaction"])
    # chosen before duplicate pairs merge: the purchase between two views of 248676 still counts
    assert sorted(zip(bought.interactions["user_id"], bought.interactions["item_id"])) == [("121688", "15335"), ("257597", "248676")]
    assert set(bought.interactions["event"]) == {"transaction"} and bought.options["events"] == ["transaction"]
    assert sorted(bought.cold_items) == ["318965", "355908"]  # only viewed or carted: items without a purchase
    assert any("5 rows of view, addtocart were left out" in w for w in bought.warnings)


def test_asking_for_events_that_are_not_there_says_what_is() -> None:
    with pytest.raises(DataError, match=r"events\.csv: column 'event' has no event 'buy'; its kinds are: view 4, transaction 2"):
        recengine.read_dataset(upload("events.csv", EVENTS), events=["buy"])
    with pytest.raises(DataError, match=r"orders\.csv: events 'buy' were asked for, but no column of event kinds"):
        recengine.read_dataset(upload("orders.csv", "user,item\na,b\n"), events=["buy"])
    free_text = "user,item,action\n" + "".join(f"u{i},i{i % 3},note number {i}\n" for i in range(40))
    ds = recengine.read_dataset(upload("notes.csv", free_text))  # 40 different "actions" are not kinds of event
    assert ds.options["event_column"] is None and "event" not in ds.interactions.columns


def test_of_several_event_time_names_the_one_that_holds_times_is_the_timestamp() -> None:
    log = "user_id,book_id,added_at,started_at,read_at\nu1,b1,2017-08-28 14:39:55,,\nu2,b1,2017-08-25 15:28:00,,\n"
    ds = recengine.read_dataset(upload("goodreads.csv", log))
    assert ds.options["columns"]["timestamp"] == "added_at" and ds.has_timestamps
    both = "user_id,book_id,added_at,read_at\nu1,b1,2017-08-28,2017-09-01\nu2,b1,2017-08-25,2017-08-26\n"
    assert recengine.read_dataset(upload("goodreads.csv", both)).options["columns"]["timestamp"] is None  # which? none


def test_when_a_row_was_changed_is_not_when_the_interaction_happened() -> None:
    """Goodreads' JSON dumps (date_added beside date_updated, read_at mostly empty) and Rails-style exports."""
    goodreads = "".join(json.dumps({"user_id": f"u{i % 3}", "book_id": f"b{i}", "rating": 4, "read_at": "",
                                    "date_added": f"Thu Dec {10 + i} 08:58:48 -0800 2015",
                                    "date_updated": f"Fri Jan {10 + i} 09:00:00 -0800 2016"}) + "\n" for i in range(6))
    ds = recengine.read_dataset(upload("goodreads_interactions.json", goodreads))
    assert ds.options["columns"]["timestamp"] == "date_added"
    assert pd.to_datetime(ds.interactions["timestamp"].min(), unit="s").strftime("%Y-%m-%d %H:%M") == "2015-12-10 16:58"
    rails = "user_id,item_id,created_at,updated_at\nu1,i1,2024-01-02,2024-03-01\nu2,i1,2024-01-05,2024-03-02\n"
    assert recengine.read_dataset(upload("export.csv", rails)).options["columns"]["timestamp"] == "created_at"
    credit = "user,item,credit_date,ship_date\nu1,i1,2024-01-02,2024-01-04\nu2,i1,2024-01-05,2024-01-07\n"
    assert recengine.read_dataset(upload("orders.csv", credit)).options["columns"]["timestamp"] is None  # two events: which?


def test_a_matrix_of_users_by_items_is_read_one_row_per_rating() -> None:
    """A spreadsheet's pivot table: one row per user, one column per item. A blank cell is no rating; in a matrix of
    counts that is mostly 0, neither is 0, and a user with none is left out."""
    ratings = "user_id,Toy Story (1995),Heat (1995),Casino (1995)\nu1,5,,3\nu2,,4,\"4,5\"\nu3,1,,\n"
    ds = recengine.read_dataset(upload("pivot.csv", ratings))
    got = {(r.user_id, r.item_id): r.rating for r in ds.interactions.itertuples()}
    assert got == {("u1", "Toy Story (1995)"): 5, ("u1", "Casino (1995)"): 3, ("u2", "Heat (1995)"): 4,
                   ("u2", "Casino (1995)"): 4.5, ("u3", "Toy Story (1995)"): 1}
    assert ds.texts == ["Toy Story (1995)", "Casino (1995)", "Heat (1995)"]  # items named by their titles
    assert any("read as a matrix" in w and "3 items, 5 interactions" in w for w in ds.warnings)
    counts = recengine.read_dataset(upload("counts.csv", "customer,sku1,sku2,sku3\nc1,0,2,0\nc2,1,0,0\nc3,0,0,0\n"))
    assert counts.n_users == 2 and counts.n_interactions == 2 and set(counts.interactions["item_id"]) == {"sku1", "sku2"}
    with pytest.raises(DataError, match=r"column .Heat \(1995\). holds .4x. at line 3, which is no number"):
        recengine.read_dataset(upload("pivot.csv", ratings.replace("u2,,4", "u2,,4x")))


def test_one_hot_genre_columns_become_the_items_tags() -> None:
    """MovieLens' u.item with its header (and many catalogues) flag each genre in a 0/1 column of its own; the
    genres were left out of the text, as columns with no words."""
    items = pd.DataFrame({"movie id": ["1", "2", "3"], "movie title": ["Toy Story (1995)", "GoldenEye (1995)", "Heat"],
                          "unknown": [0, 0, 0], "Action": ["0", "1", "1"], "Animation": [1, 0, 0], "Children's": [1, 0, 0],
                          "Thriller": [0, 1, 1], "year": [1995, 1995, 1995]})
    ds = recengine.read_dataset(pd.DataFrame({"user": ["a", "a", "b"], "movie id": ["1", "2", "3"]}), items)
    assert ds.texts == ["Movie title: Toy Story (1995). Tags: Animation, Children's.",
                        "Movie title: GoldenEye (1995). Tags: Action, Thriller.", "Movie title: Heat. Tags: Action, Thriller."]
    one = recengine.read_dataset(pd.DataFrame({"user": ["a"], "sku": ["1"]}),
                                 pd.DataFrame({"sku": ["1"], "name": ["Kettle"], "in_stock": [1]}))
    assert one.texts == ["Kettle"]  # a lone 0/1 column is a count or a flag of stock, not a tag


def test_dates_inside_words_are_read_as_scraped_reviews_write_them() -> None:
    """Steam's 'Posted November 5, 2011.' and Amazon's 'Reviewed in the United States on 7 July 2019'."""
    log = pd.DataFrame({"user": ["a", "b", "c"], "item": ["x", "y", "x"],
                        "date": ["Posted November 5, 2011.", "Reviewed in the United States on 7 July 2019", "2014-01-03"]})
    ds = recengine.read_dataset(log)
    assert ds.interactions["timestamp"].tolist() == [1320451200, 1562457600, 1388707200]
    assert any("holds words around its dates (e.g. 'Posted November 5, 2011.', read as 2011-11-05)" in w for w in ds.warnings)
    with pytest.raises(recengine.errors.DataError, match="cannot be read as a time"):  # a value with no date in it
        recengine.read_dataset(log.assign(date=["Posted November 5, 2011.", "soon", "2014-01-03"]))


def test_a_column_named_for_what_happened_is_the_timestamp_when_every_value_reads_as_a_date() -> None:
    """Steam's reviews: 'posted' (nested under 'reviews'), beside 'last_edited' and 'featured'; none is named 'date'."""
    log = pd.DataFrame({"user_id": ["a", "b", "c"], "reviews.item_id": ["x", "y", "x"],
                        "reviews.posted": ["Posted November 5, 2011.", "Posted July 15, 2011.", "Posted June 24, 2014."],
                        "reviews.last_edited": ["", "Last edited December 5, 2015.", ""],
                        "featured": ["yes", "no", "no"]})
    ds = recengine.read_dataset(log)
    assert ds.options["columns"]["timestamp"] == "reviews.posted"
    assert ds.interactions["timestamp"].tolist() == [1320451200, 1310688000, 1403568000]
    added = recengine.read_dataset(log.drop(columns="reviews.posted").assign(dateAdded=["2024-01-02"] * 3))
    assert added.options["columns"]["timestamp"] == "dateAdded"
    # Steam leaves out the year of the year it was read in: the year after the latest one written, and it says so
    yearless = recengine.read_dataset(log.assign(**{"reviews.posted": ["Posted November 5, 2011.", "Posted February 3.",
                                                                       "Posted June 24, 2014."]}))
    assert yearless.interactions["timestamp"].tolist() == [1320451200, 1422921600, 1403568000]  # 2015-02-03
    assert any("writes no year in 1 value(s) (e.g. 'Posted February 3.')" in w and "read as 2015" in w
               for w in yearless.warnings)
    # with no year written anywhere there is nothing to count from: a guess from a name is dropped, the load goes on
    none = recengine.read_dataset(log.assign(**{"reviews.posted": ["Posted November 5.", "Posted February 3.",
                                                                   "Posted June 24."]}))
    assert not none.has_timestamps
    assert any("column 'reviews.posted' holds dates, but not every row writes a whole date with its year (e.g. "
               "'Posted November 5.'), so no timestamp was read" in w for w in none.warnings)
    with pytest.raises(recengine.errors.DataError, match="'reviews.posted' \\(timestamp\\) has values that cannot"):
        recengine.read_dataset(log.assign(**{"reviews.posted": ["2011-11-05", "Posted February 3.", "2014-06-24"]}),
                               columns={"timestamp": "reviews.posted"})
    listed = pd.DataFrame({"user": ["a", "b"], "item": ["x", "y"], "listed": ["yes", "no"]})
    assert not recengine.read_dataset(listed).has_timestamps  # a past-tense name with no dates is no time


def test_items_kept_as_property_value_rows_become_one_row_per_item(monkeypatch: pytest.MonkeyPatch) -> None:
    """A SQL entity-attribute-value table or Retailrocket's item_properties: (item, property, value) rows."""
    log = pd.DataFrame({"customer_id": ["u1", "u1", "u2", "u2"], "sku": ["A1", "B2", "C3", "A1"]})
    props = pd.DataFrame({
        "sku": ["A1", "A1", "A1", "B2", "B2", "B2", "C3", "C3", "A1"],
        "attribute": ["name", "color", "material", "name", "color", "material", "name", "fuel", "color"],
        "value": ["Trail running shoe", "red", "mesh", "Hiking boot", "brown", "leather", "Camping stove", "propane",
                  "blue"],
        "changed": [3, 1, 1, 1, 1, 1, 1, 1, 2]})
    ds = recengine.read_dataset(log, props.drop(columns="changed"))
    assert ds.items["title"].tolist() == ["Trail running shoe", "Hiking boot", "Camping stove"]
    assert ds.texts == ["Name: Trail running shoe. Color: blue. Material: mesh.",  # the last color written
                        "Name: Hiking boot. Color: brown. Material: leather.", "Name: Camping stove. Fuel: propane."]
    assert any("holds its items as (sku, attribute, value) rows" in w and "4 of them ('name', 'color', 'material', "
               "'fuel')" in w for w in ds.warnings)
    # with a time column, the latest value holds whatever the rows' order
    timed = props.assign(ts=pd.to_datetime(["2024-01-03"] + ["2024-01-01"] * 7 + ["2023-12-01"]))
    assert recengine.read_dataset(log, timed.drop(columns="changed")).texts[0].startswith("Name: Trail running shoe. "
                                                                                         "Color: red.")
    odd = timed.assign(ts=["2024-01-03"] * 8 + ["soon"])  # a time column that does not read: the file's order
    assert recengine.read_dataset(log, odd.drop(columns="changed")).texts[0].startswith("Name: Trail running shoe. "
                                                                                       "Color: blue.")
    own = recengine.read_dataset(log, props, text="{attribute}: {value}")  # a text of the rows' own: merged, as before
    assert own.texts[2] == "name, fuel: Camping stove, propane"
    monkeypatch.setattr(recengine.data.load, "MAX_PROPERTIES", 2)
    capped = recengine.read_dataset(log, props)
    assert capped.texts[2] == "Name: Camping stove."  # fuel and material are the rarest
    assert any("The 2 rarest properties were left out" in w for w in capped.warnings)


def test_a_catalogue_with_name_and_value_columns_stays_one_item_per_row() -> None:
    items = pd.DataFrame({"sku": ["A1", "B2", "C3"], "name": ["Trail shoe", "Hiking boot", "Camping stove"],
                          "value": ["49.90", "120.00", "35.00"]})
    log = pd.DataFrame({"customer_id": ["u1", "u2"], "sku": ["A1", "B2"]})
    ds = recengine.read_dataset(log, items)
    assert ds.items["title"].tolist() == ["Trail shoe", "Hiking boot", "Camping stove"]
    assert not any("holds its items as" in w for w in ds.warnings)
    twice = pd.concat([items, items.assign(value=["45.00", "99.00", "30.00"])])  # listed once per shop: a title per row
    ds = recengine.read_dataset(log, twice)
    assert ds.items["title"].tolist() == ["Trail shoe", "Hiking boot", "Camping stove"]
    assert not any("holds its items as" in w for w in ds.warnings)


def test_goodbooks_ratings_name_a_book_by_the_catalogues_id_not_its_book_id() -> None:
    """goodbooks-10k: ratings.book_id is books.csv's 'id' (1-10000); books.csv's 'book_id' is Goodreads' own id,
    which matches a few ratings by chance and would give them another book's text."""
    books = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6], "book_id": [2767052, 3, 41865, 2657, 4671, 11870085],
                          "books_count": [272, 491, 226, 487, 1356, 226],
                          "title": ["The Hunger Games", "Harry Potter 1", "Twilight", "To Kill a Mockingbird",
                                    "The Great Gatsby", "The Fault in Our Stars"]})
    ratings = pd.DataFrame({"user_id": [1, 1, 2, 2, 3, 3], "book_id": [1, 3, 2, 3, 5, 6], "rating": [5, 3, 4, 4, 2, 5]})
    ds = recengine.read_dataset(ratings, books)
    assert ds.items.set_index("item_id").loc[["3", "4"], "title"].tolist() == ["Twilight", "To Kill a Mockingbird"]
    assert ds.cold_items.tolist() == ["4"]
    assert any("its column 'book_id' holds only 1 of the interactions' item ids" in w and "column 'id' holds 5" in w
               for w in ds.warnings)
    named = recengine.read_dataset(ratings, books, columns={"items_id": "book_id"})  # mapped: as the user says
    assert named.items.set_index("item_id").loc["3", "title"] == "Harry Potter 1"
    right = books.assign(book_id=books["id"]).drop(columns="id")  # the name is right: no second guess
    assert not any("was taken as the item id" in w for w in recengine.read_dataset(ratings, right).warnings)


def test_a_cell_that_holds_a_record_with_no_name_reads_as_its_facts() -> None:
    """Amazon 2023's product details saved to CSV: a JSON object per cell, {"Brand": "Acme", "Color": "Red"}."""
    items = pd.DataFrame({"parent_asin": ["B01", "B02"], "title": ["Trail shoe", "Rain jacket"],
                          "details": ['{"Brand": "Acme", "Color": "Red", "Item model number": "X1-22B"}',
                                      "{'Brand': 'Nimbus', 'Material': 'Nylon', 'Monday': '9:0-17:0'}"]})
    log = pd.DataFrame({"user_id": ["u1", "u2"], "parent_asin": ["B01", "B02"]})
    assert recengine.read_dataset(log, items).texts == ["Title: Trail shoe. Details: Brand: Acme; Color: Red.",
                                                        "Title: Rain jacket. Details: Brand: Nimbus; Material: Nylon."]


SHOPIFY = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Created at,Lineitem quantity,Lineitem name,"
    "Lineitem sku,Cancelled at,Id,Vendor\n"
    "#1001,ann@example.com,paid,2024-01-02 10:05:00 -0500,fulfilled,2024-01-03 09:00:00 -0500,2024-01-02 10:00:00 -0500,"
    "1,Trail Shoe - 42,TS-42,,5001,Acme\n"
    "#1001,ann@example.com,,,,,2024-01-02 10:00:00 -0500,1,Wool Socks,WS-1,,,Acme\n"
    "#1002,bob@example.com,paid,2024-01-05 11:05:00 -0500,fulfilled,2024-01-06 09:00:00 -0500,2024-01-05 11:00:00 -0500,"
    "1,Rain Jacket - M,RJ-M,,5002,Nimbus\n"
    "#1004,cid@example.com,refunded,2024-02-03 08:05:00 -0500,,,2024-02-03 08:00:00 -0500,2,Trail Shoe - 42,TS-42,"
    "2024-02-04 10:00:00 -0500,5004,Acme\n"
)


def test_a_shop_export_names_the_customer_by_email_and_the_order_by_when_it_was_created() -> None:
    """Shopify's orders export: Email (no customer id), Lineitem sku and name, Created at beside Paid, Fulfilled and
    Cancelled at."""
    ds = recengine.read_dataset(upload("orders_export.csv", SHOPIFY))
    assert ds.options["columns"] == {"user": "Email", "item": "Lineitem sku", "rating": None, "timestamp": "Created at"}
    assert ds.title("RJ-M") == "Rain Jacket - M" and ds.n_interactions == 4
    assert pd.to_datetime(ds.interactions["timestamp"], unit="s").min() == pd.Timestamp("2024-01-02 15:00:00")


def test_an_analytics_export_names_the_user_by_its_pseudonymous_id() -> None:
    """GA4's BigQuery export: user_id is mostly empty, user_pseudo_id is the visitor; the items are a list of records."""
    rows = [{"event_timestamp": 1704189600123456 + i, "event_name": name, "user_id": uid, "user_pseudo_id": pseudo,
             "items": [{"item_id": sku, "item_name": title} for sku, title in items]}
            for i, (name, uid, pseudo, items) in enumerate([
                ("view_item", None, "1234.5678", [("SKU_1", "Trail shoe")]),
                ("purchase", "U9", "9999.1111", [("SKU_2", "Rain jacket"), ("SKU_3", "Wool socks")]),
                ("view_item", None, "5555.2222", [("SKU_3", "Wool socks")]),
                ("view_item", None, "5555.2222", [("SKU_1", "Trail shoe")]),
                ("page_view", None, "5555.2222", [])])]
    ds = recengine.read_dataset(upload("events.jsonl", "".join(json.dumps(r) + "\n" for r in rows)))
    assert ds.options["columns"]["user"] == "user_pseudo_id" and ds.options["columns"]["item"] == "items.item_id"
    assert (ds.n_users, ds.n_interactions) == (3, 5) and ds.title("SKU_2") == "Rain jacket"
    assert ds.options["event_column"] == "event_name"


def test_a_customer_email_comes_before_the_order_as_the_user() -> None:
    """WooCommerce's orders export: Order ID and Billing Email; the order stands for a user only with no person."""
    woo = ('"Order ID","Order Date","Billing Email","Item Name","SKU","Quantity"\n'
           "1001,2024-01-02,ann@example.com,Trail Shoe,TS-42,1\n1001,2024-01-02,ann@example.com,Wool Socks,WS-1,2\n"
           "1002,2024-01-05,bob@example.com,Rain Jacket,RJ-M,1\n1003,2024-01-09,ann@example.com,Rain Jacket,RJ-M,1\n")
    ds = recengine.read_dataset(upload("orders.csv", woo))
    assert ds.options["columns"]["user"] == "Billing Email" and (ds.n_users, ds.n_interactions) == (2, 4)
    by_order = recengine.read_dataset(upload("orders.csv", woo), columns={"user": "Order ID"})
    assert by_order.n_users == 3


def test_a_nested_analytics_id_is_the_user() -> None:
    """Mixpanel's export: each event's fields under 'properties', the user its distinct_id."""
    rows = [{"event": ev, "properties": {"time": 1704189600 + i, "distinct_id": uid, "product_id": pid}}
            for i, (ev, uid, pid) in enumerate([("Viewed", "u1", "P1"), ("Purchase", "u1", "P2"), ("Viewed", "u2", "P1")])]
    ds = recengine.read_dataset(upload("mixpanel.jsonl", "".join(json.dumps(r) + "\n" for r in rows)))
    assert ds.options["columns"]["user"] == "properties.distinct_id" and (ds.n_users, ds.n_interactions) == (2, 3)


def test_excel_day_numbers_are_dates_not_seconds_after_1970() -> None:
    """A date column saved from Excel unformatted: 45292.5 is 2024-01-01 12:00, not 1970-01-01 12:34:52."""
    log = pd.DataFrame({"customer": ["a", "a", "b"], "sku": ["x", "y", "x"], "order_date": ["45292.5", "45293", "45300.25"]})
    ds = recengine.read_dataset(log)
    got = pd.to_datetime(ds.interactions["timestamp"], unit="s").dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert got == ["2024-01-01 12:00", "2024-01-02 00:00", "2024-01-09 06:00"]
    assert any("read as Excel's day numbers" in w for w in ds.warnings)
    seconds = log.assign(order_date=[1_700_000_000, 1_700_000_100, 1_700_000_200])  # unix seconds stay seconds
    assert recengine.read_dataset(seconds).interactions["timestamp"].tolist() == [1_700_000_000, 1_700_000_100, 1_700_000_200]


def test_ratings_written_as_words_or_stars_are_read_as_their_numbers() -> None:
    """Scraped reviews: Amazon's '4.0 out of 5 stars', '3/5', '5 stars', '★★★★☆'."""
    log = pd.DataFrame({"reviewer": ["a", "a", "b", "b"], "asin": ["x", "y", "x", "y"],
                        "rating": ["4.0 out of 5 stars", "3/5", "5 stars", "★★☆☆☆"]})
    ds = recengine.read_dataset(log)
    assert ds.interactions["rating"].tolist() == [4.0, 3.0, 5.0, 2.0]
    assert any("holds ratings written as words (e.g. '4.0 out of 5 stars', read as 4)" in w for w in ds.warnings)
    thumbs = recengine.read_dataset(log.assign(rating=["Thumbs up", "dislike", "yes", "85%"]))
    assert thumbs.interactions["rating"].tolist() == [1.0, 0.0, 1.0, 85.0]
    assert any("A thumb down (1 rows) is 0 and still counts" in w and "--min-rating 1" in w for w in thumbs.warnings)
    liked = recengine.read_dataset(log.assign(rating=["Thumbs up", "dislike", "yes", "no"]), min_rating=1)
    assert set(zip(liked.interactions["user_id"], liked.interactions["item_id"])) == {("a", "x"), ("b", "x")}
    with pytest.raises(recengine.errors.DataError, match=r"not finite numbers at row 2 \(e.g. 'great'\)"):
        recengine.read_dataset(log.assign(rating=["4.0 out of 5 stars", "great", "5 stars", "★★☆☆☆"]))


def test_thumbs_are_read_from_a_thumbs_or_vote_column_and_named_when_the_column_says_nothing() -> None:
    log = pd.DataFrame({"user_id": ["a", "a", "b", "b"], "recipe_id": ["x", "y", "x", "y"], "thumbs": ["up", "down", "👍", "Down"]})
    for name in ("thumbs", "vote", "Thumbs up"):
        ds = recengine.read_dataset(log.rename(columns={"thumbs": name}))
        assert ds.options["columns"]["rating"] == name and ds.interactions["rating"].tolist() == [1.0, 0.0, 1.0, 0.0]
    ds = recengine.read_dataset(log.rename(columns={"thumbs": "verdict"}))
    assert ds.options["columns"]["rating"] is None
    said = [w for w in ds.warnings if "'verdict' holds thumbs up and down ('up', 'down')" in w]
    assert said and "--rating-col verdict" in said[0] and "--min-rating 1" in said[0]
    # a column of one answer, or of other words, is not thumbs
    for other in (["yes"] * 4, ["red", "down", "up", "blue"]):
        assert not any("thumbs up and down" in w for w in recengine.read_dataset(log.assign(thumbs=other).rename(
            columns={"thumbs": "verdict"})).warnings)


def test_a_german_shop_export_loads_without_a_mapping_and_names_items_by_their_bezeichnung() -> None:
    orders = upload("bestellungen.csv", "\ufeffkunde_id;artikel;menge;datum\nK1;001;1;05.07.2025\nK1;002;2;03.09.2025\n"
                                        "K2;001;1;13.01.2025\n")
    items = upload("artikel.csv", "Artikelnummer;Bezeichnung;Kategorie;Beschreibung\n001;Pfanne aus Gusseisen;Küche;"
                                  "Schwer und langlebig\n002;Messerblock;Küche;Sechs Messer aus Stahl\n")
    ds = recengine.read_dataset(orders, items)
    assert ds.options["columns"] == {"user": "kunde_id", "item": "artikel", "rating": "menge", "timestamp": "datum"}
    assert ds.items["title"].tolist() == ["Pfanne aus Gusseisen", "Messerblock"]
    assert ds.texts[0].startswith("Bezeichnung: Pfanne aus Gusseisen. Kategorie: Küche.")
    assert pd.to_datetime(ds.interactions["timestamp"], unit="s").dt.strftime("%Y-%m-%d").tolist() == [
        "2025-07-05", "2025-09-03", "2025-01-13"]


def test_a_title_under_a_name_no_rule_knows_is_the_short_column_that_tells_items_apart() -> None:
    log = pd.DataFrame({"user": ["a", "a", "b"], "item": ["1", "2", "3"]})
    items = pd.DataFrame({"item": ["1", "2", "3"], "Gruppe": ["Bad", "Bad", "Küche"], "Etikett": ["Handtuch", "Seife",
                          "Brett"], "Code": ["AB12345", "CD23456", "EF34567"], "Text": ["Weich"] * 3})
    assert recengine.read_dataset(log, items).items["title"].tolist() == ["Handtuch", "Seife", "Brett"]
    # (item, property, value) rows: the values are not names
    eav = pd.DataFrame({"item": ["1", "1", "2", "3"], "attribute": ["colour", "size", "colour", "colour"],
                        "value": ["red", "large", "blue", "green"]})
    assert recengine.read_dataset(log, eav).items["title"].tolist() != ["red", "blue", "green"]


def test_a_day_and_a_time_of_day_in_two_columns_are_read_together() -> None:
    log = pd.DataFrame({"user": ["a", "a", "b"], "item": ["x", "y", "x"], "date": ["2024-01-02", "2024-01-02", "01/03/2024"],
                        "time": ["10:30", "11:45:10", "9:00 PM"]})
    ds = recengine.read_dataset(log)
    assert pd.to_datetime(ds.interactions["timestamp"], unit="s").dt.strftime("%Y-%m-%d %H:%M:%S").tolist() == [
        "2024-01-02 10:30:00", "2024-01-02 11:45:10", "2024-01-03 21:00:00"]
    assert any("'date' holds the day and 'time' the time of day" in w for w in ds.warnings)
    assert recengine.read_dataset(log, columns={"timestamp": "date"}).interactions["timestamp"].nunique() == 2  # as mapped


def test_the_interactions_file_given_as_the_items_too_gives_texts_without_its_users() -> None:
    """One export of everything, given in both boxes: an item's text is its title and genre, not 'User id: u1, u2'."""
    both = pd.DataFrame({"user_id": ["u1", "u2", "u2", "u3"], "item_id": ["i1", "i1", "i2", "i3"], "rating": [5, 4, 3, 4],
                         "title": ["Heat", "Heat", "Ran", "Alien"], "genre": ["Crime", "Crime", "War", "Sci-fi"]})
    ds = recengine.read_dataset(both, both)
    assert ds.texts == ["Title: Heat. Genre: Crime.", "Title: Ran. Genre: War.", "Title: Alien. Genre: Sci-fi."]
    assert any("holds the users ('user_id') as well as the items" in w for w in ds.warnings)


def test_a_count_below_zero_is_a_return_and_no_interaction() -> None:
    """Online Retail: a cancelled invoice ('C536379') repeats the line with a negative Quantity."""
    rows = pd.DataFrame({"InvoiceNo": ["536365", "C536379", "536366", "C536383"], "StockCode": ["85123A", "85123A", "22633", "22633"],
                         "Quantity": [6, -1, 6, -2], "CustomerID": ["17850", "17850", "17851", "17852"]})
    ds = recengine.read_dataset(rows)
    assert set(zip(ds.interactions["user_id"], ds.interactions["item_id"])) == {("17850", "85123A"), ("17851", "22633")}
    assert ds.interactions["rating"].tolist() == [6, 6]  # the purchase, not its cancellation, is kept
    assert any("column 'Quantity' counts, and is below 0 in 2 rows" in w and "row 2" in w for w in ds.warnings)
    assert recengine.read_dataset(rows, columns={"rating": None}).n_interactions == 3  # pairs, the returns included
    signed = rows.rename(columns={"Quantity": "score"})  # a score below 0 is a rating, not a return
    assert recengine.read_dataset(signed).n_interactions == 3


def test_dunnhumby_numbers_its_days_and_writes_the_clock_as_hhmm() -> None:
    """The Complete Journey's transaction_data.csv: the household is the user, and DAY with TRANS_TIME (1631 is
    16:31) order the baskets; the clock alone would put day 2's morning before day 1's evening."""
    csv = ("household_key,BASKET_ID,DAY,PRODUCT_ID,QUANTITY,SALES_VALUE,STORE_ID,RETAIL_DISC,TRANS_TIME,WEEK_NO\n"
           "2375,26984851472,1,1004906,1,1.39,364,-0.6,1631,1\n"
           "2375,26984851472,1,1033142,1,0.82,364,0,1631,1\n"
           "2375,26984905972,2,1036325,1,0.99,364,-0.3,0905,1\n"
           "1364,26984896261,1,842930,2,2.19,31742,0,1520,1\n")
    ds = recengine.read_dataset(upload("transaction_data.csv", csv))
    assert ds.options["columns"]["user"] == "household_key" and ds.n_users == 2
    inter = ds.interactions.set_index("item_id")
    assert inter.loc["1004906", "timestamp"] == 86400 + 16 * 3600 + 31 * 60
    assert inter.loc["1036325", "timestamp"] > inter.loc["1004906", "timestamp"]  # the next day's 09:05 comes later
    assert any("'DAY' numbers the days and 'TRANS_TIME'" in w for w in ds.warnings)
    # product.csv names no title: the shortest-spoken, most telling description is the one shown
    products = ("PRODUCT_ID,MANUFACTURER,DEPARTMENT,BRAND,COMMODITY_DESC,SUB_COMMODITY_DESC,CURR_SIZE_OF_PRODUCT\n"
                "1004906,69,PRODUCE,National,POTATOES,POTATOES RUSSET (BULK&BAG),5 LB\n"
                "1033142,2,PRODUCE,National,POTATOES,POTATOES RED (BULK&BAG),40 OZ\n"
                "1036325,69,GROCERY,Private,FLUID MILK PRODUCTS,FLUID MILK WHITE ONLY,1 GA\n"
                "842930,1,GROCERY,National,SOFT DRINKS,SOFT DRINKS 12/18&15PK CAN CAR,12 OZ\n")
    ds = recengine.read_dataset(upload("transaction_data.csv", csv), upload("product.csv", products))
    assert ds.title("1033142") == "POTATOES RED (BULK&BAG)" and "Department: PRODUCE" in ds.texts[0]


def test_a_steam_account_is_the_user_where_no_column_says_user() -> None:
    plays = "steamid,appid,hours\n76561197970982479,10,1.5\n76561197970982479,70,3\n76561198035864385,10,0.5\n"
    ds = recengine.read_dataset(upload("plays.csv", plays))
    assert ds.options["columns"]["user"] == "steamid" and (ds.n_users, ds.n_interactions) == (2, 3)


def test_a_value_just_below_the_rating_scale_is_said_to_mean_not_rated() -> None:
    """The Anime Recommendations data: rating.csv writes -1 for an anime watched but not rated."""
    from recengine.data.load import keep_ratings_at_least

    ratings = "user_id,anime_id,rating\n1,20,-1\n1,24,-1\n2,20,10\n3,20,8\n3,24,6\n"
    ds = recengine.read_dataset(upload("rating.csv", ratings))
    assert ds.n_interactions == 5  # watched counts
    assert any("holds -1 in 2 rows beside ratings from 6 to 10" in w and "min_rating=0" in w for w in ds.warnings)
    assert keep_ratings_at_least(ds, 0).n_interactions == 3  # what the note says to do leaves the watched out
    assert not any("holds -1" in w for w in keep_ratings_at_least(ds, 7).warnings)  # done: the note is settled
    assert any("holds -1" in w for w in keep_ratings_at_least(ds, -1).warnings)  # the -1 rows stay: it still holds
    likes = recengine.read_dataset(upload("likes.csv", "user_id,item_id,rating\n1,a,-1\n1,b,1\n2,a,1\n"))
    assert not any("holds -1" in w for w in likes.warnings)  # a like/dislike scale: -1 is a dislike, said nothing of
    # Goodreads writes 0 for a book read (or only shelved) but not rated, beside 1 to 5
    shelves = "user_id,book_id,is_read,rating,is_reviewed\n0,948,1,5,0\n0,945,1,0,0\n1,944,0,0,0\n1,943,1,3,0\n"
    read = recengine.read_dataset(upload("goodreads_interactions.csv", shelves))
    assert any("holds 0 in 2 rows beside ratings from 3 to 5" in w and "min_rating=1" in w for w in read.warnings)
    assert keep_ratings_at_least(read, 1).n_interactions == 2
    halves = recengine.read_dataset(upload("r.csv", "user_id,item_id,rating\n1,a,0\n1,b,0.5\n2,a,5\n"))
    assert not any("holds 0" in w for w in halves.warnings)  # 0 is on this scale: 0.5 is a rating


@pytest.mark.parametrize("name", ["rated_ms", "ts_ms", "epoch_ms", "read_ts"])
def test_epoch_times_named_by_their_unit_are_the_timestamp(name: str) -> None:
    """Without them, duplicates were resolved by position in the file and no split could go by time."""
    ms = [1_700_000_000_000 + 86_400_000 * d for d in (3, 1, 2)]
    rows = "\n".join(f"r{i},isbn{i % 2},{7 + i},{t}" for i, t in enumerate(ms))
    ds = recengine.read_dataset(upload("books.csv", f"reader,isbn,book_rating,{name}\n{rows}\n"))
    assert ds.has_timestamps and sorted(ds.interactions["timestamp"]) == [t // 1000 for t in sorted(ms)]
    spans = recengine.read_dataset(upload("plays.csv", f"user,track,duration_ms\nu1,t1,{ms[0]}\nu2,t2,{ms[1]}\n"))
    assert not spans.has_timestamps  # a length of time, whatever its values


def test_one_bad_date_in_a_small_file_is_named_not_the_column_dropped(tmp_path) -> None:
    """Nine in ten values had to read as times: in a file of five rows one bad date (no 30 February) dropped the
    time column without a word, and repeated pairs were then kept 'by position in the file'."""
    path = tmp_path / "plays.csv"
    path.write_text("listener,episode_id,played_at\nl1,ep1,2024-01-03\nl1,ep2,2024-02-30\nl2,ep1,2024-01-05\n"
                    "l2,ep3,2024-01-06\nl3,ep2,2024-01-07\n")
    with pytest.raises(DataError, match=r"'played_at' \(timestamp\).*line 3 \(e.g. '2024-02-30'\)"):
        recengine.read_dataset(path)
    path.write_text(path.read_text().replace("2024-02-30", "2024-02-29"))
    assert recengine.read_dataset(path).has_timestamps


def test_items_with_no_title_column_are_named_by_their_values_not_the_labelled_text() -> None:
    """A podcast's episodes (show, summary) have no title: they were named by the embedded text cut at 60
    characters, labels and all ('Show: Laugh Track. Summary: Episode about improv with guest ...')."""
    shows = ["Laugh Track", "The Daily Brief"]
    items = pd.DataFrame({"episode_id": [f"ep{i:03d}" for i in range(6)], "show": [shows[i % 2] for i in range(6)],
                          "summary": [f"Part {i}: a long conversation about improvised comedy with a special guest"
                                      for i in range(6)]})
    log = pd.DataFrame({"listener": ["a", "a", "b", "c"], "episode_id": ["ep000", "ep001", "ep002", "ep003"]})
    ds = recengine.read_dataset(log, items)
    title = ds.title("ep000")
    assert title.startswith("Laugh Track · Part 0: a long conversation") and title.endswith("…") and len(title) <= 60
    assert "Show:" not in title and "Summary:" not in title and ds.texts[0].startswith("Show: Laugh Track.")


def test_a_name_in_several_languages_is_the_title_and_a_title_is_never_a_whole_description(tmp_path) -> None:
    items = tmp_path / "products.jsonl"
    items.write_text('{"sku": "A1", "name": {"de": "Laufschuh", "en": "Trail shoe"}, "description": "A light shoe"}\n'
                     '{"sku": "A2", "name": {"de": "Regenjacke", "en": "Rain jacket"}, "description": "Keeps you dry"}\n')
    log = pd.DataFrame({"customer": ["c1", "c1", "c2"], "sku": ["A1", "A2", "A1"]})
    ds = recengine.read_dataset(log, items)
    assert [ds.title("A1"), ds.title("A2")] == ["Trail shoe", "Rain jacket"]  # was the description
    long = recengine.read_dataset(log, pd.DataFrame({"sku": ["A1", "A2"], "title": ["Kettle " + "steel " * 800, "Mug"]}))
    assert len(long.title("A1")) <= 100 and long.title("A1").endswith("…") and long.title("A2") == "Mug"


def test_a_csv_cell_longer_than_128_kib_is_read(tmp_path) -> None:
    """The csv module's default limit stopped such a file with '_csv.Error: field larger than field limit'."""
    items = tmp_path / "items.csv"
    pd.DataFrame({"item": ["a", "b"], "title": ["Short", "Long"], "body": ["x", "word " * 30_000]}).to_csv(items, index=False)
    ds = recengine.read_dataset(pd.DataFrame({"user": ["u", "u", "v"], "item": ["a", "b", "a"]}), items)
    assert len(ds.texts[ds.item_map.index("b")]) > 140_000


def test_written_dates_mixed_with_unix_times_are_both_read() -> None:
    """An export that changed format once (ISO with zones, then epoch milliseconds) was refused, and the message
    advised "unix seconds or milliseconds, or ISO dates": the very formats the file used."""
    inter = pd.DataFrame({"user_id": ["a", "a", "b", "b"], "item_id": ["x", "y", "x", "z"],
                          "timestamp": ["2022-02-08T17:09:31+02:00", "1665017406000", "2021-01-10 10:00", "1665017406"]})
    ds = recengine.read_dataset(inter)
    assert ds.interactions["timestamp"].tolist() == [1644332971, 1665017406, 1610272800, 1665017406]
    assert any("mixes written dates with 2 unix time(s)" in w and "row 2" in w for w in ds.warnings)
    inter["timestamp"] = ["2022-02-08", "17", "2021-01-10", "1665017406"]  # a small number is no unix time
    with pytest.raises(DataError, match="cannot be read as a time"):
        recengine.read_dataset(inter)


def test_times_with_and_without_a_zone_in_one_column_are_said() -> None:
    inter = pd.DataFrame({"user_id": ["a", "a", "b"], "item_id": ["x", "y", "x"],
                          "timestamp": ["2021-03-04T10:00:00+02:00", "2021-03-04 10:00", "2021-03-05T09:00:00Z"]})
    ds = recengine.read_dataset(inter)
    assert any("gives a time zone in some values" in w and "'2021-03-04 10:00'" in w for w in ds.warnings)
    inter["timestamp"] = ["2021-03-04 10:00", "2021-03-04 11:00", "2021-03-05"]  # no zone anywhere: nothing to say
    assert not any("time zone" in w for w in recengine.read_dataset(inter).warnings)


def test_the_events_hint_never_suggests_counting_skips() -> None:
    """A podcast log of play, complete and skip: the hint suggested "--events skip,complete" (the two rarest)."""
    rows = "user,episode,action\n" + "".join(f"u{i % 7},e{i % 11},{a}\n" for i, a in enumerate(["play"] * 30 + ["complete"] * 12 + ["skip"] * 5))
    ds = recengine.read_dataset(upload("plays.csv", rows))
    said = [w for w in ds.warnings if "kinds of event" in w]
    assert len(said) == 1 and "--events complete,play" in said[0] and "skip," not in said[0].split("--events")[1]


def test_ids_padded_in_the_ratings_are_padded_alike_for_items_nobody_rated() -> None:
    """The CLI probe: ratings wrote ISBN-like ids ("0000000001"), the catalogue saved them as numbers (1 ... 181): the
    rated items became "0000000001" while the 81 never rated stayed "181", two forms in one catalogue."""
    ratings = pd.DataFrame({"user_id": ["a", "a", "b"], "item_id": ["0000000001", "0000000002", "0000000001"]})
    books = pd.DataFrame({"item_id": [1, 2, 181], "title": ["Alpha", "Beta", "Gamma"]})
    ds = recengine.read_dataset(ratings, books)
    assert sorted(ds.item_map.external) == ["0000000001", "0000000002", "0000000181"]
    assert ds.title("0000000181") == "Gamma" and ds.cold_items == ["0000000181"]


def test_a_catalogue_whose_texts_are_shared_by_many_items_says_so() -> None:
    """The CLI probe: a template of '{summary} ({topic})' gave 720 episodes 20 texts; embed said 720 encoded and no
    one said that the text models could not tell those episodes apart."""
    inter = pd.DataFrame({"user_id": [f"u{i % 9}" for i in range(200)], "item_id": [f"ep{i % 100}" for i in range(200)]})
    items = pd.DataFrame({"item_id": [f"ep{i}" for i in range(100)], "topic": [f"topic {i % 5}" for i in range(100)]})
    ds = recengine.read_dataset(inter, items)
    said = [w for w in ds.warnings if "distinct texts" in w]
    assert len(said) == 1 and said[0].startswith("100 items with text share only 5 distinct texts")
    plain = recengine.read_dataset(inter, items.assign(title=[f"Episode {i}" for i in range(100)]))
    assert not any("distinct texts" in w for w in plain.warnings)


def test_a_time_column_blank_on_some_rows_is_named_not_dropped_without_a_word() -> None:
    """Goodreads' read_at is empty for books shelved but not read: the column was left out and nothing said so, and
    naming it said 'use ISO dates' about values that are simply missing."""
    log = pd.DataFrame({"reader": ["a", "a", "b", "b", "c"], "isbn": ["1", "2", "1", "3", "2"],
                        "read_at": ["Tue Oct 17 05:12:03 -0700 2017", "", "Sat May 26 00:51:58 -0700 2012", "",
                                    "Mon Jan 07 10:00:00 -0800 2019"]})
    ds = recengine.read_dataset(log)
    assert not ds.has_timestamps
    assert any("column 'read_at' holds times, but 2 of 5 rows (40%) leave it blank" in w and "--timestamp-col read_at" in w
               for w in ds.warnings)
    with pytest.raises(DataError, match=r"'read_at' \(timestamp\) is blank at rows 2, 4 \(2 of 5 rows\); the others read"):
        recengine.read_dataset(log, columns={"timestamp": "read_at"})
    with pytest.raises(DataError, match=r"'read_at' \(timestamp\) is blank at rows 1, 2, 3, 4, 5 \(5 of 5 rows\); it holds no time at all"):
        recengine.read_dataset(log.assign(read_at=""), columns={"timestamp": "read_at"})  # a traceback, not a message
    dated = recengine.read_dataset(log[log["read_at"] != ""])  # what the note says to do
    assert dated.has_timestamps and not any("leave it blank" in w for w in dated.warnings)
