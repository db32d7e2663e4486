"""Driving the dashboard with Streamlit's AppTest on a copy of the demo database."""

from __future__ import annotations

import html
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "app.py")
SECRET_KEY = "dashboard-tests-secret-key-0123456789"
ANNE, MARC = 1, 2  # the demo's coaches: Anne is admin and coach, Marc is a coach
ANNE_EMAIL, MARC_EMAIL = "anne@koers.example", "marc@koers.example"
DEMO_PASSWORD = "koers-demo"


def use_database(monkeypatch, path: Path) -> None:
    """Point the app at `path` and forget settings cached by an earlier test."""
    from dashboard import runtime

    monkeypatch.setenv("KOERS_DB", str(path))
    monkeypatch.setenv("KOERS_SECRET_KEY", SECRET_KEY)
    runtime._context.clear()
    import streamlit as st

    st.cache_data.clear()


def copy_demo(template: Path, target_dir: Path) -> Path:
    target = target_dir / "koers.duckdb"
    shutil.copy(template, target)
    return target


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def signed_in(coach_id: int, lang: str = "en", page: str | None = None, **query) -> AppTest:
    """An AppTest whose session is signed in as the coach, optionally on a page with query params."""
    at = app()
    at.session_state["coach_id"] = coach_id
    at.session_state["coach_generation"] = 0  # as signing in records it for a coach who never changed it
    at.session_state["last_active"] = datetime.now(UTC)
    at.session_state["lang"] = lang
    for key, value in query.items():
        at.query_params[key] = value
    if page:
        at.switch_page(f"views/{page}.py")
    return at.run()


def texts(at: AppTest) -> str:
    """Everything visible as text, for assertions that do not care which element shows it."""
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "text", "info", "error", "warning", "success"):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [text for _kind, text in plain_texts(at)]
    return "\n".join(parts)


_PLAIN = re.compile(r'<(\w+) data-koers-text="(\w+)"[^>]*>(.*)</\1>', re.DOTALL)


def plain_texts(at: AppTest, kind: str | None = None) -> list[tuple[str, str]]:
    """(kind, text) of everything shown with `runtime.show_plain` (as the reader sees it), optionally of one kind."""
    found = []
    for element in at.get("html"):
        match = _PLAIN.fullmatch(str(element.value))
        if match and kind in (None, match[2]):
            found.append((match[2], html.unescape(re.sub(r"</?strong>", "", match[3]))))
    return found


def shown(at: AppTest, kind: str) -> list[str]:
    """The texts of Streamlit's elements of `kind` (error, info, success, caption...) and of Koers' own
    plain-text ones of the same kind."""
    return [str(e.value) for e in at.get(kind)] + [text for _kind, text in plain_texts(at, kind)]


def titles(at: AppTest) -> list[str]:
    """The page's titles: Streamlit's, and the ones that show a name (`runtime.show_plain`)."""
    return [str(t.value) for t in at.title] + [text for _kind, text in plain_texts(at, "title")]


def sign_in_form(at: AppTest, email: str, password: str) -> AppTest:
    at.text_input[0].set_value(email)
    at.text_input[1].set_value(password)
    at.form_submit_button[0].click()
    at.run()
    if "coach_id" in at.session_state:
        at.run()  # the page the app reruns to after signing in
    return at


def long_ago() -> datetime:
    return datetime.now(UTC) - timedelta(hours=3)
