"""Files as public datasets ship them: no header row (MovieLens' u.data and .dat files, Last.fm), '::' or spaces
between fields, and scraped catalogues (Amazon reviews) with HTML, two time columns and lists of related items."""

from __future__ import annotations

import io
import json

import pytest

import recengine
from recengine.errors import DataError


def upload(name: str, content: str, encoding: str = "utf-8") -> io.BytesIO:
    buf = io.BytesIO(content.encode(encoding))
    buf.name = name
    return buf


U_DATA = "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n244\t51\t2\t880606923\n"


def test_a_file_with_no_header_row_is_read_by_position_and_says_so() -> None:
    ds = recengine.read_dataset(upload("u.data", U_DATA))
    assert ds.options["columns"] == {"user": "column 1", "item": "column 2", "rating": "column 3", "timestamp": "column 4"}
    assert ds.n_interactions == 4  # the first line is an interaction, not column names
    assert ds.interactions["rating"].tolist() == [3.0, 3.0, 1.0, 2.0]
    assert ds.interactions["timestamp"].iloc[0] == 881250949
    said = [w for w in ds.warnings if "no header row" in w]
    assert len(said) == 1 and "column 3 as the rating and column 4 as the timestamp" in said[0]
    assert ds.stats()["rating_column"] == "rating"  # "column 3" names nothing a reader knows


def test_movielens_1m_dat_files_load_double_colon_latin1_and_all() -> None:
    ratings = upload("ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n")
    movies = upload(
        "movies.dat",
        "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::James and the Giant Peach (1996)::Animation|Children's|Musical\n"
        '1::"Great Performances" Cats (1998)::Musical\n2::Cité des enfants perdus, La (1995)::Adventure|Sci-Fi\n',
        encoding="latin-1",
    )
    ds = recengine.read_dataset(ratings, movies)
    assert (ds.n_users, ds.n_interactions) == (2, 3) and sorted(ds.cold_items) == ["1", "2"]
    items = ds.items.set_index("item_id")
    # the item file's own first column is its id, not the interactions' "column 2"; its text is not labelled "Column 2:"
    assert items.loc["661", "text"] == "James and the Giant Peach (1996). Animation, Children's, Musical"
    assert items.loc["661", "title"] == "James and the Giant Peach (1996)"
    assert items.loc["1", "title"] == '"Great Performances" Cats (1998)'  # quotes kept: '::' files never quote
    assert items.loc["2", "title"] == "La Cité des enfants perdus (1995)"


def test_a_headerless_file_keeps_its_text_column_and_reads_a_count_after_it() -> None:
    """Last.fm 360K: user, artist id, artist name, plays."""
    ds = recengine.read_dataset(upload("usersha1-artmbid-artname-plays.tsv",
                                       "u1\ta74b1b7f\tbetty blue\t2137\nu1\tc3d9\tthe clash\t12\nu2\tc3d9\tthe clash\t7\n"))
    assert ds.options["columns"] == {"user": "column 1", "item": "column 2", "rating": "column 4", "timestamp": None}
    assert ds.title("c3d9") == "the clash" and ds.items.set_index("item_id").loc["c3d9", "text"] == "the clash"


def test_a_mapping_wins_over_position_and_errors_count_lines_from_one() -> None:
    ds = recengine.read_dataset(upload("u.data", U_DATA), columns={"user": "column 2", "item": "column 1", "rating": None})
    assert ds.options["columns"]["user"] == "column 2" and ds.options["columns"]["rating"] is None
    assert not any("column 2 as" in w for w in ds.warnings)  # what was mapped is not "read by position"
    with pytest.raises(DataError, match=r"u\.data: column 'column 1' \(user id\) is empty in 1 row\(s\), first at line 2\b"):
        recengine.read_dataset(upload("u.data", "196\t242\t3\t881250949\n\t302\t3\t891717742\n"))


def test_space_separated_files_are_read_with_or_without_a_header() -> None:
    ds = recengine.read_dataset(upload("ratings_data.txt", "user_id item_id rating\n1 10 4\n2  10   5\n"))
    assert ds.options["columns"]["rating"] == "rating" and ds.interactions["rating"].tolist() == [4.0, 5.0]
    ds = recengine.read_dataset(upload("ratings_data.txt", "1 10 4\n2 10 5\n2 11 1\n"))
    assert ds.n_interactions == 3 and ds.options["columns"]["user"] == "column 1"


def test_a_header_of_words_is_still_a_header_and_data_of_words_gets_a_hint() -> None:
    ds = recengine.read_dataset(upload("events.csv", "user_id,item_id,rating\n1,2,5\n3,4,1\n"))
    assert ds.n_interactions == 2 and ds.options["columns"]["user"] == "user_id"
    with pytest.raises(DataError, match=r"no user column found among: ann, tea\b.*add a header row"):
        recengine.read_dataset(upload("pairs.csv", "ann,tea\nbob,coffee\n"))


