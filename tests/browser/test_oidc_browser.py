"""Signing in with the practice's own accounts, end to end: Koers served by `streamlit run
dashboard/server.py` with KOERS_OIDC_* settings, a real OpenID Connect provider (panva's
oidc-provider under Node.js) on loopback, and Debian's chromium in between. Nothing leaves loopback."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import duckdb
import pytest

from tests.browser.conftest import SECRET_KEY, Server, koers_env, run_koers, wait_for_app
from tests.oidcprovider import Client, OidcProvider, User
from tests.servers import free_port
from tracking.settings import load_settings
from tracking.store import accounts, open_database

pytestmark = pytest.mark.browser

CLIENT_ID, CLIENT_SECRET = "koers", "test-client-secret-0123456789abcdef"
ADA = User("ada@practice.example", "ada-at-the-provider", "Ada Coach")
BERT = User("bert@practice.example", "bert-at-the-provider", "Bert Coach")
CEES = User("cees@practice.example", "cees-at-the-provider", "Cees, no Koers account")
DIRK = User("dirk@practice.example", "dirk-at-the-provider", "Dirk, email unverified", email_verified=False)


@pytest.fixture(scope="session")
def oidc_site(tmp_path_factory):
    """Koers with two coaches (Ada, Bert, and Dirk whose provider does not vouch for his email) and a
    provider that also knows Cees, who has no Koers account."""
    workdir = tmp_path_factory.mktemp("oidc-site")
    port = free_port()
    callback = f"http://127.0.0.1:{port}/oauth2callback"
    provider = OidcProvider(workdir, [Client(CLIENT_ID, CLIENT_SECRET, [callback], [callback])],
                            [ADA, BERT, CEES, DIRK])
    env = koers_env(workdir / "koers.duckdb", SECRET_KEY,
                    KOERS_OIDC_SERVER_METADATA_URL=provider.metadata_url, KOERS_OIDC_CLIENT_ID=CLIENT_ID,
                    KOERS_OIDC_CLIENT_SECRET=CLIENT_SECRET, KOERS_OIDC_PROVIDER_NAME="Testprovider")
    run_koers(env, "init", "--no-secret", cwd=workdir)
    for user in (ADA, BERT, DIRK):
        run_koers(env, "coach", "add", user.email, "--name", user.name, "--password-stdin", cwd=workdir,
                  input="a koers password\n")
    server = Server(workdir, env, port=port, script="server.py")
    yield server
    server.stop()
    provider.stop()


@pytest.fixture
def loopback_only(context):
    """Every request the browser makes, asserted to stay on this machine."""
    hosts: list[str] = []
    context.on("request", lambda request: hosts.append(urlsplit(request.url).hostname or ""))
    yield
    assert hosts and set(hosts) <= {"127.0.0.1"}, sorted(set(hosts))


def sign_in_at_provider(page, user: User) -> None:
    page.get_by_role("button", name="Inloggen met Testprovider").click()
    page.get_by_role("heading", name="Sign in to the test provider").wait_for(timeout=30_000)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_role("button", name="Sign in").click()


def audit(site, action: str) -> list[tuple[str, dict]]:
    with duckdb.connect(str(site.workdir / "koers.duckdb"), read_only=True) as con:
        found = con.execute("SELECT actor, detail FROM audit_log WHERE action = ? ORDER BY id", [action]).fetchall()
    return [(actor, json.loads(detail) if detail else {}) for actor, detail in found]


def coach_id(site, email: str) -> int:
    with open_database(load_settings({}, secrets_file=None, db=site.workdir / "koers.duckdb")).read() as con:
        return accounts.coach_by_email(con, email).id


def set_active(site, email: str, active: bool) -> None:
    with open_database(load_settings({}, secrets_file=None, db=site.workdir / "koers.duckdb")).write() as con:
        accounts.set_active(con, accounts.coach_by_email(con, email).id, active)


def test_a_coach_signs_in_with_the_provider_stays_signed_in_and_signs_out_everywhere(
        oidc_site, context, page, loopback_only, screenshot):
    page.goto(oidc_site.url)
    wait_for_app(page)
    page.get_by_label("E-mailadres").wait_for()  # password accounts keep working beside the provider
    screenshot(page, "oidc-sign-in-page")
    sign_in_at_provider(page, ADA)
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    page.get_by_text("Ingelogd als Ada Coach").wait_for()

    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)

    second = context.new_page()
    second.goto(f"{oidc_site.url}/account")  # a new tab, as a link in an email opens
    wait_for_app(second)
    second.get_by_text("Ingelogd als Ada Coach").wait_for(timeout=30_000)
    # No sign-in form (the Account page itself has "Huidig wachtwoord").
    assert second.get_by_label("Wachtwoord", exact=True).count() == 0

    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("button", name="Yes, sign me out").click(timeout=30_000)  # the provider's own sign-out
    wait_for_app(page)
    page.get_by_role("button", name="Inloggen met Testprovider").wait_for(timeout=30_000)

    # The second tab still holds the identity it started with; its next interaction is refused.
    second.get_by_role("link", name="Caseload").click()
    second.get_by_text("Je bent in deze browser uitgelogd").wait_for(timeout=30_000)
    second.reload()
    wait_for_app(second)
    second.get_by_role("button", name="Inloggen met Testprovider").wait_for(timeout=30_000)
    assert second.get_by_text("Ingelogd als").count() == 0

    ada = f"coach:{coach_id(oidc_site, ADA.email)}"
    assert audit(oidc_site, "sign_in")[-1:] == [(ada, {"method": "oidc"})]
    assert audit(oidc_site, "sign_out")[-1:] == [(ada, {"method": "oidc"})]


def test_a_deactivated_coach_is_refused_at_the_next_interaction(oidc_site, page, loopback_only):
    page.goto(oidc_site.url)
    wait_for_app(page)
    sign_in_at_provider(page, BERT)
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    set_active(oidc_site, BERT.email, False)
    try:
        page.get_by_role("link", name="Account").click()
        page.get_by_text("Het Koers-account van bert@practice.example is gedeactiveerd").wait_for(timeout=30_000)
        page.reload()  # the provider still says yes; Koers does not
        wait_for_app(page)
        page.get_by_role("button", name="Inloggen met Testprovider").wait_for(timeout=30_000)
        assert page.get_by_text("Ingelogd als").count() == 0
    finally:
        set_active(oidc_site, BERT.email, True)
    bert = f"coach:{coach_id(oidc_site, BERT.email)}"
    assert (bert, {"method": "oidc", "reason": "inactive"}) in audit(oidc_site, "sign_in_refused")


@pytest.mark.parametrize("user,message,detail", [
    (CEES, "Met cees@practice.example kun je niet bij Koers",
     {"method": "oidc", "reason": "unknown", "email_domain": "practice.example"}),
    (DIRK, "Je account meldt geen bevestigd e-mailadres", {"method": "oidc", "reason": "unverified"}),
])
def test_an_unknown_or_unverified_email_is_refused_and_audited(oidc_site, page, loopback_only, user, message,
                                                                 detail):
    page.goto(oidc_site.url)
    wait_for_app(page)
    sign_in_at_provider(page, user)
    page.get_by_text(message).wait_for(timeout=30_000)
    assert page.get_by_text("Ingelogd als").count() == 0
    assert ("anonymous", detail) in audit(oidc_site, "sign_in_refused")


@pytest.fixture(scope="session")
def secrets_toml_site(tmp_path_factory):
    """Koers configured the way Streamlit documents it: a named provider in [auth] in
    .streamlit/secrets.toml, served by `streamlit run dashboard/app.py`, with password sign-in off."""
    workdir = tmp_path_factory.mktemp("oidc-secrets-site")
    port = free_port()
    callback = f"http://127.0.0.1:{port}/oauth2callback"
    provider = OidcProvider(workdir, [Client(CLIENT_ID, CLIENT_SECRET, [callback], [callback])], [ADA])
    (workdir / ".streamlit").mkdir()
    (workdir / ".streamlit" / "secrets.toml").write_text(f"""
