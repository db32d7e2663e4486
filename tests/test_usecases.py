"""The application layer, walked: every use case runs once on a real database and records the
audit action it declares. A use case without a scenario here fails the test, so a new one cannot be
added without proving what it records."""

from __future__ import annotations

import collections
import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests import factories
from tests.conftest import BACKENDS, NOW
from tests.factories import OPERATOR, checkin, csv_text
from tracking import oidc
from tracking.audit import Action
from tracking.context import Actor, Context
from tracking.mail.outbox import fill_outbox, open_links
from tracking.usecases import (
    all_use_cases,
    clients,
    coaches,
    data,
    flags,
    links,
    outbox_admin,
    pause,
    privacy,
    provider_signin,
    refusals,
    safety,
)
from tracking.usecases import checkin as checkin_cases

SECRET = "usecase-tests-secret-key-0123456789abcdef"


class World:
    """A practice: an admin (Ada), a coach (Bo) with client C1 who has a few check-ins; on a DuckDB file
    or a PostgreSQL database (`location`), new or copied from a template world."""

    def __init__(self, tmp_path: Path, location: Any, *, fresh: bool):
        self.tmp_path = tmp_path
        self.location = location
        self.ctx: Context = factories.context(location, KOERS_SECRET_KEY=SECRET,
                                              KOERS_OUTBOX_DIR=str(tmp_path / "outbox"))
        if fresh:
            factories.coach(self.ctx, "ada@example.org", "Ada", is_admin=True, now=NOW)
            factories.coach(self.ctx, "bo@example.org", "Bo", now=NOW)
            factories.client(self.ctx, "C1", coach_email="bo@example.org", name="Sanne",
                             now=NOW - timedelta(days=60))
            rows = factories.weekly("C1", 6, start=NOW - timedelta(weeks=6), contact_request="1")
            factories.stored_checkins(self.ctx, rows, tmp_path, now=NOW)
        self.admin = Actor.coach(coaches.coach(self.ctx, 1))
        self.coach_record = coaches.coach(self.ctx, 2)
        self.coach = Actor.coach(self.coach_record)

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.ctx.db.read() as con:
            return con.execute(sql, params).fetchall()

    def change(self, sql: str) -> None:
        with self.ctx.db.write() as con:
            con.execute(sql)

    def actions(self) -> collections.Counter[str]:
        return collections.Counter(a for (a,) in self.query("SELECT action FROM audit_log"))

    def flag_id(self, status: str = "open") -> int:
        return self.query("SELECT min(id) FROM flags WHERE client_id = 'C1' AND status = ? "
                          "AND withdrawn_at IS NULL", [status])[0][0]

    def token(self) -> str:
        return links.fresh_checkin_link(self.ctx, self.coach, "C1", now=NOW).url.split("?t=")[1]

    def pause_token(self) -> str:
        links.email_fresh_link(self.ctx, self.coach, "C1", now=NOW)
        (body,) = self.query("SELECT body_text FROM outbox WHERE kind = 'link'")[0]
        return re.search(r"\?pause=([A-Za-z0-9_\-.]+)", open_links(body, SECRET))[1]


def _totp(world: World) -> None:
    secret = pyotp.random_base32()
    coaches.enable_totp(world.ctx, world.coach, secret, pyotp.TOTP(secret).at(NOW), now=NOW)
    world.totp_secret = secret


def _sign_in_with_totp(world: World) -> None:
    _totp(world)
    later = NOW + timedelta(minutes=2)
    coaches.sign_in_with_totp(world.ctx, world.coach_record.id, pyotp.TOTP(world.totp_secret).at(later), now=later)


def _disable_totp(world: World) -> None:
    _totp(world)
    later = NOW + timedelta(minutes=2)
    coaches.disable_totp(world.ctx, world.coach, pyotp.TOTP(world.totp_secret).at(later), now=later)


def _seal_secrets(world: World) -> None:
    # a second factor enrolled before secrets were sealed
    with world.ctx.db.write() as con:
        con.execute("UPDATE coaches SET totp_secret = ? WHERE id = ?", [pyotp.random_base32(), world.coach_record.id])
    assert coaches.seal_totp_secrets(world.ctx, OPERATOR, now=NOW) == 1


def _flush_refusals(world: World) -> None:
    tally = refusals.tally(world.ctx)
    tally.add(refusals.Kind(Action.PAUSE_LINK_REFUSED, Actor.anonymous(), None, (("status", "tampered"),)), NOW)
    refusals.flush(world.ctx, NOW, force=True)


def _demo(world: World) -> None:
    with world.ctx.db.write() as con:  # the demo goes into an empty database only
        tables = con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                             "AND table_schema IN ('main', 'public') AND table_name NOT IN "
                             "('schema_migrations', 'instrument_items', 'audit_log')").fetchall()
        for (table,) in tables:
            con.execute(f'DELETE FROM "{table}"')
    data.load_demo(world.ctx, OPERATOR, now=NOW, seed=1, if_empty=False)


