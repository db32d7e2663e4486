"""What needs attention, as the caseload and the client page say it: the words of a client's most
urgent flags, and the next step each flag offers. The words themselves come from `tracking.flag_text`
(through `AttentionItem.words`); this module only chooses and joins them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from tracking import flag_text
from tracking.i18n import t

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


# Within one client: open before acknowledged, then as urgent as the kind is (a kind this page does
# not know ranks with a deterioration), then the newest first.
KIND_RANK = {"contact_request": 0, "dominant_shift": 1, "reliable_deterioration": 2, "not_on_track": 2,
             "missed_checkins": 3, "focus_mismatch": 4, "reliable_improvement": 5}


def ordered(items: Sequence[AttentionItem]) -> list[AttentionItem]:
    return sorted(items, key=lambda item: (item.status != "open", KIND_RANK.get(item.kind, 2), -item.at.timestamp(),
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
