"""What is due, decided from plain data and a frozen `now`: invitations at each client's local time
(right across daylight saving), one follow-up, contact requests, the coach's digest, retries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tracking.mail.due import (
    MAX_ATTEMPTS,
    ContactFlag,
    DigestCoach,
    OpenPeriod,
    ReminderRules,
    ScheduledClient,
    UnsentEmail,
    due_contacts,
    due_digests,
    due_followups,
    due_invitations,
    due_reminders,
    invitation_key,
    next_attempt,
    obsolete,
)
from tracking.schedule import Schedule

RULES = ReminderRules(window_days=5, followup_hours=48)
AMS, NYC = "Europe/Amsterdam", "America/New_York"
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def client(client_id="C1", weekday=0, time="09:00", tz=AMS, *, status="active", email="c1@example.org",
           schedule_from=LONG_AGO) -> ScheduledClient:
    return ScheduledClient(client_id, email, status, Schedule(weekday, time, tz), schedule_from)


def invited(clients, now, keys=frozenset()) -> list[tuple[str, datetime]]:
    return [(r.client_id, r.opens_at) for r in due_invitations(clients, keys, now, RULES)]


def test_it_invites_each_client_at_nine_in_their_own_time_zone():
    cast = [client("AMS", tz=AMS), client("NYC", tz=NYC)]
    monday = utc(2026, 11, 30)
    assert invited(cast, monday + timedelta(hours=7, minutes=59)) == []
    assert invited(cast, monday + timedelta(hours=8)) == [("AMS", monday + timedelta(hours=8))]
    assert invited(cast, monday + timedelta(hours=13, minutes=59)) == [("AMS", monday + timedelta(hours=8))]
    assert invited(cast, monday + timedelta(hours=14)) == [
        ("AMS", monday + timedelta(hours=8)), ("NYC", monday + timedelta(hours=14))]


def test_the_first_invitation_is_at_the_first_scheduled_time_after_the_client_was_added():
    added_after_nine = client(schedule_from=utc(2026, 11, 30, 8, 5))
    assert invited([added_after_nine], utc(2026, 11, 30, 9, 0)) == []
    assert invited([added_after_nine], utc(2026, 12, 7, 8, 0)) == [("C1", utc(2026, 12, 7, 8, 0))]
    added_before_nine = client(schedule_from=utc(2026, 11, 30, 7, 55))
    assert invited([added_before_nine], utc(2026, 11, 30, 8, 0)) == [("C1", utc(2026, 11, 30, 8, 0))]


def test_an_invitation_in_the_outbox_is_not_due_again():
    opens = utc(2026, 11, 30, 8, 0)
    assert invited([client()], utc(2026, 11, 30, 9, 0), {invitation_key("C1", opens)}) == []


def test_a_late_run_still_invites_while_the_window_is_open_but_not_after_it_closed():
    opens = utc(2026, 11, 30, 8, 0)  # the window closes five days later, Saturday 09:00 local
    assert invited([client()], utc(2026, 12, 5, 7, 59)) == [("C1", opens)]
    assert invited([client()], utc(2026, 12, 5, 8, 0)) == []


def test_nobody_who_is_paused_ended_without_an_address_or_a_schedule_is_invited():
    now = utc(2026, 11, 30, 9, 0)
    cast = [client("P", status="paused"), client("E", status="ended"), client("N", email=None),
            ScheduledClient("S", "s@example.org", "active", None, LONG_AGO)]
    assert invited(cast, now) == []


def test_the_same_local_time_across_the_spring_change():
    # Amsterdam moves to summer time on Sunday 29 March 2026: 09:00 local is 08:00 UTC before, 07:00 after.
    sunday = client(weekday=6)
    assert invited([sunday], utc(2026, 3, 22, 8, 0)) == [("C1", utc(2026, 3, 22, 8, 0))]
    last_week = {invitation_key("C1", utc(2026, 3, 22, 8))}
    assert invited([sunday], utc(2026, 3, 29, 6, 59), last_week) == []  # 08:59 in Amsterdam
    assert invited([sunday], utc(2026, 3, 29, 7, 0)) == [("C1", utc(2026, 3, 29, 7, 0))]


def test_a_time_that_does_not_exist_is_invited_once_an_hour_later():
    # 02:30 does not exist on 29 March 2026 in Amsterdam: the invitation goes at 03:30 CEST (01:30 UTC).
    night = client(weekday=6, time="02:30")
    earlier = {invitation_key("C1", utc(2026, 3, 22, 1, 30))}
    assert invited([night], utc(2026, 3, 29, 1, 29), earlier) == []
    assert invited([night], utc(2026, 3, 29, 1, 30), earlier) == [("C1", utc(2026, 3, 29, 1, 30))]
    sent = earlier | {invitation_key("C1", utc(2026, 3, 29, 1, 30))}
    assert invited([night], utc(2026, 3, 29, 2, 30), sent) == []


def test_a_time_that_exists_twice_is_invited_once_at_the_first():
    # 02:30 happens twice on 25 October 2026 in Amsterdam: first at 00:30 UTC (CEST), again at 01:30 UTC.
    night = client(weekday=6, time="02:30")
    earlier = {invitation_key("C1", utc(2026, 10, 18, 0, 30))}
    assert invited([night], utc(2026, 10, 25, 0, 30), earlier) == [("C1", utc(2026, 10, 25, 0, 30))]
    sent = earlier | {invitation_key("C1", utc(2026, 10, 25, 0, 30))}
    assert invited([night], utc(2026, 10, 25, 1, 30), sent) == []


def test_a_new_time_inside_this_week_s_window_waits_for_next_week():
    # Invited Monday 09:00; at 09:30 the coach moves the reminders to Mondays 11:00.
    this_week = OpenPeriod(7, "C1", utc(2026, 11, 30, 8), utc(2026, 12, 5, 8), False, utc(2026, 11, 30, 8))
    moved = client(time="11:00", schedule_from=utc(2026, 11, 30, 8, 30))
    assert due_invitations([moved], frozenset(), utc(2026, 11, 30, 10, 0), RULES, [this_week]) == []
    (due,) = due_invitations([moved], frozenset(), utc(2026, 12, 7, 10, 0), RULES, [])
    assert due.opens_at == utc(2026, 12, 7, 10, 0)
    same_window = due_invitations([client()], frozenset(), utc(2026, 11, 30, 9), RULES, [this_week])
    assert [r.opens_at for r in same_window] == [utc(2026, 11, 30, 8)]  # its own period does not block it


def test_the_window_closes_after_the_configured_days_at_the_same_local_time():
    rules = ReminderRules(window_days=3)
    due = due_invitations([client()], frozenset(), utc(2026, 3, 27, 8, 0), rules)  # Friday
    assert due == []
    (reminder,) = due_invitations([client(weekday=4)], frozenset(), utc(2026, 3, 27, 8, 0), rules)
    assert reminder.closes_at == utc(2026, 3, 30, 7, 0)  # Monday 09:00 CEST, after the change


INVITED_AT = utc(2026, 11, 30, 8, 1)


def period(answered=False, sent_at=INVITED_AT, client_id="C1") -> OpenPeriod:
    return OpenPeriod(7, client_id, utc(2026, 11, 30, 8), utc(2026, 12, 5, 8), answered, sent_at)


def followed_up(periods, now, keys=frozenset(), clients=None) -> list[str]:
    return [r.client_id for r in due_followups(periods, clients or [client()], keys, now, RULES)]


def test_one_follow_up_is_due_48_hours_after_the_invitation_went_out():
    assert followed_up([period()], utc(2026, 12, 2, 8, 0)) == []
    assert followed_up([period()], utc(2026, 12, 2, 8, 1)) == ["C1"]
    (reminder,) = due_followups([period()], [client()], frozenset(), utc(2026, 12, 2, 8, 1), RULES)
    assert followed_up([period()], utc(2026, 12, 3, 8, 0), {reminder.key}) == []


def test_no_follow_up_once_the_client_checked_in_or_paused():
    assert followed_up([period(answered=True)], utc(2026, 12, 3)) == []
    assert followed_up([period()], utc(2026, 12, 3), clients=[client(status="paused")]) == []


def test_the_follow_up_waits_for_the_invitation_to_have_gone_out_and_not_past_the_window():
    assert followed_up([period(sent_at=None)], utc(2026, 12, 3)) == []
    late_invitation = period(sent_at=utc(2026, 12, 1, 8, 0))
    assert followed_up([late_invitation], utc(2026, 12, 3, 7, 59)) == []
    assert followed_up([late_invitation], utc(2026, 12, 3, 8, 0)) == ["C1"]
    assert followed_up([period()], utc(2026, 12, 5, 8, 0)) == []


def test_a_contact_request_emails_the_coach_once_while_it_is_recent_and_open():
    now = utc(2026, 11, 30, 9, 0)
    flags = [ContactFlag(1, "C1", 3, "coach@example.org", "open", utc(2026, 11, 30, 8, 58)),
             ContactFlag(2, "C2", 3, "coach@example.org", "acknowledged", utc(2026, 11, 30, 8, 0)),
             ContactFlag(3, "C3", 3, "coach@example.org", "open", utc(2026, 11, 20)),  # imported, old
             ContactFlag(4, "C4", None, None, "open", utc(2026, 11, 30, 8, 0))]  # no coach yet
    assert [r.flag_id for r in due_contacts(flags, frozenset(), now, RULES)] == [1]
    assert due_contacts(flags, {"contact:1"}, now, RULES) == []


def coach(weekday=4, time="17:00", tz=NYC, active=True) -> DigestCoach:
    return DigestCoach(3, "coach@example.org", active, Schedule(weekday, time, tz), LONG_AGO)


def test_the_digest_comes_weekly_at_the_coach_local_time():
    friday_five_pm = utc(2026, 12, 4, 22, 0)  # 17:00 in New York (EST)
    assert due_digests([coach()], frozenset(), friday_five_pm - timedelta(minutes=1), RULES) == []
    (digest,) = due_digests([coach()], frozenset(), friday_five_pm, RULES)
    assert digest.digest_date == date(2026, 12, 4)
    assert due_digests([coach()], {digest.key}, friday_five_pm + timedelta(hours=1), RULES) == []
    assert due_digests([coach()], frozenset(), friday_five_pm + timedelta(hours=24), RULES) == []  # too late
    assert due_digests([coach(active=False)], frozenset(), friday_five_pm, RULES) == []


def test_due_reminders_gathers_every_kind():
    now = utc(2026, 12, 4, 22, 0)
    due = due_reminders(
        [client(weekday=4, time="16:00", tz="UTC")], [], frozenset(), now, RULES, coaches=[coach()],
        contact_flags=[ContactFlag(1, "C1", 3, "coach@example.org", "open", now)],
    )
    assert sorted(r.kind for r in due) == ["contact", "digest", "invitation"]


def test_queued_emails_that_are_no_longer_needed_are_cancelled():
    now = utc(2026, 12, 3)
    window = utc(2026, 12, 5, 8)
    unsent = [
        UnsentEmail(1, "followup", "active", window, False),  # still needed
        UnsentEmail(2, "followup", "active", window, True),  # the client checked in
        UnsentEmail(3, "invitation", "paused", window, False),
        UnsentEmail(4, "invitation", "active", utc(2026, 12, 2), False),  # window closed
        UnsentEmail(5, "link", "paused", window, True),  # a link the coach sent on request still goes
        UnsentEmail(6, "digest", None, None, False),
    ]
    assert [(c.outbox_id, c.reason.split(": ")[1][:22]) for c in obsolete(unsent, now)] == [
        (2, "the client checked in "), (3, "the client's reminders"), (4, "the check-in window cl")]


def test_retries_back_off_the_first_within_fifteen_minutes_then_less_often_and_stop():
    failed = utc(2026, 12, 1, 9, 0)
    delays = [next_attempt(n, failed) - failed for n in range(1, MAX_ATTEMPTS)]
    assert delays[0] <= timedelta(minutes=15)
    assert delays == sorted(delays)
    assert delays[-1] == timedelta(hours=6)
    assert sum(delays, timedelta()) > timedelta(days=5)  # a long outage loses nothing
    assert next_attempt(MAX_ATTEMPTS, failed) is None
