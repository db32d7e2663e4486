"""What every page shares: the context, who is signed in, language, and user errors.

The `Context` is cached for the life of the server; its database holds a path, never a connection.
Every read or write opens the file for just that unit of work, so the scheduler and the command
line can write while coaches browse. Pages call the use cases in `tracking.usecases` with
`context()` and `actor()`; they never open the database themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

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
from tracking.usecases import coaches

SESSION_COACH = "coach_id"
SESSION_LAST_ACTIVE = "last_active"
SESSION_LANG = "lang"
SESSION_NOTICE = "notice"


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
    except (SettingsError, DatabaseError, KoersError) as problem:
        st.error(f"Koers cannot start: {problem}")
        st.stop()
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


MARKDOWN_SPECIALS = "\\`*_{}[]()<>#+-.!|~$"


def plain(text: str | None) -> str:
    """Text from the data (a client's name, a coach's name) made inert for the elements that render
    Markdown (titles, captions, notices): every Markdown character is escaped."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in (text or ""))


def labels(prefix: str) -> Callable[[object], str]:
    """A widget's format_func for options labelled by the texts `prefix + option`. The language is
    fixed when the widget is made, because Streamlit may format options outside the script run."""
    language = lang()
    return lambda option: t(f"{prefix}{option}", language)


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
            st.error(invalid_text(problem))
        st.stop()
    except InvalidValue as problem:
        st.error(invalid_text(problem))
        st.stop()
    except KoersError as problem:
        st.error(tr("error.general", detail=plain(str(problem))))
        st.stop()


def invalid_text(problem: InvalidValue) -> str:
    """A refused value in the reader's language when Koers has words for its field, else as raised."""
    key = f"invalid.{problem.field}" if problem.field else None
    return tr(key) if key in TEXTS else plain(str(problem))


def session_minutes() -> int:
    return settings().session_minutes


def signed_in_coach() -> Coach | None:
    """The coach of this session, if signed in and active; ends a session idle for too long."""
    coach_id = st.session_state.get(SESSION_COACH)
    if coach_id is None:
        from dashboard import oidc  # a cycle: the provider's sign-in uses this module's context and texts

        return oidc.signed_in_coach()
    last = st.session_state.get(SESSION_LAST_ACTIVE)
    current = now()
    if last is None or current - last > timedelta(minutes=session_minutes()):
        sign_out(tr("signin.expired"))
        return None
    try:
        coach = coaches.coach(context(), coach_id)
    except NotFound:
        sign_out(None)
        return None
    if not coach.active:
        sign_out(tr("signin.deactivated"))
        return None
    st.session_state[SESSION_LAST_ACTIVE] = current
    return coach


def sign_in(coach: Coach) -> None:
    st.session_state[SESSION_COACH] = coach.id
    st.session_state[SESSION_LAST_ACTIVE] = now()
    st.session_state[SESSION_LANG] = coach.lang


def sign_out(notice: str | None) -> None:
    keep_lang = lang()
    for key in list(st.session_state):
        del st.session_state[key]
    st.session_state[SESSION_LANG] = keep_lang
    if notice:
        st.session_state[SESSION_NOTICE] = notice


def actor() -> Actor:
    """The signed-in coach, as the use cases take them; a page stops here for anyone else."""
    coach = signed_in_coach()
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
    notice = st.session_state.pop(SESSION_NOTICE, None)
    if notice:
        st.info(notice)
