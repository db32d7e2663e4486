"""Every page in Dutch without a word of English, and in English without a word of Dutch, in a real
browser: the coach's pages (every section of a client, the admin pages, the sign-in page), the
check-in form, its thank-you page with the safety net, the pause page and an email.

What counts as the other language:
- Streamlit's own words (`STREAMLIT_WORDS` below, as its 1.67 frontend writes them: labels for
  screen readers, placeholders, a table's toolbar, Plotly's buttons), in text or in an attribute;
- any sentence of Koers' own texts in the other language (`tracking.i18n`, every stretch of at least
  14 letters between placeholders);
- dates and numbers formatted the other language's way (month and weekday abbreviations, the
  decimal mark), including the axes and hovers of charts.
What people typed (notes, names) is not interface text, and icons drawn from a font are not words.

Screenshots in Dutch: test-artifacts/nl-caseload.png, nl-client.png, nl-checkin-form.png,
nl-checkin-thanks.png and nl-email.png.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, SECRET_KEY, Server, koers_env, run_koers, wait_for_app
from tracking.i18n import TEXTS, placeholders
from tracking.mail.outbox import open_links
from tracking.store import Database

pytestmark = pytest.mark.browser

# Streamlit 1.67's own English, as its frontend writes it; `{label}` is a widget's label.
STREAMLIT_WORDS = [
    "Skip to main content", "App pages", "Sidebar", "Collapse sidebar", "Expand sidebar", "Main menu",
    "Running...", "Stop script", "Open", "Close", "Clear all", "Clear value", "Clear entry", "Clear selection",
    "Remove {label}", "Selected values", "Choose options", "Choose an option", "Select all", "No results",
    "Show password", "Hide password", "Help for {label}", "Link to heading", "progress", "Copy to clipboard",
    "Increment", "Decrement", "Choose date", "Press Enter to apply", "Press Enter to submit form",
    "Press Ctrl+Enter to apply", "Press Ctrl+Enter to submit form", "Press ⌘+Enter to apply",
    "Download as CSV", "Search", "Close Search", "Fullscreen", "Close fullscreen", "Show/hide columns",
    "Dataframe column menu", "Copy column name", "Sort ascending", "Sort descending", "Pin column",
    "Hide column", "Download plot as a PNG", "Download plot as a png", "Zoom", "Pan", "Zoom in", "Zoom out",
    "Autoscale", "Reset axes", "Box Select", "Lasso Select", "Double-click to zoom back out",
]
ENGLISH_DATES = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b")
DUTCH_DATES = re.compile(r"\b(mrt|mei|okt|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\b")
ENGLISH_DECIMAL = re.compile(r"\d\.\d(?!\d)")
DUTCH_DECIMAL = re.compile(r"\d,\d(?!\d)")
FRAGMENT = 14  # letters: shorter stretches of a text ("Focus", "Status") are the same in both languages

COLLECT = """() => {
  const skip = '[data-testid="stIconMaterial"], [data-testid="stText"], script, style, noscript';
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const value = node.nodeValue.trim();
    if (value) texts.push(value);
  }
  const attributes = [];
  const named = '[aria-label],[title],[placeholder],[aria-valuetext],[alt],[data-title]';
  for (const element of document.querySelectorAll(named)) {
    if (element.closest('[data-testid="stIconMaterial"]')) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'aria-valuetext', 'alt', 'data-title']) {
      const value = element.getAttribute(name);
      if (value && value.trim()) attributes.push(value.trim());
    }
  }
  return {texts, attributes};
}"""


def _fragments(lang: str) -> set[str]:
    """Stretches of Koers' own texts in `lang` that the other language never says."""
    other = "nl" if lang == "en" else "en"
    found = set()
    for entry in TEXTS.values():
        if entry[lang] == entry[other]:
            continue
        text = entry[lang]
        for name in placeholders(text):
            text = text.replace("{" + name + "}", "\0")
        for piece in text.split("\0"):
            piece = piece.strip(" .,:;()·")
            if len(piece) >= FRAGMENT and piece not in entry[other]:
                found.add(piece)
    return found


