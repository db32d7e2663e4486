"""Koers' Streamlit entry point: it only routes.

A personal check-in link (`?t=...`) or a pause link (`?pause=...`) shows that one page and nothing
else: no coach page is reachable from a client's link, in that browser tab for as long as it is open
(the token leaves the address at once and stays in the session). Everyone else signs in first: until then
every coach address shows the sign-in form (so a deep link opens its page right after signing in);
admins also see the administration pages.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` from a checkout
    sys.path.insert(0, str(ROOT))

from dashboard import oidc, runtime, signin, wording  # noqa: E402
from tracking.i18n import t  # noqa: E402

# Page scripts live in `views/`, not `pages/`: a folder named `pages` beside the entry script puts
# Streamlit into its legacy multipage mode, which also breaks AppTest's reruns.
VIEWS = Path(__file__).parent / "views"

# (section, file, icon, admins only)
COACH_PAGES = (
    ("coaching", "caseload", ":material/groups:", False),
    ("coaching", "client", ":material/person:", False),
    ("coaching", "new_client", ":material/person_add:", False),
    ("you", "account", ":material/settings:", False),
    ("admin", "admin_coaches", ":material/badge:", True),
    ("admin", "admin_outbox", ":material/outbox:", True),
    ("admin", "admin_audit", ":material/policy:", True),
)

# An emoji icon is drawn in the browser; a :material/ icon would be fetched from Google's font servers on
# every page load, telling them who opens Koers.
st.set_page_config(page_title="Koers", page_icon="🧭", layout="wide")
runtime.start()


def coach_navigation(coach) -> dict:
    tr = runtime.tr
    sections: dict[str, list] = {}
    for section, name, icon, admins_only in COACH_PAGES:
        if admins_only and not coach.is_admin:
            continue
        sections.setdefault(tr(f"nav.section.{section}"), []).append(
            st.Page(VIEWS / f"{name}.py", title=tr(f"nav.{name}"), icon=icon, url_path=name,
                    default=name == "caseload")
        )
    return sections


def reopen_link() -> None:
    """A tab opened with a personal link and then reloaded: the link is no longer in the address (so it
    leaks nowhere), so the client opens it from the email again."""
    for index, lang in enumerate(("nl", "en")):
        if index:
            st.divider()
        st.header(t("link.reopen.title", lang), anchor=False)
        st.write(t("link.reopen.body", lang))


def sidebar(coach) -> None:
    tr = runtime.tr
    with st.sidebar:
        runtime.show_plain(tr("nav.signed_in_as", name=coach.name), "caption")
        if st.button(tr("nav.sign_out"), icon=":material/logout:", key="sign_out"):
            if oidc.signed_in():
                oidc.sign_out()
            else:
                runtime.sign_out(tr("signin.signed_out"))
                st.rerun()


link = runtime.personal_link()
coach = None
if link is not None and link[0] == "checkin":
    page = st.navigation([st.Page(VIEWS / "checkin.py", title="Koers check-in", url_path="checkin")],
                         position="hidden")
elif link is not None:
    page = st.navigation([st.Page(VIEWS / "pause.py", title="Koers", url_path="pause")], position="hidden")
elif st.query_params.get(runtime.LINK_OPENED) in runtime.LINK_PARAMETERS.values():
    page = st.navigation([st.Page(reopen_link, title="Koers", url_path="link")], position="hidden")
else:
    # The check-in and pause pages learn their language from the link, so they put Streamlit's words in
    # place themselves; a coach's language is known here.
    wording.put_in_place(runtime.lang())
    coach = runtime.signed_in_coach()
    if coach is None:
        page = st.navigation(
            [st.Page(signin.render, title="Koers", url_path=name, default=name == "caseload")
             for _section, name, _icon, _admins in COACH_PAGES],
            position="hidden",
        )
    else:
        sidebar(coach)
        page = st.navigation(coach_navigation(coach))

with runtime.checked_for_this_run(coach):
    page.run()