def test_amazon_reviews_with_two_time_columns_and_a_scraped_catalogue() -> None:
    reviews = "".join(json.dumps(r) + "\n" for r in [
        {"overall": 5.0, "reviewTime": "09 4, 2015", "reviewerID": "A1", "asin": "B00000001", "unixReviewTime": 1441324800},
        {"overall": 3.0, "reviewTime": "12 20, 2013", "reviewerID": "A2", "asin": "B00000002", "unixReviewTime": 1387497600},
    ])
    meta = "".join(json.dumps(r) + "\n" for r in [
        {"asin": "B00000001", "title": "Tea &amp; Sympathy", "description": ["A <b>warm</b> novel.", "Second part."],
         "also_buy": ["B00000002", "B00000003"], "imageURL": ["https://m.media-amazon.com/1.jpg", "https://m.media-amazon.com/2.jpg"]},
        {"asin": "B00000002", "title": "Gintama&#039;", "description": ["Comedy."], "also_buy": ["B00000001"],
         "imageURL": ["https://m.media-amazon.com/3.jpg"]},
    ])
    ds = recengine.read_dataset(upload("Books_5.json", reviews), upload("meta_Books.json", meta))
    assert ds.options["columns"]["timestamp"] == "unixReviewTime"  # the same days twice: the numbers are taken
    assert ds.title("B00000001") == "Tea & Sympathy" and ds.title("B00000002") == "Gintama'"
    assert ds.items.set_index("item_id").loc["B00000001", "text"] == (
        "Title: Tea & Sympathy. Description: A warm novel. Second part.")
    assert any("also_buy, imageURL hold links or codes" in w for w in ds.warnings)


def test_two_time_columns_that_disagree_are_still_asked_about() -> None:
    reviews = ('{"reviewerID": "A1", "asin": "B1", "reviewTime": "09 4, 2015", "unixReviewTime": 1387497600}\n'
               '{"reviewerID": "A2", "asin": "B1", "reviewTime": "09 5, 2015", "unixReviewTime": 1387497600}\n')
    with pytest.raises(DataError, match=r"more than one column could be the timestamp column \(reviewTime, unixReviewTime\)"):
        recengine.read_dataset(upload("reviews.jsonl", reviews))


def test_the_guesses_a_mapping_form_shows_are_what_the_loader_takes() -> None:
    from recengine.data import read_table
    from recengine.data.load import guess_columns

    inter, movies = read_table(upload("u.data", U_DATA)), read_table(upload("movies.dat", "242::Kolya (1996)::Comedy\n302::Heat::Crime\n"))
    assert guess_columns(inter) == {"user": "column 1", "item": "column 2", "rating": "column 3", "timestamp": "column 4"}
    assert guess_columns(movies, "items") == {"item": "column 1"}
    named = read_table(upload("orders.csv", "customer_id,sku,stars\nc1,s1,4\n"))
    assert guess_columns(named) == {"user": "customer_id", "item": "sku", "rating": "stars", "timestamp": None, "event": None,
                                   "label": None}


def test_excels_sep_line_and_leading_comment_lines_are_skipped_and_lines_still_count() -> None:
    ds = recengine.read_dataset(upload("export.csv", "sep=;\r\nuser;item;rating\r\nu1;i1;4,5\r\nu2;i1;3\r\n"))
    assert ds.interactions["rating"].tolist() == [4.5, 3.0]
    konect = "% bip weighted\n% 3 2 1\n1 2 5 881250949\n2 2 4 881250950\n"
    ds = recengine.read_dataset(upload("out.movielens-100k_rating", konect))
    assert (ds.n_interactions, ds.options["columns"]["timestamp"]) == (2, "column 4")
    with pytest.raises(DataError, match=r"column 'column 1' \(user id\) is empty in 1 row\(s\), first at line 3\b"):
        recengine.read_dataset(upload("snap.txt", "# user item rating\n1\t2\t5\n\t2\t4\n"))


def test_play_counts_with_thousands_separators_are_counts_and_decimal_commas_still_decimals() -> None:
    plays = 'user,artist,plays\nu1,a1,"1,234"\nu1,a2,12\nu2,a1,"2,000,000"\n'
    ds = recengine.read_dataset(upload("plays.csv", plays))
    assert ds.interactions["rating"].tolist() == [1234.0, 12.0, 2000000.0]
    ds = recengine.read_dataset(upload("noten.csv", "Kunde;Artikel;Bewertung\nA;x;4,5\nB;x;3\nB;y;1.234,5\n"),
                                columns={"user": "Kunde", "item": "Artikel", "rating": "Bewertung"})
    assert ds.interactions["rating"].tolist() == [4.5, 3.0, 1234.5]


def test_a_written_out_row_index_is_not_taken_for_the_users() -> None:
    ds = recengine.read_dataset(upload("export.csv", "0,u1,i1,5\n1,u1,i2,3\n2,u2,i1,4\n"))
    assert ds.options["columns"] == {"user": "column 2", "item": "column 3", "rating": "column 4", "timestamp": None}
    assert any("column 1 counts the rows and was left out" in w for w in ds.warnings)
    assert recengine.read_dataset(upload("u.data", U_DATA)).options["columns"]["user"] == "column 1"  # 196, 186...: ids


def test_opaque_ids_of_mixed_case_stay_out_of_item_text() -> None:
    """Yelp's review ids are 22 characters of base 64: no words for an encoder."""
    reviews = "".join(json.dumps({"review_id": rid, "user_id": f"u{i}", "business_id": f"b{i}", "text": text}) + "\n"
                      for i, (rid, text) in enumerate([("KU_O5udG6zpxOg-VcAEodg", "Great tacos."),
                                                       ("BiTunyQ73aT9WBnpR9DZGw", "Slow service.")]))
    ds = recengine.read_dataset(upload("yelp_academic_dataset_review.json", reviews))
    assert ds.texts == ["Great tacos", "Slow service"]
    assert any("review_id hold links or codes" in w for w in ds.warnings)