ENGLISH_FRAGMENTS = _fragments("en")
DUTCH_FRAGMENTS = _fragments("nl")


def _matches_streamlit_word(value: str) -> str | None:
    for word in STREAMLIT_WORDS:
        if "{label}" in word:
            before, after = word.split("{label}")
            if value.startswith(before) and value.endswith(after) and len(value) > len(before) + len(after):
                return word
        elif value == word:
            return word
    return None


def foreign_words(page, lang: str) -> list[str]:
    """Everything on the page that is in the other language than `lang`."""
    seen = page.evaluate(COLLECT)
    text = "\n".join(seen["texts"])
    everything = text + "\n" + "\n".join(seen["attributes"])
    found = []
    if lang == "nl":
        found += [f"Streamlit: {value!r}" for value in seen["texts"] + seen["attributes"]
                  if _matches_streamlit_word(value)]
        found += [f"English text: {fragment!r}" for fragment in ENGLISH_FRAGMENTS if fragment in everything]
        found += [f"English date: {m.group(0)!r}" for m in ENGLISH_DATES.finditer(everything)]
        found += [f"English number: {m.group(0)!r}" for m in ENGLISH_DECIMAL.finditer(text)]
    else:
        found += [f"Dutch text: {fragment!r}" for fragment in DUTCH_FRAGMENTS if fragment in everything]
        found += [f"Dutch date: {m.group(0)!r}" for m in DUTCH_DATES.finditer(everything)]
        found += [f"Dutch number: {m.group(0)!r}" for m in DUTCH_DECIMAL.finditer(text)]
    return sorted(set(found))


def settle(page) -> None:
    wait_for_app(page)
    page.wait_for_function("() => window.__koersWords && window.__koersWords.translate", timeout=30_000)
    for chart in page.locator(".js-plotly-plot").all():
        chart.locator(".main-svg").first.wait_for(timeout=90_000)  # a busy machine draws slowly
    page.wait_for_timeout(300)  # the word swap answers Streamlit's last change of the page: let it finish


def check(page, lang: str, where: str) -> None:
    settle(page)
    found = foreign_words(page, lang)
    assert not found, f"{where} ({lang}): {found}"


