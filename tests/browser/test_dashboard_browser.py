"""The coach's dashboard in a real browser: sign in on the demo data, triage, one client, a flag."""

from __future__ import annotations

import re
import time

import duckdb
import pytest

from tests.browser.conftest import wait_for_app
from tracking.store.connection import Database

pytestmark = pytest.mark.browser
MARC = "marc@koers.example"


def sign_in(page, email: str, password: str = "koers-demo") -> None:
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen").click()


def test_a_coach_signs_in_triages_and_acknowledges_a_flag(demo_site, page, screenshot):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(demo_site.url)
    wait_for_app(page)
    sign_in(page, MARC)
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    page.get_by_text("clients with a shift to review").wait_for()
    wait_for_app(page)
    screenshot(page, "dashboard-caseload")

    # A deep link (as in the weekly digest) asks to sign in again in a new tab, then opens the client.
    page.goto(f"{demo_site.url}/client?client=M-210")
    wait_for_app(page)
    sign_in(page, MARC)
    page.get_by_role("heading", name="Amira (M-210)").wait_for(timeout=30_000)
    page.get_by_text("Identity has been leading").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    wait_for_app(page)
    screenshot(page, "dashboard-client")

    page.locator("[data-testid='stButtonGroup'] button", has_text="Flags").click()
    page.get_by_text(re.compile(r"^Open flags \(\d+\)$")).wait_for()  # the section, not the summary line
    page.get_by_label("Note (optional)").first.fill("Talked it through on Monday")
    page.get_by_role("button", name="Acknowledge").first.click()  # every open flag at once, as ticked
    page.get_by_text("5 flags acknowledged.").wait_for(timeout=30_000)
    wait_for_app(page)
    screenshot(page, "dashboard-flag-acknowledged")

    with duckdb.connect(str(demo_site.workdir / "koers.duckdb"), read_only=True) as con:
        acknowledged = con.execute(
            "SELECT acknowledge_note FROM flags WHERE client_id = 'M-210' AND status = 'acknowledged'"
        ).fetchall()
    assert acknowledged == [("Talked it through on Monday",)] * 5


def test_narrowing_the_audit_log_to_a_client_is_one_look_however_slowly_it_is_typed(demo_site, page):
    """The filter applies on Enter: typing K-101 key by key is not a look at K, K-, K-1 and K-10."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{demo_site.url}/admin_audit")
    wait_for_app(page)
    sign_in(page, "anne@koers.example")  # an admin, who reads Koers in Dutch
    page.get_by_role("heading", name="Auditlog").wait_for(timeout=30_000)
    wait_for_app(page)
    field = page.get_by_label("Alleen cliënt")
    field.press_sequentially("K-101", delay=700)  # slower than any rerun a keystroke could start
    wait_for_app(page)
    field.press("Enter")
    # The table was on the page before Enter too: what shows that the rerun ran is its look, recorded.
    deadline = time.monotonic() + 60
    while True:
        with Database(demo_site.workdir / "koers.duckdb").read() as con:  # waits while the dashboard writes
            looks = con.execute(
                "SELECT client_id FROM audit_log WHERE action = 'view_audit_log' ORDER BY id").fetchall()
        if len(looks) > 1 or time.monotonic() > deadline:
            break
        page.wait_for_timeout(250)
    wait_for_app(page)
    assert looks == [(None,), ("K-101",)]
