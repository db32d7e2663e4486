"""What every page shares: the context, who is signed in, language, and user errors.

The `Context` is cached for the life of the server; its database holds a path, never a connection.
Every read or write opens the file for just that unit of work, so the scheduler and the command
line can write while coaches browse. Pages call the use cases in `tracking.usecases` with
`context()` and `actor()`; they never open the database themselves.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

import streamlit as st

from tracking.clock import utcnow
from tracking.context import Actor, Context, open_context
from tracking.errors import (
    AlreadyExists,
    DatabaseBusy,
    DatabaseError,
    InvalidValue,
    InvalidValues,
    KoersError,
    NotFound,
    SettingsError,
)
from tracking.i18n import TEXTS, formats, t, t_count
from tracking.i18n.widgets import plotly_words
from tracking.instrument import Instrument
from tracking.models import Coach, Viewer
from tracking.settings import Settings, load_settings
from tracking.usecases import coaches, refusals

LOG = logging.getLogger("koers.dashboard")
SESSION_COACH = "coach_id"
SESSION_GENERATION = "coach_generation"  # the coach's sign-in generation when this session signed in
SESSION_LAST_ACTIVE = "last_active"
SESSION_LANG = "lang"
SESSION_NOTICE = "notice"
SESSION_LINK = "personal_link"  # (purpose, token) of the personal link this session opened
LINK_PARAMETERS = {"t": "checkin", "pause": "pause"}  # query parameter -> purpose (tracking.links)
LINK_OPENED = "opened"  # left in the address instead of the token: this tab was opened with a personal link


@st.cache_resource(show_spinner=False)
def _context() -> Context:
    return open_context(load_settings())


def context() -> Context:
    return _context()


def settings() -> Settings:
    return _context().settings


def instrument() -> Instrument:
    return _context().instrument


def now() -> datetime:
    return utcnow()


def start() -> Settings:
    """Refuse to serve anything with settings, instrument or database that cannot work."""
    try:
        loaded = context().settings
        loaded.require_secret_key()
    except DatabaseError as problem:  # an address or a path, and a server's words: for the operator's log
        LOG.error("Koers cannot start: %s", problem)
        show_plain(tr("error.database"), "error")
        st.stop()
    except (SettingsError, KoersError) as problem:  # names a setting or a file, never a secret
        show_plain(tr("error.cannot_start", detail=str(problem)), "error")
        st.stop()
    refusals.flush(context(), now())  # the refusals counted in the last minute, if any
    return loaded


def lang() -> str:
    return st.session_state.get(SESSION_LANG, "nl")


def set_lang(value: str) -> None:
    st.session_state[SESSION_LANG] = value


def tr(key: str, **values) -> str:
    """The text `key` in the language of this session."""
    return t(key, lang(), **values)


def when(moment, tz: str | None = None, with_time: bool = True) -> str:
    """A moment as this session's language writes it, in the given time zone: 'ma 30 nov 2026, 09:00'
    (without the time: 'ma 30 nov 2026')."""
    return formats.moment(moment, lang(), tz) if with_time else formats.weekday_day(moment, lang(), tz)


def number(value: float | int, decimals: int = 1) -> str:
    """A number as this session's language writes it: 42,5 / 42.5."""
    return formats.number(value, lang(), decimals)


def count(n: int) -> str:
    """A whole number with this session's language's digit grouping: 1.250 / 1,250."""
    return formats.count(n, lang())


def weekday_label() -> Callable[[object], str]:
    """A widget's format_func for weekday numbers (0 = Monday), in this session's language."""
    language = lang()
    return lambda day: formats.weekday_name(int(str(day)), language)


def chart_config(**base) -> dict:
    """Plotly's config for a chart on a page: month ticks, numbers and Plotly's own button labels in this
    session's language."""
    config = formats.plotly_config(lang(), {"displaylogo": False, **base})
    for entry in config["locales"].values():
        entry["dictionary"] = dict(plotly_words(lang()))
    return config


def tr_count(key: str, n: int, **values) -> str:
    """The text `key` about `n` things, singular when n is 1."""
    return t_count(key, lang(), n, **values)