STEAM_USERS = "\n".join(repr(u) for u in [
    {"user_id": "76561197970982479", "items_count": 2, "steam_id": "76561197970982479",
     "items": [{"item_id": "10", "item_name": "Counter-Strike", "playtime_forever": 6, "playtime_2weeks": 0},
               {"item_id": "70", "item_name": "Half-Life", "playtime_forever": 0, "playtime_2weeks": 0}]},
    {"user_id": "js41637", "items_count": 0, "steam_id": "76561198035864385", "items": []},
    {"user_id": "evcentric", "items_count": 1, "steam_id": "76561198007712555",
     "items": [{"item_id": "10", "item_name": "Counter-Strike", "playtime_forever": 93, "playtime_2weeks": 0}]},
]) + "\n"
STEAM_GAMES = "\n".join(repr(g) for g in [
    {"publisher": "Valve", "genres": ["Action"], "app_name": "Counter-Strike", "title": "Counter-Strike",
     "url": "http://store.steampowered.com/app/10/CounterStrike/", "tags": ["FPS", "Classic"], "price": 9.99,
     "early_access": False, "id": "10", "developer": "Valve"},
    {"publisher": "Valve", "genres": ["Action"], "app_name": "Half-Life", "title": "Half-Life",
     "url": "http://store.steampowered.com/app/70/HalfLife/", "tags": ["FPS", "Sci-fi"], "price": 9.99,
     "early_access": False, "id": "70", "developer": "Valve"},
    {"publisher": "Kotoshiro", "genres": ["Casual", "Indie"], "app_name": "Lost Summoner Kitty",
     "title": "Lost Summoner Kitty", "url": "http://store.steampowered.com/app/761140/Lost_Summoner_Kitty/",
     "tags": ["Strategy"], "price": 4.99, "early_access": False, "id": "761140", "developer": "Kotoshiro"},
]) + "\n"


def test_steam_dumps_python_dicts_with_a_list_of_games_per_user() -> None:
    """UCSD's Steam files: one Python dict per line (single quotes, False), each user's games in a nested list, and
    the games file naming its id just "id"."""
    ds = recengine.read_dataset(upload("australian_users_items.json", STEAM_USERS), upload("steam_games.json", STEAM_GAMES))
    pairs = set(zip(ds.interactions["user_id"], ds.interactions["item_id"]))
    assert pairs == {("76561197970982479", "10"), ("76561197970982479", "70"), ("evcentric", "10")}
    assert ds.options["columns"]["item"] == "items.item_id" and ds.cold_items.tolist() == ["761140"]
    said = " ".join(ds.warnings)
    assert "holds a list of records under 'items'" in said and "column 'id', which holds them" in said
    kitty = ds.items.set_index("item_id").loc["761140"]
    assert kitty["title"] == "Lost Summoner Kitty"
    assert kitty["text"].count("Lost Summoner Kitty") == 1  # app_name and title are one text, said once
    assert "Genres: Casual, Indie" in kitty["text"] and "store.steampowered" not in kitty["text"]


def test_a_bad_line_in_a_python_dict_dump_is_still_named() -> None:
    with pytest.raises(DataError, match=r"line 2 is not valid JSON"):
        recengine.read_dataset(upload("games.json", "{'user': 'a', 'item': 'b'}\n{'user': 'c', 'item': \n"))


def test_a_session_log_takes_its_sessions_for_users() -> None:
    """YooChoose, OTTO and Instacart's order lines have no user column: each session or order stands for one."""
    ds = recengine.read_dataset(upload("order_products.csv", "order_id,product_id,add_to_cart_order\n1,49302,1\n"
                                                              "1,11109,2\n2,49302,1\n"))
    assert ds.options["columns"]["user"] == "order_id" and ds.n_users == 2
    both = "user_id,session_id,item_id\nu1,s1,i1\nu1,s2,i2\n"
    assert recengine.read_dataset(upload("log.csv", both)).options["columns"]["user"] == "user_id"  # a user wins


def test_yoochoose_clicks_keep_the_item_after_the_time() -> None:
    """session, ISO time, item, category: by position, a column of times is never the item."""
    clicks = ("1,2014-04-07T10:51:09.277Z,214536502,0\n1,2014-04-07T10:54:09.868Z,214536500,0\n"
              "2,2014-04-07T13:56:37.614Z,214662742,0\n3,2014-04-02T13:17:46.940Z,214716935,S\n")
    ds = recengine.read_dataset(upload("yoochoose-clicks.dat", clicks))
    assert ds.options["columns"]["item"] == "column 3" and ds.options["columns"]["timestamp"] == "column 2"
    assert set(ds.interactions["item_id"]) == {"214536502", "214536500", "214662742", "214716935"}
    # the category (0, a brand id, now and then "S" for an offer) is no rating, however rare its "S" is
    more = "".join(f"{s},2014-04-0{1 + s % 7}T10:51:09.277Z,2145{s:05d},{'S' if s == 5 else 0 if s % 3 else 2053858000}\n"
                   for s in range(4, 30))
    ds = recengine.read_dataset(upload("yoochoose-clicks.dat", clicks + more))
    assert ds.options["columns"]["rating"] is None and not ds.stats()["has_ratings"]


