"""What needs attention, as the caseload and the client page say it: the words of a client's most
urgent flags, and the next step each flag offers. The words themselves come from `tracking.flag_text`
(through `AttentionItem.words`); this module only chooses and joins them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from tracking import flag_text
from tracking.i18n import t
from tracking.models import kind_urgency

if TYPE_CHECKING:
    from tracking.store.caseload import AttentionItem

SEPARATOR = " · "  # the table wraps text but keeps no line breaks
WHY_ITEMS = 2  # the caseload names a client's two most urgent findings, and counts the rest

# What a coach does next, by kind: look at the focus, plan contact, or send a fresh link. A kind this
# page does not know yet (a newer detection) points at the focus, where the dynamics are explained.
NEXT_STEPS = {
    "dominant_shift": "focus",
    "focus_mismatch": "focus",
    "not_on_track": "focus",
    "reliable_deterioration": "contact",
    "reliable_improvement": "contact",
    "contact_request": "contact",
    "missed_checkins": "link",
}


def next_step(kind: str) -> str:
    """`focus`, `contact` or `link`."""
    return NEXT_STEPS.get(kind, "focus")


def next_step_words(kind: str, lang: str) -> str:
    """The sentence that says what to do next (`Plan contact met de cliënt`)."""
    if f"next.{kind}" in flag_text.TEXTS:
        return flag_text.next_step(kind, lang)
    return t(f"flags.next.{next_step(kind)}", lang)


# Within one client: open before acknowledged, then as urgent as the kind is, then the newest first.
def ordered(items: Sequence[AttentionItem]) -> list[AttentionItem]:
    return sorted(items, key=lambda item: (item.status != "open", kind_urgency(item.kind), -item.at.timestamp(),
                                           item.flag_id))


def why(items: Sequence[AttentionItem], lang: str, tz: str | None, today: date | None) -> str:
    """A client's caseload line: the most urgent findings in words, then how many more;
    findings a coach has acknowledged say so. Empty when nothing needs attention."""
    lines = []
    for item in ordered(items)[:WHY_ITEMS]:
        words = item.words(lang, tz, today)
        lines.append(words if item.status == "open" else t("caseload.why.seen", lang, what=words))
    if len(items) > WHY_ITEMS:
        lines.append(t("caseload.why.more", lang, n=len(items) - WHY_ITEMS))
    return SEPARATOR.join(lines)


# Flags as the client page holds them: the contract's JSON shape (`koers flags`), as dicts.

def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def wording(flag: Mapping[str, Any], lang: str, tz: str | None, note: str | None = None,
            today: date | None = None) -> flag_text.Wording:
    """A flag in the reader's language: plain words, the statistics apart, and why it retired."""
    retired = flag.get("retired") or {}
    return flag_text.words(flag["kind"], flag.get("evidence") or {}, lang, tz=tz, note=note,
                           retired_reason=retired.get("reason"), retired_at=moment(retired.get("at")), today=today)


def line(flag: Mapping[str, Any], lang: str, tz: str | None, today: date | None = None) -> str:
    """A flag in a few words with its date, without the client's note (safe for a widget label)."""
    at = moment(flag["at"])
    assert at is not None
    return flag_text.attention(flag["kind"], flag.get("evidence") or {}, at, lang, tz=tz, today=today)


def by_urgency(flags: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The most urgent kind first (unknown kinds with a deterioration), then the newest."""
    return sorted(flags, key=lambda f: (kind_urgency(f["kind"]), -_timestamp(f["at"]), f["id"]))


def _timestamp(text: str) -> float:
    found = moment(text)
    return found.timestamp() if found else 0.0