# How `show_plain` shows each kind of text: the element and its look (Streamlit's own, as constants).
_ALERT = "padding:1rem;border-radius:0.5rem;margin:0;white-space:pre-wrap;overflow-wrap:anywhere"
PLAIN_KINDS = {
    "title": ("h1", 'style="font-size:2.75rem;font-weight:700;line-height:1.2;margin:0;padding:1.25rem 0 1rem 0;'
                    'overflow-wrap:anywhere"'),
    "caption": ("p", 'style="font-size:0.875rem;color:rgba(49,51,63,0.6);margin:0;overflow-wrap:anywhere"'),
    "line": ("p", 'style="margin:0;overflow-wrap:anywhere"'),
    "info": ("div", f'role="status" style="{_ALERT};background:rgba(28,131,225,0.1);color:rgb(0,66,128)"'),
    "success": ("div", f'role="status" style="{_ALERT};background:rgba(33,195,84,0.1);color:rgb(23,114,51)"'),
    "warning": ("div", f'role="alert" style="{_ALERT};background:rgba(255,189,69,0.2);color:rgb(146,108,5)"'),
    "error": ("div", f'role="alert" style="{_ALERT};background:rgba(255,43,43,0.09);color:rgb(125,53,59)"'),
}


def plain_html(text: str | None, kind: str = "line", *, strong: str | None = None) -> str:
    """`text` as one HTML element of `kind` whose every character is text (`strong`: a bold lead-in)."""
    tag, attributes = PLAIN_KINDS[kind]
    lead = f"<strong>{html.escape(strong)}</strong> · " if strong else ""
    return f"<{tag} data-koers-text=\"{kind}\" {attributes}>{lead}{html.escape(text or '')}</{tag}>"


def show_plain(text: str | None, kind: str = "line", *, strong: str | None = None, container: Any = None) -> None:
    """Show text that holds anything from the data (a name, an email address, a typed value) exactly as
    it is. Streamlit's titles, captions and notices read Markdown, which no escaping makes inert:
    `www.example.org` and `a@b.nl` still become links, `:material/warning:` an icon, `:smile:` an
    emoji. So such text goes out as HTML-escaped text in an element of Koers' own (see `PLAIN_KINDS`),
    and never through Markdown."""
    (container or st).html(plain_html(text, kind, strong=strong))


def labels(prefix: str) -> Callable[[object], str]:
    """A widget's format_func for options labelled by the texts `prefix + option`. The language is
    fixed when the widget is made, because Streamlit may format options outside the script run."""
    language = lang()
    return lambda option: t(f"{prefix}{option}", language)