def _unassigned(world: World) -> None:
    factories.stored_checkins(world.ctx, [checkin("U1", (NOW - timedelta(days=1)).isoformat())], world.tmp_path,
                              now=NOW)
    clients.assign_clients(world.ctx, world.admin, ["U1"], world.coach_record.id, now=NOW)


def _identity(email: str = "bo@example.org") -> oidc.Identity:
    return oidc.Identity("https://id.example", "subject-1", email, ("koers",), NOW - timedelta(minutes=1), "n")


def _provider_sign_out(world: World) -> None:
    provider_signin.admit(world.ctx, _identity(), client_id="koers", now=NOW)
    provider_signin.sign_out(world.ctx, _identity().session_key, now=NOW)


def _import(world: World) -> None:
    source = world.tmp_path / "more.csv"
    source.write_text(csv_text([checkin("C1", (NOW - timedelta(hours=1)).isoformat())]), encoding="utf-8")
    data.import_checkins(world.ctx, OPERATOR, source, now=NOW)


def _reopen(world: World) -> None:
    flag_id = world.flag_id()
    flags.resolve(world.ctx, world.coach, flag_id, now=NOW)
    flags.reopen(world.ctx, world.coach, flag_id, now=NOW)


def _retry(world: World) -> None:
    links.email_fresh_link(world.ctx, world.coach, "C1", now=NOW)
    world.change("UPDATE outbox SET status = 'failed'")
    ids = [i for (i,) in world.query("SELECT id FROM outbox")]
    outbox_admin.retry_emails(world.ctx, world.admin, ids, now=NOW)


def _missed(world: World) -> None:
    links.email_fresh_link(world.ctx, world.coach, "C1", now=NOW)  # an extra check-in nobody answers
    world.change("UPDATE periods SET kind = 'scheduled'")
    fill_outbox(world.ctx, NOW + timedelta(days=8))


def _concern(world: World) -> None:
    heaviest = {item.id: 0 if item.reversed else 10 for item in world.ctx.instrument.items}
    checkin_cases.submit(world.ctx, world.token(), checkin_cases.clean_answers(world.ctx.instrument, heaviest),
                         now=NOW)
    [alert] = [a for a in safety.alerts(world.ctx, world.coach.viewer) if a.kind == "concern"]
    safety.acknowledge_concern(world.ctx, world.coach, alert.id, now=NOW)