[auth]
redirect_uri = "{callback}"
cookie_secret = "secrets-toml-cookie-secret-0123456789abcdef"

[auth.practice]
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{provider.metadata_url}"
""", encoding="utf-8")
    env = koers_env(workdir / "koers.duckdb", SECRET_KEY, KOERS_PASSWORD_SIGNIN="false",
                    KOERS_OIDC_PROVIDER_NAME="Testprovider")
    run_koers(env, "init", "--no-secret", cwd=workdir)
    run_koers(env, "coach", "add", ADA.email, "--name", ADA.name, "--password-stdin", cwd=workdir,
              input="a koers password\n")
    server = Server(workdir, env, port=port)
    yield server
    server.stop()
    provider.stop()


def test_an_auth_section_in_secrets_toml_works_as_streamlit_documents_it(secrets_toml_site, page, loopback_only):
    page.goto(secrets_toml_site.url)
    wait_for_app(page)
    page.get_by_role("button", name="Inloggen met Testprovider").wait_for(timeout=30_000)
    assert page.get_by_label("Wachtwoord", exact=True).count() == 0  # KOERS_PASSWORD_SIGNIN=false
    sign_in_at_provider(page, ADA)
    page.get_by_text("Ingelogd als Ada Coach").wait_for(timeout=30_000)
    page.reload()
    wait_for_app(page)
    page.get_by_text("Ingelogd als Ada Coach").wait_for(timeout=30_000)