def record_look(what: str, subject: Hashable, record: Callable[[], None]) -> None:
    """Record in the audit log that this session looked at `what` (for `subject`: a client, a filter),
    once per session and subject; a page's reruns are the same look. A look the use case refused and
    recorded as refused counts as recorded; one the database was too busy to record is tried again."""
    seen = st.session_state.setdefault(f"looked.{what}", set())
    if subject in seen:
        return
    with user_errors():
        try:
            record()
        except NotFound:
            seen.add(subject)
            raise
    seen.add(subject)


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a problem the way a coach or client can act on it, never as a traceback."""
    try:
        yield
    except DatabaseBusy:
        st.warning(tr("error.busy"))
        st.stop()
    except NotFound:
        st.error(tr("error.not_found"))
        st.stop()
    except AlreadyExists:
        st.error(tr("error.already_exists"))
        st.stop()
    except InvalidValues as problems:
        for problem in problems.problems:
            show_invalid(problem)
        st.stop()
    except InvalidValue as problem:
        show_invalid(problem)
        st.stop()
    except DatabaseError as problem:  # the address, a path, a server's words: for the operator's log only
        LOG.error("%s", problem)
        show_plain(tr("error.database"), "error")
        st.stop()
    except KoersError as problem:
        show_plain(tr("error.general", detail=str(problem)), "error")
        st.stop()


def invalid_text(problem: InvalidValue) -> str:
    """A refused value in the reader's language when Koers has words for its field, else as raised
    (which may quote what was typed: show it with `show_plain`)."""
    key = f"invalid.{problem.field}" if problem.field else None
    return tr(key) if key in TEXTS else str(problem)


def show_invalid(problem: InvalidValue, container: Any = None) -> None:
    show_plain(invalid_text(problem), "error", container=container)


def personal_link() -> tuple[str, str] | None:
    """The personal link (purpose, token) this session opened, if any. The token is read from the
    address once and then kept in the session only: it is taken out of the address, so no later
    request carries it (in a Referer header, say) and it does not stay on the screen. In its place the
    address says only which kind of link it was (`LINK_OPENED`), so a reload can say what to do."""
    for parameter, purpose in LINK_PARAMETERS.items():
        if parameter in st.query_params:
            token = st.query_params.get(parameter) or ""
            del st.query_params[parameter]
            st.query_params[LINK_OPENED] = purpose
            st.session_state[SESSION_LINK] = (purpose, token)
            return purpose, token
    found = st.session_state.get(SESSION_LINK)
    return found if isinstance(found, tuple) else None


def session_minutes() -> int:
    return settings().session_minutes


def signed_in_coach() -> Coach | None:
    """The coach of this session, if signed in and active; ends a session idle for too long, and one
    that a password change, a reset or a deactivation has ended since it signed in."""
    coach_id = st.session_state.get(SESSION_COACH)
    if coach_id is None:
        from dashboard import oidc  # a cycle: the provider's sign-in uses this module's context and texts

        return oidc.signed_in_coach()
    last = st.session_state.get(SESSION_LAST_ACTIVE)
    current = now()
    if last is None or current - last > timedelta(minutes=session_minutes()):
        sign_out(tr("signin.expired"))
        return None
    with user_errors():  # a busy or unreadable database is said in words, and the page stops
        try:
            coach, generation = coaches.session_coach(context(), coach_id)
        except NotFound:
            sign_out(None)
            return None
    if not coach.active:
        sign_out(tr("signin.deactivated"))
        return None
    if st.session_state.get(SESSION_GENERATION) != generation:
        sign_out(tr("signin.ended"))
        return None
    st.session_state[SESSION_LAST_ACTIVE] = current
    return coach


# The coach `signed_in_coach` found at the start of this script run (the app checks before it runs a
# page): the page's `actor()` takes it instead of reading the account a second time in the same run.
_CHECKED_THIS_RUN: ContextVar[Coach | None] = ContextVar("koers_checked_this_run", default=None)


@contextmanager
def checked_for_this_run(coach: Coach | None) -> Iterator[None]:
    """Run a page with the coach the app has just checked (None: nobody signed in, or a client's link);
    a page run on its own checks for itself."""
    token = _CHECKED_THIS_RUN.set(coach)
    try:
        yield
    finally:
        _CHECKED_THIS_RUN.reset(token)


def sign_in(coach: Coach, generation: int) -> None:
    st.session_state[SESSION_COACH] = coach.id
    st.session_state[SESSION_GENERATION] = generation
    st.session_state[SESSION_LAST_ACTIVE] = now()
    st.session_state[SESSION_LANG] = coach.lang


def keep_signed_in(generation: int) -> None:
    """This session changed what ended the coach's other sessions (their password): it stays signed in."""
    st.session_state[SESSION_GENERATION] = generation


def sign_out(notice: str | None) -> None:
    _CHECKED_THIS_RUN.set(None)
    keep_lang = lang()
    for key in list(st.session_state):
        del st.session_state[key]
    st.session_state[SESSION_LANG] = keep_lang
    if notice:
        st.session_state[SESSION_NOTICE] = notice


def actor() -> Actor:
    """The signed-in coach, as the use cases take them; a page stops here for anyone else."""
    coach = _CHECKED_THIS_RUN.get() or signed_in_coach()
    if coach is None:
        st.stop()
    return Actor.coach(coach)


def admin_actor() -> Actor:
    """The signed-in coach, who must be an admin; anyone else sees a refusal."""
    current = actor()
    if not current.is_admin:
        st.error(tr("error.admins_only"))
        st.stop()
    return current


def viewer() -> Viewer:
    """What the signed-in coach may read (the pages' cached reads take it)."""
    return actor().viewer


def show_notice() -> None:
    """The notice a page left for the next run (it may name a client or coach: shown as plain text)."""
    notice = st.session_state.pop(SESSION_NOTICE, None)
    if notice:
        show_plain(notice, "info")
