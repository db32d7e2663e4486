"""What each email says, rendered as a text part and an HTML part in the recipient's language.

Pure: every function takes plain values and returns the email's `Content`. Each email is written once as a list
of blocks (paragraphs, a button, a list) and rendered twice, so the two parts always say the same.
Every value is escaped in the HTML part. Emails carry no health data: an invitation says nothing
about scores, and the coach's emails name the client (name and id), never scores, answers or notes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from urllib.parse import urlencode

from tracking.i18n import formats, long_moment, t, t_count

DIGEST_LINES_PER_SECTION = 25  # clients per part of the digest; the rest are counted


@dataclass(frozen=True)
class Content:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    small: bool = False


@dataclass(frozen=True)
class Button:
    label: str
    url: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


def local_moment(moment: datetime, tz: str, lang: str) -> str:
    """'maandag 30 november om 09:00' in the recipient's time zone."""
    return long_moment(moment, lang, tz)


def local_date(day: date, lang: str) -> str:
    """'maandag 30 november'."""
    return formats.long_day(day, lang)


Block = Paragraph | Button | Heading | Bullets


def _text(blocks: Sequence[Block]) -> str:
    parts = []
    for block in blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Button):
            parts.append(f"{block.label}:\n{block.url}")
        elif isinstance(block, Heading):
            parts.append(block.text.upper())
        elif isinstance(block, Bullets):
            parts.append("\n".join(f"- {item}" for item in block.items))
    return "\n\n".join(parts) + "\n"


def _lines(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.split("\n"))


def _html(blocks: Sequence[Block], lang: str) -> str:
    body = []
    for block in blocks:
        if isinstance(block, Paragraph):
            style = "font-size:13px;color:#5b6669" if block.small else "font-size:16px"
            body.append(f'<p style="{style};line-height:1.5;margin:0 0 16px">{_lines(block.text)}</p>')
        elif isinstance(block, Button):
            body.append(
                f'<p style="margin:0 0 16px"><a href="{html.escape(block.url, quote=True)}" '
                'style="display:inline-block;background:#2f6f73;color:#ffffff;padding:12px 20px;'
                f'border-radius:6px;text-decoration:none;font-size:16px">{html.escape(block.label)}</a></p>'
            )
        elif isinstance(block, Heading):
            body.append(f'<h2 style="font-size:17px;margin:20px 0 8px">{html.escape(block.text)}</h2>')
        elif isinstance(block, Bullets):
            items = "".join(f"<li>{html.escape(item)}</li>" for item in block.items)
            body.append(f'<ul style="font-size:15px;line-height:1.5;margin:0 0 16px">{items}</ul>')
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width"></head>'
        '<body style="margin:0;padding:24px;background:#fbfaf7;color:#1f2a2e;font-family:sans-serif">'
        '<div style="max-width:560px;margin:0 auto">' + "".join(body) + "</div></body></html>\n"
    )


def _email(subject: str, blocks: Sequence[Block], lang: str) -> Content:
    return Content(subject=subject, text=_text(blocks), html=_html(blocks, lang))


def _greeting(name: str | None, lang: str) -> Paragraph:
    return Paragraph(t("mail.hello_name", lang, name=name) if name else t("mail.hello", lang))


def first_name(name: str | None) -> str | None:
    """How an email to a coach greets them: 'Hoi Anne,' for Anne de Vries, as colleagues write."""
    words = (name or "").split()
    return words[0] if words else None


def _closing(lang: str) -> list[Block]:
    return [Paragraph(t("mail.signature", lang)), Paragraph(t("mail.automatic", lang), small=True)]


def checkin_invitation(
    *,
    kind: str,
    lang: str,
    name: str | None,
    url: str,
    closes_at: datetime,
    tz: str,
    pause_url: str | None,
    coach_name: str | None,
) -> Content:
    """An invitation, a follow-up or a link the coach sent on request (`kind`), with the personal
    check-in link and a one-click pause link."""
    closes = local_moment(closes_at, tz, lang)
    if kind == "followup":
        subject = t("mail.followup.subject", lang)
        intro = [Paragraph(t("mail.followup.intro", lang, closes=closes))]
    elif kind == "link":
        subject = t("mail.link.subject", lang)
        opening = (t("mail.link.intro_coach", lang, coach=coach_name) if coach_name
                   else t("mail.link.intro", lang))
        intro = [Paragraph(opening), Paragraph(t("mail.invitation.until", lang, closes=closes))]
    else:
        subject = t("mail.invitation.subject", lang)
        intro = [Paragraph(t("mail.invitation.intro", lang)),
                 Paragraph(t("mail.invitation.until", lang, closes=closes))]
    blocks: list[Block] = [_greeting(name, lang), *intro, Button(t("mail.invitation.button", lang), url),
              Paragraph(t("mail.link_private", lang), small=True)]
    if pause_url:
        told = f" {t('mail.pause_coach', lang, coach=coach_name)}" if coach_name else ""
        blocks += [Paragraph(t("mail.pause", lang) + told, small=True),
                   Button(t("mail.pause_button", lang), pause_url)]
    return _email(subject, blocks + _closing(lang), lang)