def test_yelp_businesses_read_as_words_not_code() -> None:
    """Yelp's business JSON: nested attributes (camelCase, Python 2 literals such as u'free', dict strings)."""
    biz = json.dumps({"business_id": "mpf3x-BjTdTEA3yCZrAYPw", "name": "The UPS Store", "city": "Affton", "stars": 3.0,
                      "attributes": {"BusinessAcceptsCreditCards": "True", "WiFi": "u'free'",
                                     "Ambience": "{'romantic': False, 'touristy': False}"},
                      "categories": "Shipping Centers, Notaries", "hours": {"Monday": "0:0-0:0"}}) + "\n"
    review = json.dumps({"review_id": "KU_O5udG6zpxOg-VcAEodg", "user_id": "mh_-eMZ6K5RLWhZyISBhwA",
                         "business_id": "mpf3x-BjTdTEA3yCZrAYPw", "stars": 3.0, "date": "2018-07-07 22:09:11"}) + "\n"
    ds = recengine.read_dataset(upload("review.json", review), upload("business.json", biz))
    text = ds.items["text"].iloc[0]
    assert "Business accepts credit cards: True" in text and "Wi fi: free" in text
    assert "Attributes" not in text and "romantic" not in text and "0:0-0:0" not in text


def test_netflix_prize_blocks_and_its_unquoted_titles() -> None:
    """combined_data_*.txt heads each movie's ratings with 'ID:'; movie_titles.csv leaves commas in titles unquoted."""
    ratings = ("1:\n1488844,3,2005-09-06\n822109,5,2005-05-13\n2:\n2059652,4,2005-09-05\n1488844,2,2005-11-01\n"
               "3:\n822109,5,2004-01-01\n")
    titles = "1,2003,Dinosaur Planet\n2,2004,Isle of Man TT 2004 Review\n3,1997,Character, The\n4,NULL,Lost\n"
    ds = recengine.read_dataset(upload("combined_data_1.txt", ratings), upload("movie_titles.csv", titles, "latin-1"))
    got = ds.interactions.set_index(["user_id", "item_id"])["rating"].to_dict()
    assert got == {("1488844", "1"): 3.0, ("822109", "1"): 5.0, ("2059652", "2"): 4.0, ("1488844", "2"): 2.0,
                   ("822109", "3"): 5.0}
    assert ds.title("3") == "The Character" and ds.cold_items.tolist() == ["4"]
    said = " ".join(ds.warnings)
    assert "head blocks of rows (3 blocks" in said and "(line 3); the extra commas were read as part of the last" in said
    with pytest.raises(DataError, match=r"empty in 1 row\(s\), first at line 4\b"):  # the file's own line numbers
        recengine.read_dataset(upload("combined_data_1.txt", "1:\n1488844,3,2005-09-06\n2:\n,5,2005-05-13\n"))


def test_a_row_short_of_fields_is_still_an_error_not_a_guess() -> None:
    with pytest.raises(DataError, match="do not all have the same number of comma-separated fields"):
        recengine.read_dataset(upload("ratings.csv", "user,item,rating\nu1,i1,5\nu2,i2,4,extra,more\nu3\n"))


def test_lastfm_1k_listens_with_no_header_and_no_number() -> None:
    """userid-timestamp-artid-artname-traid-traname.tsv: no cell of the first line is a number, but an ISO time and a
    UUID are no column names; the artist (the first column after the user that is not a time) is the item."""
    listens = ("user_000001\t2009-05-04T23:08:57Z\tf1b1cf71-bd35-4e99-8624-24a6e15f133a\tDeep Dish\t\tFuck Me Im Famous\n"
               "user_000001\t2009-05-04T13:54:10Z\ta7f7df4a-77d8-4f12-8acd-5c60c93f4de8\t坂本龍一\t\tComposition 0919\n"
               "user_000002\t2009-05-04T13:52:04Z\ta7f7df4a-77d8-4f12-8acd-5c60c93f4de8\t坂本龍一\t\tMc2\n")
    ds = recengine.read_dataset(upload("userid-timestamp-artid-artname-traid-traname.tsv", listens))
    assert ds.options["columns"] == {"user": "column 1", "item": "column 3", "rating": None, "timestamp": "column 2"}
    assert ds.n_interactions == 3 and ds.title("a7f7df4a-77d8-4f12-8acd-5c60c93f4de8") == "坂本龍一"


def test_one_line_ending_in_a_colon_is_a_title_not_a_block() -> None:
    ds = recengine.read_dataset(upload("titled.csv", "Ratings:\nuser,item\nu1,a\nu2,b\n"))
    assert ds.n_interactions == 2 and set(ds.interactions["item_id"]) == {"a", "b"}
    assert any("line 1 above the table (a title, not rows) was skipped" in w for w in ds.warnings)


def test_a_reports_title_lines_above_its_table_are_skipped_and_lines_still_count() -> None:
    report = ("Sales report, Q1 2024\nExported 2024-04-01\n\ncustomer,product,qty,day\nu1,i1,2,2024-01-02\n"
              "u2,i1,1,2024-01-03\nu2,i2,3,2024-01-04\n")
    ds = recengine.read_dataset(upload("report.csv", report))
    assert ds.options["columns"]["user"] == "customer" and ds.n_interactions == 3
    assert any("lines 1, 2 above the table" in w for w in ds.warnings)
    with pytest.raises(DataError, match="line 6"):  # the file's own line numbers
        recengine.read_dataset(upload("report.csv", report.replace("u2,i1,1", ",i1,1")))
    # a header one field short of its rows is R's, over rows that begin with row names: no title, still an error
    with pytest.raises(DataError, match="same number of comma-separated fields"):
        recengine.read_dataset(upload("r.csv", "user,item\n1,u1,i1\n2,u2,i2\n3,u2,i1\n"))


