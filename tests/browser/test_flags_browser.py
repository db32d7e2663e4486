"""The caseload says why, in a real browser on a tablet: a coach with a client whose shift is months
old and a client who asked for contact yesterday (and 48 quiet ones) finds the contact request
first, in words, without sideways scrolling and without a box that scrolls inside the page; the
client page puts the request and its note first.

Screenshots: test-artifacts/flags-caseload-768.png, flags-caseload-1366.png, flags-client-768.png,
flags-client-flags-768.png.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import SECRET_KEY, Server, koers_env, run_koers, wait_for_app
from tests.factories import checkin, csv_text

pytestmark = pytest.mark.browser
COACH, PASSWORD = "ria@koers.example", "a long coach password"
NOTE = "Het gaat niet goed, kunnen we eerder afspreken? Ik slaap bijna niet meer."
CALM = dict(work_safety=8, predictability=8, autonomy_support=8, alert_at_rest=2, reactivity=2,
            feedback_as_rejection=2, boundary_risk=2, guilt_at_rest=2, meaning=8, worth_from_performance=2,
            idle_threat=2, self_apart_from_work=8, sleep=8, energy=8, concentration=8, physical_exhaustion=2)
PHYSIOLOGICAL = {**CALM, "sleep": 1, "energy": 1, "concentration": 2, "physical_exhaustion": 9}
IDENTITY = {**CALM, "meaning": 1, "worth_from_performance": 9, "idle_threat": 9, "self_apart_from_work": 1}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A coach with an old shift (Oscar, months ago), a fresh contact request (Fleur, yesterday) and 48
    quiet clients: 50 in all."""
    workdir = tmp_path_factory.mktemp("flags-site")
    env = koers_env(workdir / "koers.duckdb", SECRET_KEY)
    run_koers(env, "init", "--no-secret", cwd=workdir)
    run_koers(env, "coach", "add", COACH, "--name", "Ria Coach", "--password-stdin", cwd=workdir,
              input=PASSWORD + "\n")
    for client_id, name in (("T-101", "Oscar"), ("T-102", "Fleur")):
        run_koers(env, "client", "add", client_id, "--email", f"{client_id.lower()}@client.example", "--coach", COACH,
                  "--name", name, cwd=workdir)
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(weeks=30)
    rows = [checkin("T-101", old + timedelta(weeks=w), **(PHYSIOLOGICAL if w < 10 else IDENTITY)) for w in range(20)]
    rows += [checkin("T-102", now - timedelta(weeks=2 - w, days=1), **CALM) for w in range(3)]
    rows[-1].update(contact_request="1", note=NOTE)
    # A full caseload: 48 more clients (made by the import) with nothing that needs attention.
    rows += [checkin(f"T-{200 + i}", now - timedelta(weeks=w + 1, hours=i), **CALM)
             for i in range(48) for w in range(2)]
    (workdir / "checkins.csv").write_text(csv_text(rows), encoding="utf-8")
    run_koers(env, "import", "checkins.csv", "--coach", COACH, cwd=workdir)
    server = Server(workdir, env)
    yield server
    server.stop()


def sign_in(page) -> None:
    page.get_by_label("E-mailadres").fill(COACH)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    page.locator("[data-testid='stDataFrame'] [role='gridcell']").first.wait_for(state="attached", timeout=30_000)
    wait_for_app(page)


def table_rows(page) -> list[list[str]]:
    """The caseload's cells row by row, as the table gives them to screen readers."""
    rows = []
    for row in page.locator("[data-testid='stDataFrame'] [role='row']").all():
        cells = [text.strip() for text in row.locator("[role='gridcell']").all_text_contents()]
        if cells:
            rows.append(cells)
    return rows


def scrolls(page) -> dict[str, bool]:
    """Whether the page scrolls sideways, and whether the table scrolls inside itself either way."""
    return page.evaluate("""() => {
        const grid = document.querySelector("[data-testid='stDataFrame'] .dvn-scroller");
        return {page: document.documentElement.scrollWidth > window.innerWidth,
                sideways: grid.scrollWidth > grid.clientWidth + 1,
                inside: grid.scrollHeight > grid.clientHeight + 1};
    }""")


@pytest.mark.parametrize("width", [768, 1366])
def test_a_coach_finds_the_contact_request_first_with_its_reason_in_words(site, page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 1024})
    page.goto(site.url)
    wait_for_app(page)
    sign_in(page)
    rows = table_rows(page)
    assert len(rows) == 50  # the whole caseload, in the page (and in the table's accessible rows)
    first, second = rows[:2]
    assert first[0] == "Fleur (T-102)"
    assert first[1].startswith("Wil contact: “Het gaat niet goed, kunnen we eerder afspreken? Ik slaap")
    assert second[0] == "Oscar (T-101)"
    assert second[1].startswith("Verschuiving dominante dynamiek: Lichaam / energie → Identiteit, ")
    assert scrolls(page) == {"page": False, "sideways": False, "inside": False}
    screenshot(page, f"flags-caseload-{width}")


def test_the_client_page_puts_the_contact_request_and_its_note_first(site, page, screenshot):
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(site.url)
    wait_for_app(page)
    sign_in(page)
    page.get_by_role("link", name="Cliënt openen").first.click()
    page.get_by_role("heading", name="Fleur (T-102)").wait_for(timeout=30_000)
    asked = page.get_by_text("Vraagt om contact, sinds ")
    note = page.get_by_text(NOTE).first  # above the sections (the overview lists the notes again)
    asked.wait_for()
    wait_for_app(page)
    sections = page.get_by_text("Overzicht").first
    assert asked.bounding_box()["y"] < note.bounding_box()["y"] < sections.bounding_box()["y"]
    assert page.get_by_role("link", name="Contact plannen (e-mail)").get_attribute("href").startswith(
        "mailto:t-102@client.example?subject=")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "flags-client-768")


def test_a_shifts_next_step_opens_the_focus_with_the_new_dynamics_guidance(site, page, screenshot):
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{site.url}/client?client=T-101")
    wait_for_app(page)
    page.get_by_label("E-mailadres").fill(COACH)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", name="Oscar (T-101)").wait_for(timeout=30_000)
    page.locator("[data-testid='stButtonGroup'] button", has_text="Signalen").click()
    page.get_by_text("Identiteit heeft het overgenomen van Lichaam / energie").wait_for(timeout=30_000)
    wait_for_app(page)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "flags-client-flags-768")
    page.get_by_role("button", name="Open de focus").first.click()
    page.get_by_text("Nieuwe dominante dynamiek: Identiteit").wait_for(timeout=30_000)
    page.get_by_text("Wat deze dynamiek vraagt: Betekeniswerk voorbij functioneren").wait_for()
