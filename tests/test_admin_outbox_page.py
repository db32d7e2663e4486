"""The admin's outbox page through AppTest: every email with status, attempts, next attempt and last
error; filters; "retry now" for failed emails; the .eml folder; and only for admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard_helpers import ANNE, MARC, ROOT, signed_in, texts
from tracking.models import Email
from tracking.store import audit, outbox
from tracking.store.connection import Database

pytestmark = pytest.mark.usefixtures("demo_db")
NOW = datetime.now(UTC)


def email(key, kind="invitation", recipient="k-101@example.org", client_id="K-101"):
    return Email(key, kind, recipient, f"Subject {key}", "text", None, "nl", client_id=client_id)


@pytest.fixture
def queued(demo_db):
    """One email sent, one failed with an error, one waiting; and two .eml files beside the database."""
    db = Database(demo_db)
    with db.write() as con:
        emails = [email("sent-one"), email("failed-one", recipient="gone@example.org"),
                  email("digest-one", "digest", "anne@koers.example", None)]
        outbox.enqueue(con, emails, NOW - timedelta(hours=1))
        sent = outbox.claim_next(con, NOW, "test")
        outbox.mark_sent(con, sent, "test", NOW)
        failed = outbox.claim_next(con, NOW, "test")
        outbox.mark_failed(con, failed.id, "test", NOW, "550 5.1.1 no such user", None)
        outbox.record_run(con, runner="scheduler", host="koers-host", pid=1, transport="x", now=NOW, queued=3)
    folder = demo_db.parent / "outbox"
    folder.mkdir()
    (folder / "20261130-080000-000001-invitation.eml").write_text("To: a@example.org\n\nhello\n")
    (folder / "20261130-080000-000002-digest.eml").write_text("x" * 1234)
    return failed


def column(at, name: str) -> list:
    return list(at.dataframe[0].value[name])


def test_it_lists_every_email_with_status_attempts_and_last_error(queued):
    at = signed_in(ANNE, page="admin_outbox")
    assert not at.exception
    assert at.title[0].value == "Mail outbox"
    assert column(at, "Status") == ["queued", "failed", "sent"]
    assert column(at, "Kind") == ["weekly digest", "invitation", "invitation"]
    assert column(at, "Attempts") == [0, 1, 1]
    assert "550 5.1.1 no such user" in column(at, "Last error")[1]
    shown = texts(at)
    assert "Queued: 1 · sending: 0 · sent: 1 · failed: 1 · cancelled: 0" in shown
    assert "Last run of scheduler" in shown and "koers-host" in shown
    assert "No mail server set" in at.info[0].value


def test_the_filters_narrow_the_list(queued):
    at = signed_in(ANNE, page="admin_outbox")
    at.multiselect(key="outbox.status").set_value(["failed"]).run()
    assert column(at, "Recipient") == ["gone@example.org"]
    at.multiselect(key="outbox.status").set_value([]).run()
    at.multiselect(key="outbox.kind").set_value(["digest"]).run()
    assert column(at, "Recipient") == ["anne@koers.example"]
    at.multiselect(key="outbox.kind").set_value([]).run()
    at.text_input(key="outbox.search").set_value("k-101").run()
    assert len(column(at, "Recipient")) == 2


def test_retry_now_puts_a_failed_email_back_in_the_queue(queued, demo_db):
    at = signed_in(ANNE, page="admin_outbox")
    assert at.multiselect(key="outbox.retry_ids").value == [queued.id]
    at.button(key="outbox.retry").click().run()
    assert not at.exception
    assert "1 email(s) go out with the scheduler's next run" in texts(at)
    with Database(demo_db).read() as con:
        row = outbox.get(con, queued.id)
        actions = [entry.action for entry in audit.recent(con)]
    assert row.status == "pending" and row.next_attempt_at <= datetime.now(UTC)
    assert "outbox_retry" in actions


def test_it_lists_the_eml_files_with_their_sizes(queued):
    at = signed_in(ANNE, page="admin_outbox")
    files = at.dataframe[1].value
    sizes = dict(zip(files["File"], files["Size (bytes)"], strict=True))
    assert sizes["20261130-080000-000002-digest.eml"] == "1,234"
    assert "20261130-080000-000001-invitation.eml" in sizes
    assert not at.get("download_button")
    at.selectbox(key="outbox.file").set_value("20261130-080000-000001-invitation.eml").run()
    assert len(at.get("download_button")) == 1


def test_a_coach_who_is_not_an_admin_never_sees_it(queued):
    routed = signed_in(MARC, page="admin_outbox")  # not in a coach's navigation: the caseload instead
    assert [t.value for t in routed.title] == ["Caseload"]
    direct = AppTest.from_file(str(ROOT / "dashboard" / "views" / "admin_outbox.py"), default_timeout=60)
    direct.session_state["coach_id"] = MARC
    direct.session_state["coach_generation"] = 0
    direct.session_state["last_active"] = datetime.now(UTC)
    direct.session_state["lang"] = "en"
    direct.run()
    assert [e.value for e in direct.error] == ["This page is for administrators only."]
    assert not direct.dataframe


def test_looking_at_the_outbox_is_recorded_once_per_session(queued, demo_db):
    at = signed_in(ANNE, page="admin_outbox")
    at.run()  # a second run of the same session (a filter, a click) is the same look
    with Database(demo_db).read() as con:
        views = [entry for entry in audit.recent(con) if entry.action == "view_outbox"]
    assert [(entry.actor, entry.client_id, entry.detail) for entry in views] == [(f"coach:{ANNE}", None, {"emails": 3})]


def test_a_client_the_audit_log_holds_nothing_about_is_named_in_words_in_both_languages(demo_db):
    from tests.dashboard_helpers import shown

    # Each look is recorded about the client it was narrowed to: two languages, two ids.
    for lang, client, expected in (("nl", "Z-998", "Niets vastgelegd over cliënt Z-998."),
                                   ("en", "Z-999", "Nothing recorded about client Z-999.")):
        at = signed_in(ANNE, lang=lang, page="admin_audit")
        at.text_input[0].set_value(client).run()
        assert shown(at, "info") == [expected]
        assert not at.dataframe


def test_reading_the_audit_log_is_recorded_and_so_is_the_client_it_is_narrowed_to(demo_db):
    at = signed_in(ANNE, page="admin_audit")
    at.run()
    at.text_input[0].set_value("K-101").run()
    at.text_input[0].set_value("K-101").run()
    with Database(demo_db).read() as con:
        views = [entry for entry in audit.recent(con) if entry.action == "view_audit_log"]
        about_k101 = len(audit.recent(con, client_id="K-101"))
    assert [(entry.actor, entry.client_id) for entry in reversed(views)] == [
        (f"coach:{ANNE}", None), (f"coach:{ANNE}", "K-101")]
    narrowed, whole = views
    assert whole.detail["entries"] >= 1
    assert narrowed.detail["entries"] == about_k101 - 1  # what was listed before this look was recorded
    assert "Audit log viewed" in set(signed_in(ANNE, page="admin_audit").dataframe[0].value["What"])