def whole_page(page, name: str) -> None:
    """Streamlit scrolls inside its main area: make the viewport as tall as the content for the picture."""
    size = page.viewport_size
    height = page.evaluate("Math.ceil(document.querySelector('[data-testid=\"stMain\"]').scrollHeight)")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height, 6000))})
    settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(size)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo practice, plus Eve, an English-speaking admin."""
    workdir = tmp_path_factory.mktemp("language-site")
    env = koers_env(workdir / "koers.duckdb", SECRET_KEY)
    run_koers(env, "init", "--no-secret", cwd=workdir)
    run_koers(env, "demo", cwd=workdir)
    run_koers(env, "coach", "add", "eve@koers.example", "--name", "Eve Smith", "--admin", "--lang", "en",
              "--password-stdin", cwd=workdir, input="koers-demo\n")
    server = Server(workdir, env)
    yield server
    server.stop()


def sign_in(page, site, email: str, path: str = "") -> None:
    page.goto(f"{site.url}/{path}")
    wait_for_app(page)
    page.locator("input[autocomplete='username']").fill(email)
    page.locator("input[type='password']").fill("koers-demo")
    page.locator("input[type='password']").press("Enter")
    page.locator("[data-testid='stSidebar']").wait_for(timeout=30_000)
    wait_for_app(page)


def go(page, name: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a").filter(has=page.get_by_text(name, exact=True)).first.click()
    wait_for_app(page)


def sections(page, lang: str, names: list[str], where: str) -> None:
    for name in names:
        page.locator("[data-testid='stButtonGroup'] button", has_text=name).click()
        wait_for_app(page)
        # The run may not have started when the status widget is looked for: wait until no element of
        # the previous section (a chart of the overview, say) is left.
        page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=30_000)
        check(page, lang, f"{where}, {name}")


def link_for(site, client: str) -> str:
    return run_koers({**site.env, "KOERS_BASE_URL": site.url}, "link", client, cwd=site.workdir).strip()


def pause_link_for(site, client: str) -> str:
    """A pause link, as the email with a fresh check-in link carries it."""
    from tracking.context import Actor, open_context
    from tracking.settings import load_settings
    from tracking.usecases import links

    ctx = open_context(load_settings({}, secrets_file=None, db=site.workdir / "koers.duckdb",
                                     secret_key=SECRET_KEY, base_url=site.url))
    links.email_fresh_link(ctx, Actor.operator(), client, now=datetime.now(UTC))
    with Database(site.workdir / "koers.duckdb").read() as con:
        (body,) = con.execute("SELECT body_text FROM outbox WHERE client_id = ? AND kind = 'link' "
                              "ORDER BY id DESC LIMIT 1", [client]).fetchone()
    return re.search(r"(http\S+\?pause=\S+)", open_links(body, SECRET_KEY))[1]  # as the sender opens it


def test_every_coach_page_in_dutch_has_no_english(site, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(site.url)
    wait_for_app(page)
    check(page, "nl", "sign-in")
    page.locator("input[autocomplete='username']").fill("anne")  # typing shows Streamlit's own hint
    check(page, "nl", "sign-in while typing")

    sign_in(page, site, "anne@koers.example", "client?client=K-101")
    expect(page.get_by_role("heading", name="Sanne (K-101)")).to_be_visible()
    page.get_by_text("Per vraag", exact=True).click()  # the item heat map
    page.locator(".js-plotly-plot").nth(2).wait_for(timeout=90_000)  # three charts draw on a busy machine too
    check(page, "nl", "client overview")
    chart = page.locator(".js-plotly-plot").first
    assert re.search(r"\b(mei|jun|jul|aug|sep|okt|nov|dec) 2026\b", chart.inner_text())  # month ticks
    whole_page(page, "nl-client")
    sections(page, "nl", ["Signalen", "Focus", "Observaties"], "client")
    page.get_by_label("Notitie", exact=True).fill("Eerste gesprek")  # Streamlit's own hint under a text area
    check(page, "nl", "client, observation note while typing")
    sections(page, "nl", ["Check-ins", "Gegevens", "Exporteren"], "client")

    go(page, "Caseload")
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    check(page, "nl", "caseload")
    whole_page(page, "nl-caseload")
    page.locator("[data-testid='stMultiSelect']").first.click()
    page.keyboard.type("zzz")  # a filter that finds nothing
    check(page, "nl", "caseload, filter with no match")
    page.keyboard.press("Escape")

    go(page, "Nieuwe cliënt")
    page.get_by_role("button", name="Opslaan").click()
    wait_for_app(page)
    expect(page.get_by_text("Vul een cliëntcode in", exact=False)).to_be_visible()
    expect(page.get_by_text("Vul een geldig e-mailadres in.")).to_be_visible()
    check(page, "nl", "new client with problems")
    for name, where in (("Account", "account"), ("Coaches", "coaches"), ("Verzonden mail", "outbox"),
                        ("Auditlog", "audit log")):
        go(page, name)
        check(page, "nl", where)


def test_every_coach_page_in_english_has_no_dutch(site, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, site, "marc@koers.example", "client?client=M-201")
    expect(page.get_by_role("heading", name="Youssef (M-201)")).to_be_visible()
    page.get_by_text("Per item", exact=True).click()
    page.locator(".js-plotly-plot").nth(2).wait_for(timeout=90_000)
    check(page, "en", "client overview")
    sections(page, "en", ["Flags", "Focus", "Observations", "Check-ins", "Details", "Export"], "client")
    go(page, "Caseload")
    check(page, "en", "caseload")
    go(page, "New client")
    page.get_by_role("button", name="Save").click()
    wait_for_app(page)
    check(page, "en", "new client with problems")
    go(page, "Account")
    check(page, "en", "account")

    admin = page.context.browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(admin, site, "eve@koers.example")
    for name, where in (("Coaches", "coaches"), ("Mail outbox", "outbox"), ("Audit log", "audit log")):
        go(admin, name)
        check(admin, "en", where)
    admin.close()


@pytest.mark.parametrize("lang,client", [("nl", "K-102"), ("en", "M-201")])
def test_the_check_in_its_safety_net_and_the_pause_page_speak_the_clients_language(site, browser, lang, client):
    phone = browser.new_page(viewport={"width": 360, "height": 800}, is_mobile=True, has_touch=True)
    phone.goto(link_for(site, client))
    wait_for_app(phone)
    sliders = phone.get_by_role("slider")
    sliders.first.focus()
    phone.keyboard.press("End")
    phone.get_by_role("checkbox").focus()  # the label covers the box on a phone: use the keyboard
    phone.keyboard.press("Space")
    expect(phone.get_by_role("checkbox")).to_be_checked()
    phone.get_by_role("textbox").fill("Het was een week." if lang == "nl" else "It was a week.")
    phone.get_by_role("textbox").press("Tab")
    check(phone, lang, "check-in form")
    if lang == "nl":
        whole_page(phone, "nl-checkin-form")
    phone.get_by_role("button", name="Versturen" if lang == "nl" else "Send").click()
    net = phone.locator(".st-key-checkin-safety-net")
    net.wait_for(timeout=30_000)
    expect(net).to_contain_text("werkdag" if lang == "nl" else "working day")
    expect(net).to_contain_text("0800-0113" if lang == "nl" else "112")
    check(phone, lang, "thank-you page")
    if lang == "nl":
        whole_page(phone, "nl-checkin-thanks")
    phone.goto(pause_link_for(site, client))
    wait_for_app(phone)
    check(phone, lang, "pause page")
    phone.close()


def test_an_email_in_dutch_is_written_the_dutch_way(site, page):
    pause_link_for(site, "K-103")  # queues an email with a fresh link for Fatima (Dutch)
    with Database(site.workdir / "koers.duckdb").read() as con:
        (html,) = con.execute("SELECT body_html FROM outbox WHERE client_id = 'K-103' AND kind = 'link' "
                              "ORDER BY id DESC LIMIT 1").fetchone()
    page.set_viewport_size({"width": 700, "height": 900})
    page.set_content(html)
    body = page.inner_text("body")
    assert re.search(r"(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag) \d{1,2} "
                     r"(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)"
                     r" om \d\d:\d\d", body), body
    assert not foreign_words(page, "nl"), foreign_words(page, "nl")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "nl-email.png"), full_page=True)

    # And the coach's alert about a check-in of Bram (Anne's client) that crosses a level of concern.
    _heavy_checkin(site, "K-104")
    with Database(site.workdir / "koers.duckdb").read() as con:
        (html,) = con.execute("SELECT body_html FROM outbox WHERE client_id = 'K-104' AND kind = 'concern'").fetchone()
    page.set_content(html)
    body = page.inner_text("body")
    assert body.startswith("Hoi Anne,") and "Zorgniveau" not in body and " werkdag " in body, body
    assert not foreign_words(page, "nl"), foreign_words(page, "nl")
    page.screenshot(path=str(ARTIFACTS / "nl-email-coach.png"), full_page=True)


def _heavy_checkin(site, client: str) -> None:
    from tracking.context import open_context
    from tracking.instrument import load_instrument
    from tracking.settings import load_settings
    from tracking.usecases import checkin

    ctx = open_context(load_settings({}, secrets_file=None, db=site.workdir / "koers.duckdb",
                                     secret_key=SECRET_KEY, base_url=site.url))
    token = link_for(site, client).split("?t=", 1)[1]
    heaviest = {item.id: 0 if item.reversed else 10 for item in load_instrument().items}
    checkin.submit(ctx, token, checkin.clean_answers(ctx.instrument, heaviest), now=datetime.now(UTC))