def test_otto_sessions_with_their_events_nested() -> None:
    """OTTO: a session, its events nested as records (aid, ts in milliseconds, type)."""
    log = ('{"session": 12899779, "events": [{"aid": 59625, "ts": 1661724000278, "type": "clicks"}, '
           '{"aid": 1142000, "ts": 1661724058352, "type": "carts"}]}\n'
           '{"session": 12899780, "events": [{"aid": 59625, "ts": 1661724000378, "type": "clicks"}]}\n')
    ds = recengine.read_dataset(upload("otto.jsonl", log))
    assert ds.options["columns"] == {"user": "session", "item": "events.aid", "rating": None, "timestamp": "events.ts"}
    assert ds.options["event_column"] == "events.type" and ds.interactions["timestamp"].min() == 1661724000
    carts = recengine.read_dataset(upload("otto.jsonl", log), events=["carts"])
    assert set(zip(carts.interactions["user_id"], carts.interactions["item_id"])) == {("12899779", "1142000")}


def test_amazon_2023_reviews_take_the_item_their_metadata_is_keyed_by() -> None:
    """Amazon Reviews 2023: a review names both ``asin`` (the variant) and ``parent_asin``; the metadata has only
    ``parent_asin``, and a list of image records that must not split a product into rows."""
    reviews = "".join(json.dumps({"rating": 5.0, "title": "Great", "asin": f"B1{p}{v}", "parent_asin": f"B0{p}X",
                                  "user_id": f"AG{u}", "timestamp": 1588687728923 + u, "images": []}) + "\n"
                      for u, (p, v) in enumerate([(1, 1), (1, 2), (2, 1), (3, 1), (2, 2)]))
    meta = "".join(json.dumps({"title": f"Face cream {p}", "features": ["Hydrating"], "parent_asin": f"B0{p}X",
                               "images": [{"thumb": f"{p}.jpg", "variant": "MAIN"}, {"thumb": f"{p}b.jpg", "variant": "PT01"}]})
                   + "\n" for p in (1, 2, 3, 4))
    ds = recengine.read_dataset(upload("All_Beauty.jsonl", reviews), upload("meta_All_Beauty.jsonl", meta))
    assert ds.options["columns"]["item"] == "parent_asin"
    assert any("'parent_asin' was taken as the item, not 'asin'" in w for w in ds.warnings)
    assert ds.n_items == 4 and ds.n_interactions == 5 and int(ds.cold_item_mask.sum()) == 1
    assert ds.texts[0] == "Title: Face cream 1. Features: Hydrating."
    # the same names when the items file does hold the column found by name: nothing changes
    same = meta.replace('"parent_asin"', '"asin"')
    with pytest.raises(DataError, match="no item ids in common|none of"):
        recengine.read_dataset(upload("All_Beauty.jsonl", reviews), upload("meta.jsonl", same))


def test_a_catalogue_with_one_row_per_category_merges_an_items_rows() -> None:
    """An item written once per genre (or property, as Retailrocket's item_properties) is one item whose values join;
    rows that name two items under one id stay an error."""
    inter = "user_id,item_id\nu1,1\nu1,2\nu2,1\n"
    items = "item_id,title,genre\n1,Heat,Crime\n2,Ran,War\n1,Heat,Drama\n1,Heat,Crime\n"
    ds = recengine.read_dataset(upload("ratings.csv", inter), upload("movies.csv", items))
    assert ds.n_items == 2 and ds.texts[0] == "Title: Heat. Genre: Crime, Drama." and ds.items["title"].iloc[0] == "Heat"
    said = [w for w in ds.warnings if "merged into one" in w]
    assert said and "'1' at lines 2, 4, 5" in said[0] and "'genre'" in said[0]
    props = ("timestamp,itemid,property,value\n1435460400000,1,categoryid,1016\n1435460400000,1,available,1\n"
             "1435460400000,2,categoryid,809\n")
    ds = recengine.read_dataset(upload("events.csv", "visitorid,itemid\n7,1\n7,2\n"), upload("item_properties.csv", props))
    assert "categoryid, available" in ds.texts[0] and ds.n_items == 2
    with pytest.raises(DataError, match=r"'1' \(column 'item_id'\) appears at lines 2, 4 with different 'title'"):
        recengine.read_dataset(upload("ratings.csv", inter), upload("movies.csv", "item_id,title\n1,Heat\n2,Ran\n1,Ran\n"))


def test_kuairec_dates_written_as_digits_are_days() -> None:
    """KuaiRec writes one moment three ways (time, date as 20200705, timestamp): one is taken; a date written as
    digits is that day, not 1970 in unix seconds."""
    log = ("user_id,video_id,play_duration,time,date,timestamp,watch_ratio\n"
           "14,148,4381,2020-07-05 05:27:48.378,20200705,1593898068.378,0.72\n"
           "14,183,11635,2020-07-05 05:28:00.057,20200705,1593898080.057,1.15\n"
           "19,148,3649,2020-07-06 00:01:17.000,20200706,1593964877.000,0.6\n")
    ds = recengine.read_dataset(upload("small_matrix.csv", log))
    assert ds.options["columns"]["timestamp"] == "timestamp" and ds.interactions["timestamp"].iloc[0] == 1593898068
    days = recengine.read_dataset(upload("log.csv", "user,item,date\n1,a,20200705\n2,b,20191231\n"))
    assert days.interactions["timestamp"].tolist() == [1593907200, 1577750400]
    stamped = recengine.read_dataset(upload("log.tsv", "user\titem\twhen\n1\ta\t20200705052748\n"))
    assert stamped.stats()["first_interaction"] == "2020-07-05" and stamped.interactions["timestamp"].iloc[0] == 1593926868


