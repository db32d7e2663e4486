"""A client's check-in in a real browser on a phone-sized screen (360 x 800): the link comes from
`koers link`, every answer is given with the keyboard, and the check-in lands in the database.

Screenshots: test-artifacts/checkin-form.png (the answered form) and test-artifacts/checkin-thanks.png
(the thank-you page with the client's own trend).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SECRET_KEY, Server, koers_env, run_koers, wait_for_app
from tests.factories import csv_text, weekly
from tracking.instrument import load_instrument
from tracking.store import Database

pytestmark = pytest.mark.browser

INSTRUMENT = load_instrument()
ORDER = INSTRUMENT.in_display_order()
SKIPPED = ORDER[5].id  # one item the client leaves open
PLANNED = {item.id: (index * 3) % 11 for index, item in enumerate(ORDER) if item.id != SKIPPED}
PHONE = {"width": 360, "height": 800}
NOTE = "Zware week, maar *vrijdag* ging beter. <b>Echt.</b>"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app on a database with coach Ada and client C1 (Sanne, Dutch, own trend enabled), who has
    five weeks of earlier check-ins."""
    workdir = tmp_path_factory.mktemp("checkin-site")
    env = koers_env(workdir / "koers.duckdb", SECRET_KEY)
    run_koers(env, "init", "--no-secret", cwd=workdir)
    run_koers(env, "coach", "add", "ada@example.org", "--name", "Ada", "--password-stdin", cwd=workdir,
              input="correct horse battery\n")
    run_koers(env, "client", "add", "C1", "--email", "sanne@example.org", "--coach", "ada@example.org",
              "--name", "Sanne", "--lang", "nl", cwd=workdir)
    history = workdir / "history.csv"
    start = datetime.now(UTC) - timedelta(weeks=5, days=1)
    history.write_text(csv_text(weekly("C1", 5, start=start, sleep=3, energy=4)), encoding="utf-8")
    run_koers(env, "import", str(history), cwd=workdir)
    with Database(workdir / "koers.duckdb").write() as con:
        con.execute("UPDATE clients SET show_trend = TRUE WHERE id = 'C1'")
    server = Server(workdir, env)
    yield server
    server.stop()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def link_for(site, client: str) -> str:
    return run_koers({**site.env, "KOERS_BASE_URL": site.url}, "link", client, cwd=site.workdir).strip()


def focused(page, attribute: str) -> str | None:
    return page.evaluate(f"document.activeElement && document.activeElement.getAttribute('{attribute}')")


def whole_page(page, screenshot, name: str):
    """Streamlit scrolls inside its main area, so a full-page screenshot would show only the first
    800 px: make the viewport as tall as the content (same 360 px width) for the picture."""
    height = page.evaluate("Math.ceil(document.querySelector('[data-testid=\"stMain\"]').scrollHeight)")
    page.set_viewport_size({"width": PHONE["width"], "height": max(PHONE["height"], height)})
    wait_for_app(page)
    path = screenshot(page, name)
    page.set_viewport_size(PHONE)
    return path


def stored(site) -> list[tuple]:
    with Database(site.workdir / "koers.duckdb").read() as con:
        return con.execute(
            "SELECT id, source, contact_request, note, period_id FROM checkins WHERE source = 'link'"
        ).fetchall()


def test_a_client_answers_on_a_phone_with_the_keyboard_and_the_check_in_is_stored(site, phone, screenshot):
    url = link_for(site, "C1")
    assert url.startswith(f"{site.url}/?t=")
    phone.goto(url)
    wait_for_app(phone)
    sliders = phone.get_by_role("slider")
    expect(sliders).to_have_count(len(ORDER), timeout=30_000)  # a busy machine renders sixteen sliders slowly
    expect(phone.get_by_role("heading", name="Hoi Sanne")).to_be_visible()

    sliders.first.focus()
    for index, item in enumerate(ORDER):
        if index:
            phone.keyboard.press("Tab")  # straight to the next question: nothing else in between
        assert focused(phone, "aria-label") == item.text["nl"]
        if item.id == SKIPPED:
            assert focused(phone, "aria-valuetext") == "nog niet ingevuld"
            continue
        phone.keyboard.press("Home")  # the thumb's left end is "not answered"; one step right is 0
        for _step in range(PLANNED[item.id] + 1):
            phone.keyboard.press("ArrowRight")
        expect(sliders.nth(index)).to_have_attribute("aria-valuetext", str(PLANNED[item.id]))
    # Each answer reruns the page on the server; on a busy machine the count follows a while later.
    expect(phone.get_by_text("15 van de 16 vragen beantwoord").first).to_be_visible(timeout=30_000)

    phone.keyboard.press("Tab")
    assert focused(phone, "type") == "checkbox"
    phone.keyboard.press("Space")
    expect(phone.get_by_role("checkbox")).to_be_checked()
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.tagName") == "TEXTAREA"
    phone.keyboard.type(NOTE)
    phone.keyboard.press("Tab")  # leaving the note commits it
    wait_for_app(phone)
    expect(phone.get_by_text(f"Vraag 6: {ORDER[5].text['nl']}")).to_be_visible(timeout=30_000)  # the skipped one
    submit = phone.get_by_role("button", name="Versturen")
    expect(submit).to_be_visible()
    whole_page(phone, screenshot, "checkin-form")

    submit.focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Dank je wel")).to_be_visible(timeout=30_000)
    expect(phone.get_by_text("Je antwoorden zijn opgeslagen.", exact=False)).to_be_visible()
    expect(phone.get_by_role("heading", name="Jouw verloop")).to_be_visible()
    expect(phone.locator("[data-testid='stPlotlyChart']")).to_have_count(4)
    phone.locator(".js-plotly-plot").last.wait_for()
    wait_for_app(phone)
    whole_page(phone, screenshot, "checkin-thanks")

    [(checkin_id, _source, contact, note, period_id)] = stored(site)
    assert (contact, note, period_id is not None) == (True, NOTE, True)
    with Database(site.workdir / "koers.duckdb").read() as con:
        answers = dict(con.execute("SELECT item_id, value FROM answers WHERE checkin_id = ?",
                                   [checkin_id]).fetchall())
        period = con.execute("SELECT status, checkin_id FROM periods WHERE id = ?", [period_id]).fetchone()
    assert answers == PLANNED
    assert period == ("completed", checkin_id)

    # Opening the link again (a refresh, or the email once more) shows the answers to review, and
    # sending them again never adds a second check-in.
    phone.goto(url)
    wait_for_app(phone)
    expect(phone.get_by_text("Je hebt deze check-in al ingevuld", exact=False)).to_be_visible()
    expect(phone.get_by_role("slider").first).to_have_attribute("aria-valuetext", str(PLANNED[ORDER[0].id]))
    phone.get_by_role("button", name="Wijzigingen versturen").dblclick()
    expect(phone.get_by_role("heading", name="Dank je wel")).to_be_visible(timeout=30_000)
    assert len(stored(site)) == 1


def test_a_bad_link_shows_a_friendly_page_in_both_languages(site, phone):
    phone.goto(f"{site.url}/?t=not-a-real-link")
    wait_for_app(phone)
    expect(phone.get_by_role("heading", name="Deze link werkt niet")).to_be_visible()
    expect(phone.get_by_role("heading", name="This link does not work")).to_be_visible()
    expect(phone.get_by_role("slider")).to_have_count(0)
    assert "Sanne" not in phone.inner_text("body")
