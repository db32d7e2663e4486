"""The running app probed as an attacker would, in Debian's chromium: many sessions guessing a password at
once, the client's token in Referer headers, table toolbars that download client data, names that
render as links, made-up links by the hundred, and requests to other sites. Koers is served as
`koers dashboard` serves it (`streamlit run dashboard/server.py`) on the demo data."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import duckdb
import pytest

from tests import factories
from tests.browser.conftest import SECRET_KEY, Server, koers_env, run_koers, wait_for_app
from tracking import links
from tracking.clock import utcnow
from tracking.context import Actor
from tracking.i18n import TEXTS
from tracking.store import Database
from tracking.store import links as link_store
from tracking.usecases import links as link_cases

pytestmark = pytest.mark.browser

GUESSED = "guessed@practice.example"
ANNE, MARC, DEMO_PASSWORD = "anne@koers.example", "marc@koers.example", "koers-demo"
HOSTILE_NAME = "Eve https://evil.example www.evil.example :material/warning: :red[x] a@evil.example"
HOSTILE_CLIENT = "M-201"  # one of Marc's demo clients, renamed
GUESSERS = 20
WRONG_TEXT, LOCKED_TEXT = "E-mailadres of wachtwoord klopt niet.", "Te veel mislukte pogingen"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("attacked-site")
    env = koers_env(workdir / "koers.duckdb", SECRET_KEY)
    run_koers(env, "init", "--no-secret", cwd=workdir)
    run_koers(env, "demo", cwd=workdir)
    run_koers(env, "coach", "add", GUESSED, "--name", "Guessed Coach", "--password-stdin", cwd=workdir,
              input="the right password\n")
    with duckdb.connect(str(workdir / "koers.duckdb")) as con:
        con.execute("UPDATE clients SET name = ? WHERE id = ?", [HOSTILE_NAME, HOSTILE_CLIENT])
    ctx = factories.context(workdir / "koers.duckdb", KOERS_SECRET_KEY=SECRET_KEY)
    link_cases.email_fresh_link(ctx, Actor.operator(), "K-105")  # a row in the admin's outbox
    server = Server(workdir, env, script="server.py")
    yield server
    server.stop()


def query(site, sql: str, params=()):
    with duckdb.connect(str(site.workdir / "koers.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def checkin_link(site, client: str) -> str:
    return run_koers({**site.env, "KOERS_BASE_URL": site.url}, "link", client, cwd=site.workdir).strip()


def pause_link(site, client: str) -> str:
    now = utcnow()
    with Database(site.workdir / "koers.duckdb").write() as con:
        token = link_store.issue(con, purpose="pause", client_id=client, period_id=None,
                                 expires_at=now + timedelta(days=1), now=now, secret_key=SECRET_KEY)
    return links.url(site.url, "pause", token)


def sign_in(page, site, email: str, password: str = DEMO_PASSWORD, path: str = "") -> None:
    page.goto(f"{site.url}/{path}")
    page.get_by_label("E-mailadres").wait_for(timeout=60_000)  # the first run of a new session
    wait_for_app(page)
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen").click()


class Recorder:
    """Every request a page makes, with the headers the browser sent."""

    def __init__(self, page):
        self.requests = []
        self.sockets = []
        page.on("request", lambda request: self.requests.append(request))
        page.on("websocket", lambda socket: self.sockets.append(socket.url))

    def referers(self) -> list[str]:
        return [r.all_headers().get("referer", "") for r in self.requests]

    def hosts(self) -> set[str]:
        return {urlsplit(url).hostname or "" for url in [r.url for r in self.requests] + self.sockets}


# 1. Parallel guesses.

def test_twenty_sessions_guessing_at_once_get_at_most_five_checks_and_then_not_even_the_right_password(site, context):
    pages = []
    for n in range(GUESSERS):
        page = context.new_page()
        page.goto(site.url)
        page.get_by_label("E-mailadres").wait_for(timeout=60_000)
        wait_for_app(page)
        page.get_by_label("E-mailadres").fill(GUESSED)
        page.get_by_label("Wachtwoord", exact=True).fill(f"guess number {n}")
        pages.append(page)
    for page in pages:  # as close together as a browser can: every session guesses at once
        page.get_by_role("button", name="Inloggen").click(no_wait_after=True)
    answers = []
    for page in pages:
        page.get_by_text(re.compile(f"{re.escape(WRONG_TEXT)}|{LOCKED_TEXT}")).wait_for(timeout=90_000)
        answers.append("wrong" if page.get_by_text(WRONG_TEXT).count() else "locked")
    assert answers.count("wrong") <= 4, answers  # a fifth check answers "locked": it sets the lock
    [(failures,)] = query(site, "SELECT failures FROM sign_in_attempts WHERE attempt_key LIKE 'password:%' "
                                "AND failures >= 4")
    assert failures <= 5
    last = context.new_page()
    sign_in(last, site, GUESSED, "the right password")
    last.get_by_text(LOCKED_TEXT).wait_for(timeout=60_000)
    assert not last.get_by_role("heading", name="Caseload").count()


# 3. No table exports client data around the app's own export.

@pytest.mark.parametrize(("path", "section"), [
    ("", None), ("client?client=K-101", "Check-ins"), ("client?client=K-101", "Focus"),
    ("admin_coaches", None), ("admin_outbox", None), ("admin_audit", None),
])
def test_no_table_has_a_download_control(site, page, path, section):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, site, ANNE, path=path)
    if section:
        page.locator("[data-testid='stButtonGroup'] button", has_text=section).click()
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for(timeout=60_000)
    wait_for_app(page)
    table.hover()
    toolbar = page.locator("[data-testid='stElementToolbar']").first
    search = "|".join(re.escape(TEXTS["streamlit.search"][lang]) for lang in ("nl", "en"))
    toolbar.get_by_role("button", name=re.compile(f"^({search})$")).wait_for(timeout=10_000)  # the toolbar...
    for lang in ("nl", "en"):  # ...without a download, in either language the page may speak
        assert page.get_by_role("button", name=TEXTS["streamlit.download_csv"][lang]).count() == 0


# 4. The token leaves the address and no request carries it.

@pytest.mark.parametrize("purpose", ["checkin", "pause"])
def test_no_request_carries_the_token_after_the_page_has_read_it(site, page, purpose):
    url = checkin_link(site, "K-102") if purpose == "checkin" else pause_link(site, "K-103")
    token = url.rsplit("=", 1)[1]
    recorder = Recorder(page)
    response = page.goto(url)
    assert response is not None
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    wait_for_app(page)
    page.locator("h1").first.wait_for(timeout=60_000)
    page.locator("[data-testid='stButtonGroup'] button").last.click()  # the language switch: more requests
    wait_for_app(page)
    assert token not in page.url
    assert len(recorder.requests) > 10
    assert [r.url for r in recorder.requests if token in r.url] == [url]  # only the page itself
    assert not [referer for referer in recorder.referers() if token in referer]
    page.reload()  # a reload (or the address shared from the screen) holds no link any more
    wait_for_app(page)
    assert token not in page.url
    page.get_by_text("Open the link from your email again").wait_for(timeout=60_000)


# 7. Names render as plain text.

def test_a_name_with_addresses_and_icon_codes_shows_as_typed_for_coach_and_client(site, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, site, MARC, path=f"client?client={HOSTILE_CLIENT}")
    heading = page.get_by_role("heading", name=f"{HOSTILE_NAME} ({HOSTILE_CLIENT})")
    heading.wait_for(timeout=60_000)
    assert heading.inner_text() == f"{HOSTILE_NAME} ({HOSTILE_CLIENT})"
    assert heading.locator("a, [translate='no'], [role='img']").count() == 0
    page.goto(checkin_link(site, HOSTILE_CLIENT))
    greeting = page.locator("h1").first
    greeting.wait_for(timeout=60_000)
    assert greeting.inner_text().endswith(HOSTILE_NAME)
    assert greeting.locator("a, [translate='no'], [role='img']").count() == 0
    assert page.locator("[data-testid='stMain'] a[href*='evil']").count() == 0


# 12. Made-up links by the hundred make Koers write once.

def test_made_up_links_are_counted_without_a_write_each(site, page):
    before = query(site, "SELECT count(*) FROM audit_log WHERE action = 'checkin_link_refused'")[0][0]
    for _ in range(30):
        page.goto(f"{site.url}/?t={secrets.token_urlsafe(18)}.{secrets.token_urlsafe(12)}")
        page.get_by_text("This link does not work").wait_for(timeout=60_000)
    after = query(site, "SELECT count(*) FROM audit_log WHERE action = 'checkin_link_refused'")[0][0]
    assert after - before <= 1


# 13. Nothing leaves for another origin.

def test_the_checkin_and_coach_pages_ask_nothing_of_any_other_origin(site, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    recorder = Recorder(page)
    page.goto(checkin_link(site, "K-104"))
    page.get_by_role("slider").first.wait_for(timeout=60_000)
    wait_for_app(page)
    sign_in(page, site, MARC, path="client?client=M-210")
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    page.get_by_role("link", name="Caseload").click()
    page.get_by_role("heading", name="Caseload").wait_for(timeout=60_000)
    wait_for_app(page)
    assert recorder.hosts() == {"127.0.0.1"}, sorted(recorder.hosts())
    assert len(recorder.requests) > 20