def test_foursquare_checkins_have_no_rating_by_position() -> None:
    """Foursquare's headerless check-ins: a latitude and a time-zone offset are numbers, but no rating."""
    rows = "".join(f"{u}\t49bbd6c0f964a520f4531fe{v}\t4bf58dd8d48988d127951735\t{c}\t40.7198{v}\t-74.00{v}\t{tz}\t"
                   f"Tue Apr 03 18:0{v}:09 +0000 2012\n"
                   for u, v, c, tz in [(470, 1, "Arts & Crafts Store", -240), (979, 2, "Bridge", -240),
                                       (69, 3, "Home (private)", -300), (470, 2, "Bridge", -240)])
    ds = recengine.read_dataset(upload("dataset_TSMC2014_NYC.txt", rows))
    assert ds.options["columns"]["rating"] is None and ds.options["columns"]["timestamp"] == "column 8"
    assert ds.options["event_column"] is None  # venue categories are the items' text, not kinds of event
    assert ds.n_items == 3 and ds.stats()["first_interaction"] == "2012-04-03"
    assert sorted(ds.items["title"]) == ["Arts & Crafts Store", "Bridge", "Home (private)"]


def test_spotify_playlists_stand_for_users_and_their_tracks_are_the_items() -> None:
    """The Million Playlist Dataset: one JSON object holding playlists, each with its tracks. A playlist's name and
    flags are not its tracks' titles or texts, and spotify: URIs are codes."""
    def track(t: int) -> dict:
        return {"pos": t, "artist_name": f"Artist {t % 2}", "track_uri": f"spotify:track:{t:022d}",
                "artist_uri": f"spotify:artist:{t % 2:022d}", "track_name": f"Song {t}", "album_name": f"Album {t}"}
    playlists = [{"name": name, "collaborative": "false", "pid": pid, "modified_at": 1493424000,
                  "tracks": [track(t) for t in tracks]} for pid, name, tracks in [(0, "Throwbacks", [1, 2, 3]),
                                                                                   (1, "Awesome Playlist", [2, 4])]]
    mpd = json.dumps({"info": {"slice": "0-999", "version": "v1"}, "playlists": playlists}, indent=2)  # as shipped
    ds = recengine.read_dataset(upload("mpd.slice.0-999.json", mpd))
    assert ds.options["columns"]["user"] == "pid" and ds.options["columns"]["item"] == "tracks.track_uri"
    assert ds.n_users == 2 and ds.n_items == 4 and ds.n_interactions == 5
    titles = dict(zip(ds.items["item_id"], ds.items["title"]))
    assert titles["spotify:track:" + "2".zfill(22)] == "Song 2"
    text = ds.texts[0]
    assert text == "Artist name: Artist 1. Track name: Song 1. Album name: Album 1."
    assert any("artist_uri" in w and "links or codes" in w for w in ds.warnings)


def test_diginetica_sessions_stand_for_users_when_most_rows_name_none() -> None:
    """Diginetica's views name a user in few rows; each session is then a user, and the warning says how to take
    the user column instead."""
    views = "sessionId;userId;itemId;timeframe;eventdate\n" + "".join(
        f"{s};{'' if s % 3 else s * 10};{i};{526309 + s};2016-05-{10 + s}\n" for s in range(1, 7) for i in (s, s + 1))
    ds = recengine.read_dataset(upload("train-item-views.csv", views))
    assert ds.options["columns"]["user"] == "sessionId" and ds.n_users == 6 and ds.n_interactions == 12
    assert any("'userId' is empty in 8 of 12 rows" in w and "--skip-missing-ids" in w for w in ds.warnings)
    mapped = recengine.read_dataset(upload("train-item-views.csv", views), columns={"user": "userId"},
                                    skip_missing_ids=True)
    assert mapped.n_users == 2 and mapped.n_interactions == 4
    # a user column that names most rows' users stays the user: its two blanks are an error, as before
    most = views.replace(";;", ";7;", 6)
    with pytest.raises(DataError, match=r"'userId' \(user id\) is empty in 2 row"):
        recengine.read_dataset(upload("views.csv", most))


def test_json_objects_keyed_by_id_and_rows_written_as_arrays() -> None:
    """Metadata keyed by item id ({"1": {"title": ...}}), a user's items under their id ({"u1": ["1", "2"]}), pretty
    printed, and interactions written as arrays ([["u1", "1", 5], ...]): no header, read by position."""
    meta = json.dumps({str(i): {"title": f"Movie {i}", "genres": ["Drama", "War"][: i % 2 + 1]} for i in (1, 2, 3)}, indent=2)
    likes = json.dumps({"u1": ["1", "2"], "u2": ["2", "3"], "u3": ["1"]}, indent=2)
    ds = recengine.read_dataset(upload("user_items.json", likes), upload("item_meta.json", meta))
    assert ds.n_users == 3 and ds.n_interactions == 5 and ds.texts[0] == "Title: Movie 1. Genres: Drama, War."
    rows = json.dumps([["u1", "1", 5], ["u2", "2", 3], ["u2", "1", 4]])
    ds = recengine.read_dataset(upload("ratings.json", rows), upload("item_meta.json", meta))
    assert ds.options["columns"] == {"user": "column 1", "item": "column 2", "rating": "column 3", "timestamp": None}
    assert ds.interactions["rating"].tolist() == [5, 3, 4] and ds.n_items == 3


