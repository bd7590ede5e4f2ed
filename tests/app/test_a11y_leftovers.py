"""What an accessibility audit (WCAG 2.1 AA, Chromium at 1280x720, 1920x1080 and 200 % zoom) left, measured in a real
browser: a suggestion's like and dislike stay one pair, the wide tables fit a 1280 px window, and a slider is named
once. The app and Chromium are those of ``test_browser.py`` (its ``server`` fixture, on the test session's home).
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.app.test_browser import CHROMIUM_FLAGS, browser_binary, server, settle  # noqa: F401 - fixtures

browser_test = [pytest.mark.browser, pytest.mark.slow]
RECOMMEND = "/Recommend?data=sample%3Amovielens-100k&mode=user&user=196"


@pytest.fixture(scope="module")
def chromium(server: str, browser_binary: str):  # noqa: F811 - the imported fixtures
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_binary, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _open(chromium, server: str, path: str, width: int, height: int, zoom: int = 1):  # noqa: F811
    """A new tab on ``path``; ``zoom`` 2 is a window of ``width`` at 200 %: half as many CSS pixels, each twice as big."""
    context = chromium.new_context(viewport={"width": width // zoom, "height": height // zoom}, device_scale_factor=zoom)
    pg = context.new_page()
    pg.set_default_timeout(240_000)
    pg.goto(server + path)
    settle(pg)
    return context, pg


VOTES = """() => [...document.querySelectorAll('[class*="st-key-card_"][data-testid=stVerticalBlock]')]
    .filter(card => card.querySelector("[class*='st-key-like_'] button") && card.querySelector("[class*='st-key-dislike_'] button")
                    && card.querySelector('.rec-title')).map(card => {  /* a card still being drawn is left out */
    const box = sel => card.querySelector(sel).getBoundingClientRect();
    const up = box("[class*='st-key-like_'] button"), down = box("[class*='st-key-dislike_'] button");
    const title = box('.rec-title');
    return {gap: down.left - up.right, dy: Math.abs(down.top - up.top), upBottom: up.bottom, downTop: down.top,
            titleTop: title.top, titleBottom: title.bottom, upTop: up.top, width: up.width, height: up.height};})"""


@pytest.mark.parametrize("size", [(1280, 720, 2), (1920, 1080, 1)], ids=["1280-at-200pc", "1920"])
@pytest.mark.browser
@pytest.mark.slow
def test_like_and_dislike_are_one_pair_beside_the_title_at_every_width(chromium, server, size):  # noqa: F811
    """At 200 % zoom the three columns wrapped: the title above, like and dislike 250 px apart under it (78 px apart
    at 1920). Now the two buttons sit side by side, in the title's row, at every width, and stay large enough to
    read on a projector."""
    width, height, zoom = size
    context, pg = _open(chromium, server, RECOMMEND, width, height, zoom)
    try:
        pg.locator(".rec-reason").first.wait_for()
        settle(pg)
        cards = pg.evaluate(VOTES)
        assert len(cards) >= 3
        for c in cards:
            assert 0 <= c["gap"] <= 24 and c["dy"] <= 2, c  # adjacent, same row
            assert c["upTop"] < c["titleBottom"] and c["titleTop"] < c["upTop"] + c["height"], c  # in the title's row
            assert c["width"] >= 40 and c["height"] >= 40, c
    finally:
        context.close()


def _slider_names(context, pg) -> list[str]:
    cdp = context.new_cdp_session(pg)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    return [n.get("name", {}).get("value") for n in nodes
            if n.get("role", {}).get("value") == "slider" and not n.get("ignored")]


@pytest.mark.browser
@pytest.mark.slow
def test_a_slider_is_named_once_for_a_screen_reader(chromium, server):  # noqa: F811
    """Streamlit's slider named its thumb by its own aria-label and by its group's: "Diversity Diversity"."""
    context, pg = _open(chromium, server, RECOMMEND, 1280, 720)
    try:
        pg.locator('[data-testid=stSlider] input[type=range]').nth(1).wait_for()
        for _ in range(50):  # the names are mended once the page's script has run
            if _slider_names(context, pg) == ["Diversity", "Novelty"]:
                break
            pg.wait_for_timeout(100)
        assert _slider_names(context, pg) == ["Diversity", "Novelty"]
        thumb = pg.locator('[data-testid=stSlider] input[type=range]').first
        thumb.focus()
        pg.keyboard.press("ArrowRight")  # a rerun redraws the sliders: still one name each, and the value is read
        settle(pg)
        assert _slider_names(context, pg) == ["Diversity", "Novelty"]
        assert thumb.get_attribute("aria-valuetext") == "0.05"
    finally:
        context.close()


TABLES = """() => [...document.querySelectorAll('[data-testid=stDataFrame]')].filter(d => d.offsetParent).map(d => {
    const s = d.querySelector('.dvn-scroller');
    return {scrollWidth: s.scrollWidth, clientWidth: s.clientWidth};})"""


def _fit(pg) -> list[dict]:
    assert pg.locator('[data-testid="stSidebar"][data-collapsed="false"]').count() == 1  # the narrowest case
    return pg.evaluate(TABLES)


@pytest.mark.browser
@pytest.mark.slow
def test_the_items_preview_fits_a_1280_px_window(chromium, server):  # noqa: F811
    """Five columns (id, title, text, year, genres) scrolled sideways at 1280 px with the sidebar open; now the id,
    title and text fit, and the other columns are named under the table and kept in its CSV."""
    context, pg = _open(chromium, server, "/Data?data=sample%3Amovielens-100k", 1280, 720)
    try:
        pg.locator('[data-testid=stDataFrame]').first.wait_for()
        items = _fit(pg)
        assert len(items) == 1 and items[0]["scrollWidth"] <= items[0]["clientWidth"] + 1, items
        assert "Also in the items file, and in this table's CSV: year, genres." in pg.locator("[data-testid=stMain]").inner_text()
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_the_evaluation_tables_fit_a_1280_px_window(chromium, server):  # noqa: F811
    """The results (fourteen columns) and the run history scrolled sideways inside themselves at 1280 px with the
    sidebar open; now each fits, and the CSV still holds every column."""
    context, pg = _open(chromium, server, "/Data?data=sample%3Amovielens-100k", 1280, 720)
    try:
        pg.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]').filter(has_text="Evaluate").first.click()
        settle(pg)
        models = pg.locator('[data-testid=stMultiSelect] input[role=combobox]').nth(1)
        models.click()
        for _ in range(3):  # hybrid, content and ease off: two quick models make the same two tables
            models.press("Backspace")
        pg.keyboard.press("Escape")
        pg.get_by_role("button", name="Run evaluation").click()
        settle(pg)
        pg.locator('[data-testid=stDataFrame]').first.wait_for()
        pg.get_by_text("Run history").click()
        pg.wait_for_timeout(500)
        tables = _fit(pg)
        assert all(t["scrollWidth"] <= t["clientWidth"] + 1 for t in tables), tables
        assert len(tables) == 3, tables  # accuracy, beyond accuracy, the run history
    finally:
        context.close()


def test_an_evaluation_is_shown_as_two_tables_that_keep_every_column():
    """Split for the screen only: every measured column is on one of the two tables or said in the notes."""
    from ui.downloads import results_parts

    frame = pd.DataFrame({
        "protocol": ["warm", "few-shot"], "model": ["ease", "ease"], "shots": [None, 3.0],
        **{f"{m}@10": [0.2, 0.1] for m in ("recall", "ndcg", "hit", "mrr", "map")},
        "coverage": [0.2, 0.1], "diversity": [0.5, 0.4], "novelty": [2.0, 2.1], "popularity_bias": [0.3, 0.2],
        "fit_seconds": [3.0, 3.0], "n_users": [943, 900], "note": ["", "a sample"],
    })
    parts, text = results_parts(frame)
    assert [label for label, _ in parts] == ["Accuracy", "Beyond accuracy"]
    assert all(cols[:3] == ["protocol", "model", "shots"] for _, cols in parts)
    shown = {c for _, cols in parts for c in cols} | set(text)
    assert shown == set(frame.columns) and text == ["note"]
    assert all(len(cols) <= 9 for _, cols in parts)  # fourteen in one table scrolled at 1280 px


CAPTIONS = """() => [...document.querySelectorAll('[data-testid=stCaptionContainer]')].filter(c => c.innerText.trim())
    .map(c => { const s = getComputedStyle(c); return {px: parseFloat(s.fontSize), color: s.color, opacity: s.opacity,
                                                         text: c.innerText.slice(0, 40)}; })"""


def _contrast_on_white(color: str) -> float:
    """WCAG contrast of an ``rgb(...)`` / ``rgba(...)`` colour drawn on white (alpha blended)."""
    parts = [float(v) for v in color[color.index("(") + 1 : color.index(")")].split(",")]
    r, g, b = parts[:3]
    a = parts[3] if len(parts) > 3 else 1.0
    channels = [(a * c + (1 - a) * 255) / 255 for c in (r, g, b)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 1.05 / (lum + 0.05)


@browser_test[0]
@browser_test[1]
def test_captions_read_at_the_back_of_a_room(chromium, server):  # noqa: F811
    """Captions were Streamlit's 14 px in a grey at 60 % opacity (about 4.6:1): every caption on the Recommend page at
    1920 px is now at least 15 px and 7:1 against the white page."""
    context, pg = _open(chromium, server, RECOMMEND, 1920, 1080)
    try:
        pg.locator(".rec-reason").first.wait_for()
        settle(pg)
        captions = pg.evaluate(CAPTIONS)
        assert captions, "the Recommend page shows captions"
        small = [c for c in captions if c["px"] < 15]
        faint = [c for c in captions if _contrast_on_white(c["color"]) < 7 or float(c["opacity"]) < 1]
        assert not small and not faint, (small or faint)[:3]
    finally:
        context.close()
