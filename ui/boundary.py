"""The page frame: page config, theme CSS, the sidebar status and the error boundary every page runs inside."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from recengine.display import one_line
from recengine.errors import RecengineError, said_for

LOG = logging.getLogger("recengine.app")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$])")
_WEB = re.compile(r"(:(?=//)|\bwww(?=\.))", re.IGNORECASE)

CSS = """
<style>
  .block-container {padding-top: 2.2rem; max-width: 1600px;}
  h1 {font-size: 2.3rem !important;}
  [data-testid="stMetricValue"] {font-size: 2.0rem;}
  .rec-card {border: 1px solid #E5E7EB; border-radius: 12px; padding: 0.7rem 1rem; margin-bottom: 0.4rem;
             background: #FFFFFF; box-shadow: 0 1px 2px rgba(17,24,39,.06);}
  .rec-rank {color: #4F46E5; font-weight: 700; font-size: 1.3rem; margin-right: .4rem;}
  .rec-title {font-weight: 650; font-size: 1.2rem;}
  .rec-score {color: #6B7280; float: right; font-variant-numeric: tabular-nums;}
  .rec-reason {color: #374151; margin-top: .25rem;}
  .rec-lowered {color: #B45309; font-weight: 550;}
  /* Multiselect chips wrap onto more lines: on one line the control scrolls and shows only the last chip. */
  div:has(> [data-testid="stMultiSelectTagsContainer"]) {height: auto; max-height: none;}
  [data-testid="stMultiSelectTagsContainer"] {flex-wrap: wrap; overflow: visible; flex: 1 1 0%; min-width: 0;}
  [data-testid="stMultiSelectTagsContainer"] [data-tag] {max-width: 100%;}
  /* A projector (1024 px, the sidebar open) leaves about 700 px: side-by-side charts clipped their labels, six
     counts showed "3,1…", four selectboxes "(auto-det". Below 1200 px a row wraps: a chart takes the whole width,
     counts go three to a row, selectboxes two. Wide screens keep their columns. */
  @media (max-width: 1200px) {
    [data-testid="stHorizontalBlock"] {flex-wrap: wrap; row-gap: .5rem;}
    /* ...except a suggestion's title row: its like and dislike stay one pair beside the title (pages/4_Recommend.py) */
    [data-testid="stHorizontalBlock"]:is([class*="st-key-rec_head_"], [class*="st-key-rec_vote_"]) {flex-wrap: nowrap;}
    [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:has([data-testid="stSelectbox"]) {min-width: calc(50% - 1rem);}
    [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:has([data-testid="stMetric"]) {min-width: calc(33% - 1rem);}
    [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:has([data-testid="stPlotlyChart"]) {min-width: 100%;}
    /* a button keeps its whole label ("Comput…", "Rese…"); a multiselect's chips take the whole row */
    [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:has([data-testid="stMultiSelect"]) {min-width: 100%;}
    [data-testid="stColumn"] .stButton button {min-width: max-content;}
    /* a column that holds a button and nothing laid out in columns is as wide as the button: at 150 % zoom
       "Reset feedback" ran past the window's edge, and the page scrolled sideways */
    [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:has(.stButton):not(:has([data-testid="stHorizontalBlock"])) {
      min-width: max-content;}
  }
  /* A suggestion's two SHAP charts side by side had half a card each: at 1280 px the history's labels left its
     bars 50 px and cut its subtitle. Up to 1500 px they stack, each the card's width. */
  @media (max-width: 1500px) {
    [class*="st-key-why_charts_"] [data-testid="stHorizontalBlock"] {flex-wrap: wrap; row-gap: .5rem;}
    [class*="st-key-why_charts_"] [data-testid="stColumn"] {min-width: 100%;}
  }
  /* An example in an empty box is grey and slanted: near-black, it read as text already typed. */
  input::placeholder, textarea::placeholder {color: #646B78 !important; opacity: 1 !important; font-style: italic;}
  /* A like / dislike button shows its icon; its label, which names the item, is for screen readers only. */
  [class*="st-key-like_"] button [data-testid="stMarkdownContainer"],
  [class*="st-key-dislike_"] button [data-testid="stMarkdownContainer"] {
    position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap;}
  .pill {display: inline-block; padding: 0 .55rem; border-radius: 999px; font-size: .85rem; color: white;
         margin-right: .3rem;}
  /* Keyboard focus must show: the sidebar's links and a radio's options took a background 1.1:1 against the page
     (no visible change), so a presenter tabbing through could not see where they were. */
  [data-testid="stSidebarNavLink"]:focus-visible, [data-testid="stPageLink-NavLink"]:focus-visible,
  [data-testid="stRadio"] label:has(input:focus-visible) {outline: 3px solid #4F46E5; outline-offset: 2px;
    border-radius: 6px;}
  /* The page on screen: its sidebar link is not followed (ui.state.navigation); drawn as where you are, not greyed
     out as Streamlit draws a disabled link. */
  [data-testid="stSidebar"] [data-testid="stPageLink-NavLink"][disabled] {background: #E0E7FF; border-radius: 6px;
    cursor: default;}
  [data-testid="stSidebar"] [data-testid="stPageLink-NavLink"][disabled] span {color: #111827 !important;
    font-weight: 600;}
  /* Sections are h2 (the page title is h1; a screen reader's list of headings skipped a level), drawn at the
     size Streamlit gives a subheader. */
  h2 {font-size: 1.55rem !important;}
  /* Captions (what a chart shows, how a figure was measured) were 14 px in grey at 60 % opacity: at the back of a
     room on a projector they did not read. 15.2 px, and a grey at 7.6:1 on white. */
  [data-testid="stCaptionContainer"] {font-size: .95rem !important; color: #4B5563 !important; opacity: 1 !important;}
  /* Inline code read at 12.75 px in captions and help: too small for the back of a room. */
  code {font-size: .95em !important;}
  [data-testid="stCaptionContainer"] code {font-size: 1em !important;}
  /* Read by a screen reader, not drawn: a card's "Rank 3:", the list's update announcement. */
  .sr-only {position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap;}
  /* The element that moves the keyboard focus after a rerun takes no room. */
  [class*="st-key-focus_mover"], .st-key-a11y_fixes {display: none;}
  /* The list's announcement is out of the layout (no gap where it sits) yet read: a hidden one would not be. */
  .st-key-announcer {position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);}
</style>
"""


# Streamlit's slider (React Aria) labels its thumb twice: aria-label "Diversity" on the input, and aria-labelledby
# naming the input itself and then its group, whose aria-label is "Diversity" too; so a screen reader says
# "Diversity Diversity, slider". The visible label is aria-hidden already, so neither label_visibility nor a caption
# changes what is read. This drops the input's own id from its aria-labelledby (the group's name stays: "Diversity"),
# for every slider and select_slider of every page, also those drawn after a rerun (a MutationObserver); installed
# once per browser tab. Nothing changes on screen. No "<" before a letter in the script: the sanitizer drops it.
SLIDER_NAMES = """(function(){
  if (window.recengineSliderNames) return;
  window.recengineSliderNames = true;
  const once = () => document.querySelectorAll('[data-testid=stSlider] input[type=range][aria-labelledby]').forEach(el => {
    const ids = el.getAttribute('aria-labelledby').split(/\\s+/).filter(Boolean);
    if (!el.id || !ids.includes(el.id)) return;
    const rest = ids.filter(id => id !== el.id);
    if (rest.length) { el.setAttribute('aria-labelledby', rest.join(' ')); } else { el.removeAttribute('aria-labelledby'); }
  });
  once();
  new MutationObserver(once).observe(document.body, {childList: true, subtree: true, attributes: true,
                                                     attributeFilter: ['aria-labelledby']});
})();"""


def escape(text: object) -> str:
    r"""Text from a user or a file, made safe to show inside Streamlit markdown (no links, HTML or formatting).

    Examples
    --------
    >>> print(escape("<b>*bold*</b>"))
    \<b\>\*bold\*\</b\>
    >>> escape("(http://x)") == "\\(http:\u2060//x\\)"
    True
    """
    # a web address is cut by an invisible word joiner: the autolinker would take it, and the backslash after it,
    # as a live link ending in a stray backslash, as in "(http://x\)"
    return _MD_SPECIAL.sub(r"\\\1", _WEB.sub("\\1\u2060", str(text)))


def for_app(message: str) -> str:
    """An engine message as the app should say it: where it names a step three ways (Python, the app, the command
    line), only the app's way is left ("map it with Column mapping", not "columns={'user': ...}").

    >>> for_app("Say which with columns={'user': 'a'} (in the app: Column mapping; in the CLI: --user-col).")
    'Say which with Column mapping.'
    >>> for_app("keep ratings of 1 and more (min_rating=1; in the CLI: --min-rating 1; in the app: Minimum rating).")
    'keep ratings of 1 and more (Minimum rating).'
    >>> for_app("read none (columns={'rating': None}; in the app: Column mapping, Rating / weight: (none)).")
    'read none (Column mapping, Rating / weight: (none)).'
    >>> for_app("Choose a lower minimum rating.")  # one way only: as it is
    'Choose a lower minimum rating.'
    """
    return said_for(message, "app")


def escape_html(text: object) -> str:
    r"""Text from a user or a file, made safe to place inside the HTML of a card.

    Line breaks become spaces: a blank line would end the HTML block, and markdown would then render the
    rest (links, bold) as live formatting.

    >>> escape_html("Shoe\n\n**FREE** <img>")
    'Shoe **FREE** &lt;img&gt;'
    """
    import html

    return html.escape(" ".join(str(text).split()), quote=True)


def clip(text: str, limit: int, what: str) -> str:
    """``text`` cut at a word to ``limit`` characters, with a caption that says so.

    A box's own ``max_chars`` made the browser drop a longer paste whole: the box stayed empty and nothing
    said why. Boxes take any length, and the page cuts what it uses.
    """
    if len(text) <= limit:
        return text
    from recengine.data.load import cut_at_word

    st.caption(f"{what} was cut to its first {limit:,} characters (it had {len(text):,}).")
    return cut_at_word(text, limit)


def short_title(text: object, width: int = 90) -> str:
    """A title cut to ``width`` characters for a card (the full one goes in its tooltip).

    >>> short_title("x" * 100, 10)
    'xxxxxxxxx…'
    """
    return one_line(text, width)


def where_raised(exc: BaseException) -> str:
    """Where ``exc`` was raised, as a bug report needs it and with no path of the server's disk: the project's own
    frames from ``recengine/``, ``ui/`` or ``pages/`` (a library's frame by its file name alone), innermost last.

    >>> try:
    ...     int("x")
    ... except ValueError as e:
    ...     where_raised(e).endswith(":2 in <module>")
    True
    """
    lines = []
    for frame in traceback.extract_tb(exc.__traceback__)[-6:]:
        parts = Path(frame.filename).parts
        ours = [i for i, p in enumerate(parts) if p in ("recengine", "ui", "pages")]
        name = "/".join(parts[ours[-1]:] if ours else parts[-1:])
        lines.append(f"{name}:{frame.lineno} in {frame.name}")
    return "\n".join(lines)


def show_error(exc: BaseException, doing: str | None = None) -> None:
    """A friendly message for ``exc``. For anything unexpected, a details expander says where it was raised (no
    traceback and no server paths on the page); the whole traceback goes to the server's log."""
    if isinstance(exc, RecengineError):
        st.error(escape(for_app(str(exc))), icon=":material/warning:")
        return
    what = f" while {doing}" if doing else ""
    st.error(
        f"Something went wrong{what}. The rest of the app still works: try again, or choose other settings. "
        f"({escape(type(exc).__name__)}: {escape(str(exc))[:300]})",
        icon=":material/error:",
    )
    LOG.error("recengine app: error%s", what, exc_info=exc)
    with st.expander("Details (for a bug report)"):
        st.code(f"{type(exc).__name__}: {str(exc)[:300]}\n{where_raised(exc)}\n(the full traceback is in the "
                "server's log)", language="text")


@contextmanager
def guard(doing: str | None = None) -> Iterator[None]:
    """Run a block; an exception inside it becomes :func:`show_error` and the rest of the page goes on.

    ``st.stop()`` and ``st.rerun()`` pass through (they are not ``Exception`` subclasses).
    """
    try:
        yield
    except Exception as exc:
        show_error(exc, doing)


@contextmanager
def page(title: str, icon: str, intro: str | None = None) -> Iterator[None]:
    """The frame of one page: wide layout, CSS, title, sidebar status, and the error boundary around its body.

    ``icon`` is a Material Symbols name (drawn from Streamlit's bundled font, so it renders offline everywhere).

    Examples
    --------
    >>> with page("Data", "table_view"):  # doctest: +SKIP
    ...     st.write("the page body")
    """
    st.set_page_config(page_title=f"{title} · recengine", page_icon=f":material/{icon}:", layout="wide")
    st.markdown(CSS, unsafe_allow_html=True)
    from ui.engine import warm_up

    warm_up()  # once per server: shap is imported while the visitor reads the first page
    with st.container(key="a11y_fixes"):  # hidden by CSS: no gap where it sits
        st.html(f"<script>{SLIDER_NAMES}</script>", unsafe_allow_javascript=True)
    # the icon by the title's side, not inside it: a screen reader read it out ("recommend icon Recommend"); no
    # anchor link, which added a Tab stop named "Link to heading" before anything else on the page
    st.title(title, anchor=False, icon=f":material/{icon}:")
    if intro:
        st.caption(intro)
    from ui.state import keep_widget_values, sidebar_status

    try:
        keep_widget_values()
        sidebar_status()
        yield
    except Exception as exc:
        show_error(exc, f"showing the {title} page")


def move_focus(selector: str) -> None:
    """Once this run has drawn, put the keyboard focus on the first element that the CSS ``selector`` finds (it
    waits up to two seconds for the element to appear).

    A button or an expander that reruns the page left the focus on the page's body: a keyboard user's next Tab
    started again from the top (after a like, it landed on the fifth card). Call this at the end of the run that
    follows the action, with the element the user would act on next. Each call draws anew, so the script runs
    once per call.
    """
    import json

    count = st.session_state["_focus_moves"] = st.session_state.get("_focus_moves", 0) + 1
    script = ("(function(){let tries=0;const go=()=>{const el=document.querySelector(" + json.dumps(selector) + ");"
              "if(el){el.focus();}else if(40>tries++){setTimeout(go,50);}};go();})();")
    # no "<" before a letter or digit in the script: the sanitizer drops a script whose text looks like markup
    with st.container(key=f"focus_mover_{count % 2}"):  # hidden by CSS; the key alternates so the element is new
        st.html(f"<script data-move='{count}'>{script}</script>", unsafe_allow_javascript=True)


def announce(text: str) -> None:
    """A polite live region: a screen reader reads ``text`` when it changes (a list re-ranked after a like), and
    nothing is drawn. ``text`` is escaped."""
    with st.container(key="announcer"):
        st.html(f"<div role='status' aria-live='polite'>{escape_html(text)}</div>")