def test_lightgcn_train_txt_lists_each_users_items_on_one_line() -> None:
    """Gowalla, Yelp2018 and Amazon-Book as LightGCN ships them: 'user item item ...', lines of any length."""
    ds = recengine.read_dataset(upload("train.txt", "0 72 8 32\n1 63 57\n2 48 26 12 62 3\n3\n"))
    assert (ds.n_users, ds.n_interactions) == (3, 10)
    assert sorted(ds.interactions.loc[ds.interactions["user_id"] == "1", "item_id"]) == ["57", "63"]
    assert any("a user followed by their items" in w for w in ds.warnings)
    # a table short of a field is no such list, and an empty first field is a table's
    with pytest.raises(DataError, match="line 1 holds 3, line 2 2"):
        recengine.read_dataset(upload("ratings.txt", "1 10 4\n2 10\n3 11 5\n"))
    with pytest.raises(DataError, match="line 2"):
        recengine.read_dataset(upload("r.txt", "0 72 8 32\n\t63 57\n2 48 26 12 62 3\n"))


def test_citeulike_users_dat_counts_each_lines_items_and_the_line_is_the_user() -> None:
    """CiteULike-a's users.dat: 'count item item ...', the user is the line (numbered from 0), not the count."""
    ds = recengine.read_dataset(upload("users.dat", "3 12 55 78\n2 5 12\n4 1 2 3 55\n1 78\n3 5 55 90\n"))
    assert (ds.n_users, ds.n_interactions) == (5, 13)
    by_user = ds.interactions.groupby("user_id")["item_id"].apply(sorted).to_dict()
    assert by_user["0"] == ["12", "55", "78"] and by_user["3"] == ["78"] and by_user["4"] == ["5", "55", "90"]
    assert any("each line is a user, numbered from 0" in w for w in ds.warnings)


def test_taobao_user_behavior_reads_its_kinds_of_event_and_no_category_as_a_rating() -> None:
    """Taobao's UserBehavior.csv: user, item, category id, pv/buy/cart/fav, unix time; no header."""
    rows = "".join(f"{u},{2268318 + i},{[2520377, 4690421, 149192][i % 3]},{['pv', 'pv', 'pv', 'buy', 'cart', 'fav'][i % 6]},"
                   f"{1511544070 + 60 * i}\n" for i, u in enumerate([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]))
    ds = recengine.read_dataset(upload("UserBehavior.csv", rows))
    assert ds.options["columns"]["rating"] is None and ds.options["event_column"] == "column 4"
    assert any("holds 4 kinds of event" in w for w in ds.warnings)
    bought = recengine.read_dataset(upload("UserBehavior.csv", rows), events=["buy"])
    assert bought.n_interactions == 2


def test_amazon_m2_sessions_are_rows_of_printed_arrays_and_products_come_once_per_locale() -> None:
    """Amazon-M2 (KDD Cup 2023): a session a row, prev_items printed by numpy, next_item, no user column; products
    keyed by id and written once per locale, in its language."""
    sessions = ("prev_items,next_item,locale\n['B09W9FND7K' 'B09JSPLN1M'],B09M7GY217,DE\n"
                "['B076THCGSG' 'B007MO8IME' 'B08MF65MLV'],B001B4THSA,DE\n['B09W9FND7K' 'B09M7GY217'],B09JSPLN1M,UK\n")
    products = ("id,locale,title,brand\nB09W9FND7K,UK,USB-C to Lightning Cable,Apple\n"
                "B09W9FND7K,DE,USB-C auf Lightning Kabel,Apple\nB09JSPLN1M,DE,USB Ladegerät,Anker\n"
                "B09M7GY217,DE,Galaxy Hülle,Samsung\nB09M7GY217,UK,Galaxy Case,Samsung\nB076THCGSG,DE,Technic Bagger,LEGO\n"
                "B007MO8IME,DE,Feuerwehr,Playmobil\nB08MF65MLV,DE,Puzzle 1000,Ravensburger\n"
                "B001B4THSA,DE,Kugelbahn,Haba\nB09JSPLN1M,UK,USB Charger,Anker\n")
    ds = recengine.read_dataset(upload("sessions_train.csv", sessions), upload("products_train.csv", products))
    assert (ds.n_users, ds.n_items, ds.n_interactions) == (3, 7, 10)
    by_user = ds.interactions.groupby("user_id", sort=False)["item_id"].apply(list).to_dict()
    assert by_user["row 2"] == ["B09W9FND7K", "B09JSPLN1M", "B09M7GY217"]  # the next item after the history
    assert by_user["row 3"][-1] == "B001B4THSA"
    assert [ds.title(i) for i in ("B09W9FND7K", "B09M7GY217", "B09JSPLN1M")] == [
        "USB-C auf Lightning Kabel", "Galaxy Hülle", "USB Ladegerät"]  # one language: the commonest locale, DE
    said = " ".join(ds.warnings)
    assert "each row stands for a user (a session)" in said and "'next_item' holds one of those items a row" in said
    assert "3 item(s) appear once per 'locale' (rows: DE 7, UK 3)" in said
    again = recengine.read_dataset(upload("sessions_train.csv", sessions), columns={"user": ds.options["columns"]["user"]})
    assert again.options["columns"]["user"] == "row" and again.n_interactions == ds.n_interactions  # as its options say
    with pytest.raises(DataError, match="appears at lines .* with different 'title'"):  # twice in one locale
        recengine.read_dataset(upload("sessions_train.csv", sessions),
                               upload("products_train.csv", products.replace("B09W9FND7K,DE,", "B09W9FND7K,UK,")))