def contact_request(*, lang: str, coach_name: str | None, client_label: str, checkin_at: datetime, tz: str,
                    dashboard_url: str) -> Content:
    """To the coach: a client asked for contact. Names the client; no scores, answers or note."""
    blocks: list[Block] = [
        _greeting(first_name(coach_name), lang),
        Paragraph(t("mail.contact.body", lang, client=client_label, when=local_moment(checkin_at, tz, lang))),
        Paragraph(t("mail.contact.more", lang)),
        Button(t("mail.open_dashboard", lang), dashboard_url),
    ]
    return _email(t("mail.contact.subject", lang, client=client_label), blocks + _closing(lang), lang)


def concern(*, lang: str, coach_name: str | None, client_label: str, checkin_at: datetime, tz: str,
            contact_request: bool, response_working_days: int, dashboard_url: str) -> Content:
    """To the coach, at once: a check-in crossed a level the practice set as a concern. Names the client
    and says what the client was told; no scores, answers or note."""
    told = t_count("mail.concern.told", lang, response_working_days)
    blocks: list[Block] = [
        _greeting(first_name(coach_name), lang),
        Paragraph(t("mail.concern.body", lang, client=client_label, when=local_moment(checkin_at, tz, lang))),
        *([Paragraph(t("mail.concern.contact", lang))] if contact_request else []),
        Paragraph(told),
        Button(t("mail.open_dashboard", lang), dashboard_url),
    ]
    return _email(t("mail.concern.subject", lang, client=client_label), blocks + _closing(lang), lang)


def paused(*, lang: str, coach_name: str | None, client_label: str, paused_at: datetime, tz: str,
           dashboard_url: str) -> Content:
    """To the coach: a client paused their reminders with the link in an email."""
    blocks: list[Block] = [
        _greeting(first_name(coach_name), lang),
        Paragraph(t("mail.paused.body", lang, client=client_label, when=local_moment(paused_at, tz, lang))),
        Button(t("mail.open_dashboard", lang), dashboard_url),
    ]
    return _email(t("mail.paused.subject", lang, client=client_label), blocks + _closing(lang), lang)


class ClientLine(Protocol):
    """One client of a digest (`tracking.store.flags.DigestLine`): what is new or still open, in words."""

    @property
    def new(self) -> int: ...  # findings raised since the last digest

    def words(self, lang: str, tz: str | None = None) -> str: ...


def digest(*, lang: str, coach_name: str | None, day: date, clients: int, lines: Sequence[ClientLine],
           tz: str, dashboard_url: str) -> Content:
    """To the coach, weekly: one line per client with what needs attention, in words (the kind, the
    dynamics, the date; never a client's note), the most urgent client first; clients with something
    new since the last digest apart from those with something still open. No client twice."""
    blocks: list[Block] = [_greeting(first_name(coach_name), lang)]
    if not lines:
        blocks.append(Paragraph(t("mail.digest.nothing", lang, clients=clients)))
    else:
        blocks.append(Paragraph(t("mail.digest.intro", lang, clients=clients)))
        for section, chosen in (("new", [line for line in lines if line.new]),
                                ("open", [line for line in lines if not line.new])):
            if not chosen:
                continue
            shown = [line.words(lang, tz) for line in chosen[:DIGEST_LINES_PER_SECTION]]
            if len(chosen) > DIGEST_LINES_PER_SECTION:
                shown.append(t("mail.digest.more", lang, n=len(chosen) - DIGEST_LINES_PER_SECTION))
            blocks += [Heading(f"{t(f'mail.digest.section.{section}', lang)} ({len(chosen)})"), Bullets(shown)]
    blocks += [Paragraph(t("mail.digest.details", lang)),
               Button(t("mail.open_dashboard", lang), dashboard_url)]
    return _email(t("mail.digest.subject", lang, date=local_date(day, lang)), blocks + _closing(lang), lang)


def dashboard_url(base_url: str, client_id: str | None = None) -> str:
    """The dashboard, or one client's page on it, for the button in a coach's email."""
    base = base_url.rstrip("/")
    if client_id is None:
        return base + "/"
    return f"{base}/client?{urlencode({'client': client_id})}"


def client_label(client_id: str, name: str | None) -> str:
    """How a coach's email names a client: the name (if set) and the id."""
    return f"{name} ({client_id})" if name else client_id