SCENARIOS = {
    "clients.add_client": lambda w: factories.client(w.ctx, "C2", coach_email="bo@example.org", now=NOW),
    "clients.update_client": lambda w: clients.update_client(
        w.ctx, w.coach, "C1", clients.ClientDetails(email="sanne@example.org", name="Sanne"), now=NOW),
    "clients.assign_clients": _unassigned,
    "clients.set_focus": lambda w: clients.set_focus(w.ctx, w.coach, "C1", "identity", now=NOW),
    "clients.add_observation": lambda w: clients.add_observation(
        w.ctx, w.coach, "C1", clients.Observation(observed_at=NOW, note="tense"), now=NOW),
    "clients.record_caseload_view": lambda w: clients.record_caseload_view(w.ctx, w.coach, 1, now=NOW),
    "clients.record_client_view": lambda w: clients.record_client_view(w.ctx, w.coach, "C1", now=NOW),
    "coaches.add_coach": lambda w: coaches.add_coach(w.ctx, w.admin, "cy@example.org", "Cy", "another long secret"),
    "coaches.set_coach_active": lambda w: coaches.set_coach_active(w.ctx, w.admin, w.coach_record.id, False),
    "coaches.set_coach_admin": lambda w: coaches.set_coach_admin(w.ctx, w.admin, w.coach_record.id, True),
    "coaches.unlock_coach": lambda w: coaches.unlock_coach(w.ctx, w.admin, w.coach_record.id),
    "coaches.reset_password": lambda w: coaches.reset_password(w.ctx, w.admin, w.coach_record.id, "a new secret!"),
    "coaches.set_preferences": lambda w: coaches.set_preferences(
        w.ctx, w.coach, lang="en", digest_weekday=4, digest_time="17:00", tz="Europe/Brussels"),
    "coaches.change_password": lambda w: coaches.change_password(
        w.ctx, w.coach, factories.PASSWORD, "a new secret!", "a new secret!"),
    "coaches.enable_totp": _totp,
    "coaches.disable_totp": _disable_totp,
    "coaches.sign_in_with_password": lambda w: coaches.sign_in_with_password(
        w.ctx, "bo@example.org", factories.PASSWORD, now=NOW),
    "coaches.sign_in_with_totp": _sign_in_with_totp,
    "coaches.seal_totp_secrets": _seal_secrets,
    "refusals.flush": _flush_refusals,
    "flags.acknowledge": lambda w: flags.acknowledge(w.ctx, w.coach, w.flag_id(), "seen", now=NOW),
    "flags.acknowledge_several": lambda w: flags.acknowledge_several(w.ctx, w.coach, "C1", [w.flag_id()], "seen",
                                                                     now=NOW),
    "flags.resolve": lambda w: flags.resolve(w.ctx, w.coach, w.flag_id(), now=NOW),
    "flags.reopen": _reopen,
    "flags.list_flags": lambda w: flags.list_flags(w.ctx, OPERATOR, client_id="C1"),
    "flags.flags_as_json": lambda w: flags.flags_as_json(w.ctx, OPERATOR, client_id="C1", lang="nl"),
    "links.fresh_checkin_link": lambda w: links.fresh_checkin_link(w.ctx, w.coach, "C1", now=NOW),
    "links.email_fresh_link": lambda w: links.email_fresh_link(w.ctx, w.coach, "C1", now=NOW),
    "checkin.open_link": lambda w: checkin_cases.open_link(w.ctx, w.token(), now=NOW),
    "checkin.submit": lambda w: checkin_cases.submit(
        w.ctx, w.token(), checkin_cases.clean_answers(w.ctx.instrument, {"sleep": 4}), now=NOW),
    "safety.acknowledge_concern": _concern,
    "pause.open_pause_link": lambda w: pause.open_pause_link(w.ctx, "not-a-link", now=NOW),
    "pause.pause_reminders": lambda w: pause.pause_reminders(w.ctx, w.pause_token(), now=NOW),
    "data.import_checkins": _import,
    "data.recompute": lambda w: data.recompute(w.ctx, OPERATOR, now=NOW),
    "data.load_demo": _demo,
    "data.timeline": lambda w: data.timeline(w.ctx, w.coach, "C1", now=NOW),
    "data.record_export": lambda w: data.record_export(w.ctx, w.coach, "C1", "csv", now=NOW),
    "privacy.export_client": lambda w: privacy.export_client(w.ctx, OPERATOR, "C1", now=NOW),
    "privacy.erase_client": lambda w: privacy.erase_client(w.ctx, OPERATOR, "C1", now=NOW),
    "privacy.backup": lambda w: privacy.backup(w.ctx, OPERATOR, w.tmp_path / "copy.duckdb", now=NOW),
    "outbox_admin.retry_emails": _retry,
    "outbox_admin.record_outbox_view": lambda w: outbox_admin.record_outbox_view(w.ctx, w.admin, 2, now=NOW),
    "coaches.record_audit_log_view": lambda w: coaches.record_audit_log_view(w.ctx, w.admin, 5, client_id="C1",
                                                                              now=NOW),
    "outbox_admin.record_eml_download": lambda w: outbox_admin.record_eml_download(
        w.ctx, w.admin, "20261123-120000-000001-link.eml", now=NOW),
    "outbox.fill_outbox": _missed,
    "provider_signin.admit": lambda w: provider_signin.admit(w.ctx, _identity(), client_id="koers", now=NOW),
    "provider_signin.refuse": lambda w: provider_signin.refuse(
        w.ctx, _identity("nobody@example.org"), oidc.Admission(refused="unknown"), now=NOW),
    "provider_signin.sign_out": _provider_sign_out,
}


@pytest.fixture(scope="module", params=BACKENDS)
def template(request, tmp_path_factory):
    """One world per database, built once; each test works on a copy."""
    folder = tmp_path_factory.mktemp("world")
    if request.param == "duckdb":
        yield World(folder, folder / "koers.duckdb", fresh=True).location
        return
    cluster = request.getfixturevalue("postgres_cluster")
    url = cluster.new_database()
    World(folder, url, fresh=True)
    yield url
    cluster.drop_database(url)


@pytest.fixture
def world(template, tmp_path, request):
    if isinstance(template, Path):
        shutil.copy(template, tmp_path / "koers.duckdb")
        yield World(tmp_path, tmp_path / "koers.duckdb", fresh=False)
        return
    cluster = request.getfixturevalue("postgres_cluster")
    copy = cluster.copy_database(template)
    yield World(tmp_path, copy, fresh=False)
    cluster.drop_database(copy)


def test_every_use_case_has_a_scenario():
    assert set(all_use_cases()) == set(SCENARIOS)


def _marked(name: str) -> Any:
    if name == "privacy.backup":  # on PostgreSQL, pg_dump backs up (tests/test_backup.py)
        return pytest.param(name, marks=pytest.mark.duckdb_file)
    return name


@pytest.mark.parametrize("name", [_marked(name) for name in sorted(SCENARIOS)])
def test_each_use_case_records_its_audit_action(name, world):
    use_case = all_use_cases()[name]
    before = world.actions()
    SCENARIOS[name](world)
    recorded = world.actions() - before
    declared = {action.value for action in use_case.actions}
    assert declared & set(recorded), f"{name} recorded {dict(recorded)}, none of {sorted(declared)}"