def test_an_impression_log_counts_only_the_rows_labelled_1() -> None:
    """KuaiRand's log: every video shown, is_click 1 or 0 (and is_like beside it); a CTR log's label."""
    log = ("user_id,video_id,time_ms,is_click,is_like,play_time_ms\n"
           "0,2,1649404800000,0,0,0\n0,3,1649404801000,1,0,5000\n0,4,1649404802000,1,1,9000\n"
           "1,2,1649494800000,1,0,2000\n1,3,1649494801000,0,0,0\n2,4,1649494802000,1,0,7000\n"
           "2,2,1649494803000,0,0,0\n1,2,1649494804000,0,0,0\n")
    ds = recengine.read_dataset(upload("log_standard.csv", log))
    pairs = set(zip(ds.interactions["user_id"], ds.interactions["item_id"]))
    assert pairs == {("0", "3"), ("0", "4"), ("1", "2"), ("2", "4")}  # user 1's click on 2 counts, shown again later
    assert ds.options["label_column"] == "is_click"  # a click before a like
    assert any("column 'is_click' labels each row 1" in w and "the 4 labelled 0 were left out" in w for w in ds.warnings)
    assert recengine.read_dataset(upload("log.csv", log), columns={"label": None}).n_interactions == 7  # pairs
    liked = recengine.read_dataset(upload("log.csv", log), columns={"label": "is_like"})
    assert set(zip(liked.interactions["user_id"], liked.interactions["item_id"])) == {("0", "4")}
    with pytest.raises(DataError, match=r"column 'is_click' \(label\) must hold 1 .* 'maybe' at line 3") as err:
        more = "".join(f"3,{v},1649494805000,{v % 2},0,0\n" for v in range(5, 10))  # one value in 13 is no 0 or 1
        recengine.read_dataset(upload("log.csv", log.replace("0,3,1649404801000,1,", "0,3,1649404801000,maybe,") + more))
    assert "--label-col none" in str(err.value)
    # a column named like a label that is no 0/1 column is no label; nor is one that is 1 in every row
    counts = recengine.read_dataset(upload("c.csv", "user,item,clicks\na,x,3\nb,x,0\nb,y,1\n"))
    assert counts.options["label_column"] is None and counts.n_interactions == 3
    assert recengine.read_dataset(upload("t.csv", "user,item,target\na,x,1\nb,y,1\n")).n_interactions == 2


SNAP_FINE_FOODS = """product/productId: B001E4KFG0
review/userId: A3SGXH7AUHU8GW
review/profileName: delmartian
review/helpfulness: 1/1
review/score: 5.0
review/time: 1303862400
review/summary: Good Quality Dog Food
review/text: I have bought several of the Vitality canned dog food products.

product/productId: B00813GRG4
review/userId: A1D87F6ZCVE5NK
review/profileName: dll pa
review/helpfulness: 0/0
review/score: 1.0
review/time: 1346976000
review/summary: Not as Advertised
review/text: Product arrived labeled as Jumbo Salted Peanuts...
the peanuts were actually small sized unsalted.
product/productId: B001E4KFG0
review/userId: A1D87F6ZCVE5NK
review/profileName: dll pa
review/helpfulness: 0/0
review/score: 4.0
review/time: 1346976100
review/summary: Fine
review/text:
"""


def test_snap_review_dumps_are_records_of_key_value_lines() -> None:
    """SNAP's Amazon Fine Foods (and Amazon 2013, BeerAdvocate, RateBeer): one 'key: value' field a line, records apart
    by a blank line (or by a key that comes again), a value that runs on to the next line."""
    ds = recengine.read_dataset(upload("finefoods.txt", SNAP_FINE_FOODS))
    assert ds.options["columns"] == {"user": "review.userId", "item": "product.productId", "rating": "review.score",
                                     "timestamp": "review.time"}
    assert (ds.n_users, ds.n_items, ds.n_interactions) == (2, 2, 3)
    assert any("written one field a line, as 'key: value'" in w and "3 rows" in w for w in ds.warnings)
    bad = SNAP_FINE_FOODS.replace("review/score: 4.0", "review/score: lots")
    with pytest.raises(DataError, match="review.score.*line 19"):  # a message names the record by its first line
        recengine.read_dataset(upload("finefoods.txt", bad))
    beer = "".join(f"beer/name: {name}\nbeer/beerId: {bid}\nbeer/style: {style}\nreview/overall: {score}\n"
                   f"review/time: {1234817823 + i}\nreview/profileName: {who}\n\n"
                   for i, (name, bid, style, score, who) in enumerate([
                       ("Sausa Weizen", 47986, "Hefeweizen", 1.5, "stcules"), ("Red Moon", 48213, "Strong Ale", 3, "stcules"),
                       ("Sausa Weizen", 47986, "Hefeweizen", 4, "johnmichaelsen")]))
    ds = recengine.read_dataset(upload("beeradvocate.txt", beer))
    assert ds.options["columns"]["user"] == "review.profileName" and ds.options["columns"]["item"] == "beer.beerId"
    assert ds.title("47986") == "Sausa Weizen" and ds.texts[1] == "Name: Red Moon. Style: Strong Ale."
    # MovieLens 1M's "::" fields are no key-value lines
    ml = recengine.read_dataset(upload("ratings.dat", "u1::i1::5::978300760\nu1::i2::3::978300761\nu2::i1::4::978300762\n"))
    assert ml.n_interactions == 3 and ml.has_ratings
