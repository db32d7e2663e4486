"""The audit log in words: each action of `tracking.audit.Action` named once, and its stored details
(numbers and ids, as `audit.record` keeps them) told as a sentence in the reader's language.

`describe` picks, for an action, the first sentence whose placeholders its details fill; details a
sentence does not mention are left out (the log keeps them), and an action without details needs
no sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tracking.i18n as i18n
from tracking.i18n import formats, placeholders, t

TEXTS = {
    # Who did it, when it was not a coach.
    "audit.who.cli": {"nl": "Opdrachtregel op de server", "en": "Command line on the server"},
    "audit.who.scheduler": {"nl": "Herinneringen (planner)", "en": "Reminders (scheduler)"},
    "audit.who.anonymous": {"nl": "Onbekend (niet ingelogd)", "en": "Unknown (not signed in)"},
    "audit.who.client": {"nl": "Cliënt {client} (persoonlijke link)", "en": "Client {client} (personal link)"},
    # Every action, named once.
    "audit.sign_in": {"nl": "Ingelogd", "en": "Signed in"},
    "audit.sign_in_failed": {"nl": "Inloggen mislukt", "en": "Sign-in failed"},
    "audit.sign_in_refused": {"nl": "Inloggen geweigerd", "en": "Sign-in refused"},
    "audit.sign_out": {"nl": "Uitgelogd", "en": "Signed out"},
    "audit.sign_in_locked": {"nl": "Geblokkeerd na te veel pogingen", "en": "Locked after too many attempts"},
    "audit.password_change_failed": {"nl": "Huidig wachtwoord klopte niet", "en": "Current password was wrong"},
    "audit.totp_disable_failed": {"nl": "Code om tweestapsverificatie uit te zetten klopte niet",
                                  "en": "Code to turn off two-step verification was wrong"},
    "audit.totp_secrets_sealed": {"nl": "Tweestapsgeheimen versleuteld", "en": "Two-step secrets sealed"},
    "audit.view_client_refused": {"nl": "Cliëntpagina geweigerd", "en": "Client page refused"},
    "audit.client_add_refused": {"nl": "Cliënt toevoegen geweigerd", "en": "Adding a client refused"},
    "audit.account_preferences": {"nl": "Voorkeuren gewijzigd", "en": "Preferences changed"},
    "audit.password_change": {"nl": "Eigen wachtwoord gewijzigd", "en": "Own password changed"},
    "audit.totp_enable": {"nl": "Tweestapsverificatie aangezet", "en": "Two-step verification turned on"},
    "audit.totp_disable": {"nl": "Tweestapsverificatie uitgezet", "en": "Two-step verification turned off"},
    "audit.coach_add": {"nl": "Coach toegevoegd", "en": "Coach added"},
    "audit.coach_active": {"nl": "Coach (de)geactiveerd", "en": "Coach (de)activated"},
    "audit.coach_admin": {"nl": "Beheerrechten gewijzigd", "en": "Admin rights changed"},
    "audit.coach_unlock": {"nl": "Blokkade opgeheven", "en": "Lock-out lifted"},
    "audit.coach_password_reset": {"nl": "Wachtwoord van coach ingesteld", "en": "Coach's password set"},
    "audit.client_assign": {"nl": "Cliënt toegewezen", "en": "Client assigned"},
    "audit.outbox_retry": {"nl": "E-mail opnieuw geprobeerd", "en": "Email retried"},
    "audit.download_eml": {"nl": "E-mailbestand gedownload", "en": "Email file downloaded"},
    "audit.view_outbox": {"nl": "Verzonden mail bekeken", "en": "Mail outbox viewed"},
    "audit.view_audit_log": {"nl": "Auditlog bekeken", "en": "Audit log viewed"},
    "audit.view_caseload": {"nl": "Caseload bekeken", "en": "Caseload viewed"},
    "audit.view_client": {"nl": "Cliënt bekeken", "en": "Client viewed"},
    "audit.client_add": {"nl": "Cliënt toegevoegd", "en": "Client added"},
    "audit.edit_client": {"nl": "Cliëntgegevens gewijzigd", "en": "Client details changed"},
    "audit.set_focus": {"nl": "Focus gekozen", "en": "Focus chosen"},
    "audit.add_observation": {"nl": "Observatie vastgelegd", "en": "Observation recorded"},
    "audit.flag_acknowledge": {"nl": "Signaal gezien", "en": "Flag acknowledged"},
    "audit.flag_resolve": {"nl": "Signaal afgehandeld", "en": "Flag resolved"},
    "audit.flag_reopen": {"nl": "Signaal heropend", "en": "Flag reopened"},
    "audit.concern_acknowledge": {"nl": "Zorgsignaal gezien", "en": "Concern acknowledged"},
    "audit.link_issued": {"nl": "Check-in-link gemaakt", "en": "Check-in link made"},
    "audit.link_emailed": {"nl": "Check-in-link gemaild", "en": "Check-in link emailed"},
    "audit.export": {"nl": "Geëxporteerd", "en": "Exported"},
    "audit.checkin_link_opened": {"nl": "Check-in geopend", "en": "Check-in opened"},
    "audit.checkin_link_refused": {"nl": "Check-in-link geweigerd", "en": "Check-in link refused"},
    "audit.checkin_submitted": {"nl": "Check-in verstuurd", "en": "Check-in sent"},
    "audit.checkin_edited": {"nl": "Check-in gewijzigd", "en": "Check-in changed"},
    "audit.checkin_resubmitted": {"nl": "Check-in opnieuw verstuurd", "en": "Check-in sent again"},
    "audit.pause_link_refused": {"nl": "Pauzelink geweigerd", "en": "Pause link refused"},
    "audit.reminders_paused": {"nl": "Herinneringen gepauzeerd", "en": "Reminders paused"},
    "audit.checkin_missed": {"nl": "Check-in gemist", "en": "Check-in missed"},
    "audit.import": {"nl": "Check-ins geïmporteerd", "en": "Check-ins imported"},
    "audit.recompute": {"nl": "Signalen herberekend", "en": "Flags recomputed"},
    "audit.demo": {"nl": "Demogegevens geladen", "en": "Demo data loaded"},
    "audit.view_timeline": {"nl": "Verloop opgevraagd", "en": "Timeline read"},
    "audit.list_flags": {"nl": "Signalen opgevraagd", "en": "Flags listed"},
    "audit.export_client": {"nl": "Alle gegevens van cliënt geëxporteerd", "en": "All of a client's data exported"},
    "audit.erase_client": {"nl": "Cliënt gewist", "en": "Client erased"},
    "audit.backup": {"nl": "Back-up gemaakt", "en": "Backup made"},
    # The details, as sentences (placeholders are the stored detail's names).
    "audit.detail.sign_in.method": {
        "nl": "Via de identiteitsprovider van de praktijk.", "en": "Through the practice's identity provider.",
    },
    "audit.detail.locked.refused": {
        "nl": "Al geblokkeerd: de poging is niet gecontroleerd.", "en": "Locked already: the attempt was not checked.",
    },
    "audit.detail.locked.step": {
        "nl": "Te veel pogingen ({step}): geblokkeerd.", "en": "Too many attempts ({step}): locked.",
    },
    "audit.detail.totp_secrets_sealed": {
        "nl": "Van {coaches} coaches versleuteld.", "en": "Sealed for {coaches} coaches.",
    },
    "audit.detail.client_add_refused": {
        "nl": "Deze cliëntcode kan niet worden gebruikt.", "en": "This client id cannot be used.",
    },
    "audit.detail.view_client_refused": {
        "nl": "Niet in de caseload van deze coach.", "en": "Not in this coach's caseload.",
    },
    "audit.detail.sign_in_failed.failed": {
        "nl": "Wachtwoord klopte niet ({failed} keer op rij).", "en": "Wrong password ({failed} times in a row).",
    },
    "audit.detail.sign_in_failed.email_domain": {
        "nl": "Onbekend e-mailadres bij {email_domain}.", "en": "Unknown email address at {email_domain}.",
    },
    "audit.detail.sign_in_refused.email_domain": {
        "nl": "Een adres bij {email_domain}: {reason}.",
        "en": "An address at {email_domain}: {reason}.",
    },
    "audit.detail.sign_in_refused.reason": {"nl": "Reden: {reason}.", "en": "Reason: {reason}."},
    "audit.detail.sign_out.method": {
        "nl": "Bij de identiteitsprovider van de praktijk.", "en": "At the practice's identity provider.",
    },
    "audit.detail.coach_add.admin": {
        "nl": "Account voor {coach}, als beheerder.", "en": "Account for {coach}, as an administrator.",
    },
    "audit.detail.coach_add": {"nl": "Account voor {coach}.", "en": "Account for {coach}."},
    "audit.detail.coach_active.active": {"nl": "{coach} geactiveerd.", "en": "{coach} activated."},
    "audit.detail.coach_active": {"nl": "{coach} gedeactiveerd.", "en": "{coach} deactivated."},
    "audit.detail.coach_admin.admin": {"nl": "{coach} is nu beheerder.", "en": "{coach} is now an administrator."},
    "audit.detail.coach_admin": {
        "nl": "{coach} is geen beheerder meer.", "en": "{coach} is no longer an administrator.",
    },
    "audit.detail.coach_unlock": {"nl": "Account van {coach}.", "en": "Account of {coach}."},
    "audit.detail.coach_password_reset": {"nl": "Account van {coach}.", "en": "Account of {coach}."},
    "audit.detail.client_assign": {"nl": "Aan {coach}.", "en": "To {coach}."},
    "audit.detail.outbox_retry": {"nl": "E-mails {emails}.", "en": "Emails {emails}."},
    "audit.detail.download_eml": {"nl": "Bestand {file}.", "en": "File {file}."},
    "audit.detail.view_outbox": {"nl": "{emails} e-mails in de lijst.", "en": "{emails} emails in the list."},
    "audit.detail.view_outbox.one": {"nl": "1 e-mail in de lijst.", "en": "1 email in the list."},
    "audit.detail.view_audit_log": {"nl": "{entries} regels in de lijst.", "en": "{entries} entries in the list."},
    "audit.detail.view_audit_log.one": {"nl": "1 regel in de lijst.", "en": "1 entry in the list."},
    "audit.detail.view_caseload": {"nl": "{clients} cliënten in de lijst.", "en": "{clients} clients in the list."},
    "audit.detail.view_caseload.one": {"nl": "1 cliënt in de lijst.", "en": "1 client in the list."},
    "audit.detail.client_add": {"nl": "Bij coach {coach}.", "en": "With coach {coach}."},
    "audit.detail.edit_client": {"nl": "Gewijzigd: {fields}.", "en": "Changed: {fields}."},
    "audit.detail.set_focus": {"nl": "Nieuwe focus: {focus}.", "en": "New focus: {focus}."},
    "audit.detail.flag_acknowledge": {"nl": "Signaal {flag}.", "en": "Flag {flag}."},
    "audit.detail.flag_acknowledge.flags": {"nl": "Signalen {flags} tegelijk.", "en": "Flags {flags} at once."},
    "audit.detail.flag_resolve": {"nl": "Signaal {flag}.", "en": "Flag {flag}."},
    "audit.detail.flag_reopen": {"nl": "Signaal {flag}.", "en": "Flag {flag}."},
    "audit.detail.concern_acknowledge": {"nl": "Zorgsignaal {concern}.", "en": "Concern {concern}."},
    "audit.detail.link_issued": {"nl": "{kind}.", "en": "{kind}."},
    "audit.detail.link_emailed": {"nl": "{kind}.", "en": "{kind}."},
    "audit.detail.export": {"nl": "{what}.", "en": "{what}."},
    "audit.detail.list_flags": {"nl": "{flags} signalen getoond.", "en": "{flags} flags shown."},
    "audit.detail.list_flags.one": {"nl": "1 signaal getoond.", "en": "1 flag shown."},
    "audit.detail.checkin_link_opened.answered_before": {
        "nl": "Al eerder ingevuld; geopend om te bekijken of te wijzigen.",
        "en": "Answered before; opened to review or change.",
    },
    "audit.detail.checkin_link_refused": {"nl": "{status} ({during}).", "en": "{status} ({during})."},
    "audit.detail.pause_link_refused": {"nl": "{status} ({during}).", "en": "{status} ({during})."},
    "audit.detail.checkin_submitted": {
        "nl": "{answered} vragen beantwoord, {skipped} overgeslagen.",
        "en": "{answered} questions answered, {skipped} skipped.",
    },
    "audit.detail.checkin_edited": {"nl": "Gewijzigd: {changed}.", "en": "Changed: {changed}."},
    "audit.detail.reminders_paused": {"nl": "Met de link in een e-mail.", "en": "With the link in an email."},
    "audit.detail.import": {
        "nl": "{file}: {rows} check-ins van {clients} cliënten ({clients_created} nieuw).",
        "en": "{file}: {rows} check-ins of {clients} clients ({clients_created} new).",
    },
    "audit.detail.recompute": {
        "nl": "{clients} cliënten herberekend, {flags_raised} nieuwe signalen.",
        "en": "{clients} clients recomputed, {flags_raised} new flags.",
    },
    "audit.detail.demo": {
        "nl": "{clients} cliënten, {checkins} check-ins.", "en": "{clients} clients, {checkins} check-ins.",
    },
    "audit.detail.erase_client": {"nl": "{rows} rijen gewist.", "en": "{rows} rows erased."},
    "audit.detail.export_client": {"nl": "{rows} rijen.", "en": "{rows} rows."},
    "audit.detail.backup": {"nl": "{file}, {bytes} bytes.", "en": "{file}, {bytes} bytes."},
    # What a sentence adds to the client's check-in (any of these actions).
    "audit.extra.contact_request": {"nl": "De cliënt vraagt om contact.", "en": "The client asks for contact."},
    "audit.extra.concern": {
        "nl": "De antwoorden lagen boven het zorgniveau van de praktijk.",
        "en": "The answers crossed the practice's level of concern.",
    },
    "audit.extra.language": {
        "nl": "De cliënt koos als taal: {language}.", "en": "The client chose the language: {language}.",
    },
    # Words inside the sentences.
    "audit.value.focus_none": {"nl": "geen", "en": "none"},
    "audit.value.scheduled": {"nl": "Voor de check-in van deze week", "en": "For this week's check-in"},
    "audit.value.extra": {"nl": "Voor een extra check-in", "en": "For an extra check-in"},
    "audit.value.csv": {"nl": "Check-ins als CSV", "en": "Check-ins as CSV"},
    "audit.value.report": {"nl": "Rapport om te printen", "en": "Printable report"},
    "audit.value.open": {"nl": "bij het openen", "en": "when opening"},
    "audit.value.submit": {"nl": "bij het versturen", "en": "when sending"},
    "audit.value.confirm": {"nl": "bij het bevestigen", "en": "when confirming"},
    "audit.value.tampered": {"nl": "Ongeldige link", "en": "Invalid link"},
    "audit.value.unknown": {"nl": "Onbekende link", "en": "Unknown link"},
    "audit.value.expired": {"nl": "Verlopen link", "en": "Expired link"},
    "audit.value.revoked": {"nl": "Vervangen link", "en": "Replaced link"},
    "audit.value.closed": {"nl": "Check-in al gesloten", "en": "Check-in already closed"},
    "audit.value.bad": {"nl": "Link werkt niet", "en": "Link does not work"},
    "audit.value.inactive": {"nl": "account gedeactiveerd", "en": "account deactivated"},
    "audit.value.unverified": {"nl": "e-mailadres niet bevestigd", "en": "email address not verified"},
    "audit.value.audience": {"nl": "niet voor Koers bedoeld", "en": "not meant for Koers"},
    "audit.value.expired_signin": {"nl": "aanmelding verlopen", "en": "sign-in expired"},
    "audit.value.unknown_coach": {"nl": "geen coach met dit adres", "en": "no coach with this address"},
    "audit.field.email": {"nl": "e-mailadres", "en": "email"},
    "audit.field.name": {"nl": "naam", "en": "name"},
    "audit.field.lang": {"nl": "taal", "en": "language"},
    "audit.field.tz": {"nl": "tijdzone", "en": "time zone"},
    "audit.field.reminder_weekday": {"nl": "dag van de herinnering", "en": "reminder day"},
    "audit.field.reminder_time": {"nl": "tijd van de herinnering", "en": "reminder time"},
    "audit.field.status": {"nl": "status", "en": "status"},
    "audit.field.show_trend": {"nl": "eigen verloop tonen", "en": "own trend shown"},
    "audit.field.contact_request": {"nl": "contactverzoek", "en": "contact request"},
    "audit.field.note": {"nl": "notitie", "en": "note"},
}

# Sentences per action, most specific first: the first whose placeholders the details fill is used.
# A true/false detail counts as present only when true (`coach_active.active`).
SENTENCES = {
    "sign_in": ("audit.detail.sign_in.method",),
    "sign_in_failed": ("audit.detail.sign_in_failed.failed", "audit.detail.sign_in_failed.email_domain"),
    "sign_in_refused": ("audit.detail.sign_in_refused.email_domain", "audit.detail.sign_in_refused.reason"),
    "sign_out": ("audit.detail.sign_out.method",),
    "sign_in_locked": ("audit.detail.locked.refused", "audit.detail.locked.step"),
    "password_change_failed": ("audit.detail.locked.refused", "audit.detail.locked.step"),
    "totp_disable_failed": ("audit.detail.locked.refused", "audit.detail.locked.step"),
    "totp_secrets_sealed": ("audit.detail.totp_secrets_sealed",),
    "client_add_refused": ("audit.detail.client_add_refused",),
    "view_client_refused": ("audit.detail.view_client_refused",),
    "coach_add": ("audit.detail.coach_add.admin", "audit.detail.coach_add"),
    "coach_active": ("audit.detail.coach_active.active", "audit.detail.coach_active"),
    "coach_admin": ("audit.detail.coach_admin.admin", "audit.detail.coach_admin"),
    "coach_unlock": ("audit.detail.coach_unlock",),
    "coach_password_reset": ("audit.detail.coach_password_reset",),
    "client_assign": ("audit.detail.client_assign",),
    "outbox_retry": ("audit.detail.outbox_retry",),
    "download_eml": ("audit.detail.download_eml",),
    "view_outbox": ("audit.detail.view_outbox",),
    "view_audit_log": ("audit.detail.view_audit_log",),
    "view_caseload": ("audit.detail.view_caseload",),
    "client_add": ("audit.detail.client_add",),
    "edit_client": ("audit.detail.edit_client",),
    "set_focus": ("audit.detail.set_focus",),
    "flag_acknowledge": ("audit.detail.flag_acknowledge.flags", "audit.detail.flag_acknowledge"),
    "flag_resolve": ("audit.detail.flag_resolve",),
    "flag_reopen": ("audit.detail.flag_reopen",),
    "concern_acknowledge": ("audit.detail.concern_acknowledge",),
    "link_issued": ("audit.detail.link_issued",),
    "link_emailed": ("audit.detail.link_emailed",),
    "export": ("audit.detail.export",),
    "list_flags": ("audit.detail.list_flags",),
    "checkin_link_opened": ("audit.detail.checkin_link_opened.answered_before",),
    "checkin_link_refused": ("audit.detail.checkin_link_refused",),
    "pause_link_refused": ("audit.detail.pause_link_refused",),
    "checkin_submitted": ("audit.detail.checkin_submitted",),
    "checkin_edited": ("audit.detail.checkin_edited",),
    "reminders_paused": ("audit.detail.reminders_paused",),
    "import": ("audit.detail.import",),
    "recompute": ("audit.detail.recompute",),
    "demo": ("audit.detail.demo",),
    "erase_client": ("audit.detail.erase_client",),
    "export_client": ("audit.detail.export_client",),
    "backup": ("audit.detail.backup",),
}
# Details that add a sentence of their own to any action that records them.
EXTRAS = ("contact_request", "concern", "language")
COUNTED = ("clients", "flags", "emails", "entries")  # a sentence with a `.one` variant when this detail is 1
REASONS = {"expired": "audit.value.expired_signin", "unknown": "audit.value.unknown_coach"}
VALUE_WORDS = ("scheduled", "extra", "csv", "report", "open", "submit", "confirm", "tampered", "unknown", "expired",
               "revoked", "closed", "bad", "inactive", "unverified", "audience")


def who(actor: str, coach_names: Mapping[str, str], lang: str) -> str:
    """The actor as recorded ('coach:3', 'cli', 'client:K-101', ...) in words."""
    if actor in coach_names:
        return coach_names[actor]
    kind, _sep, rest = actor.partition(":")
    if kind == "client":
        return t("audit.who.client", lang, client=rest)
    key = f"audit.who.{kind}"
    return t(key, lang) if key in TEXTS else actor


def action_name(action: str, lang: str) -> str:
    """The action in words; an action this version does not know shows as recorded."""
    key = f"audit.{action}"
    return t(key, lang) if key in TEXTS else action


def _word(value: Any, lang: str) -> str:
    """A stored detail value in words: numbers grouped, lists as a list, known codes translated."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return formats.count(value, lang)
    if isinstance(value, float):
        return formats.number(value, lang)
    if isinstance(value, list):
        return formats.items([_word(item, lang) for item in value], lang)
    if isinstance(value, dict):  # rows per table: their total
        return formats.count(sum(v for v in value.values() if isinstance(v, int)), lang)
    text = str(value)
    return t(f"audit.value.{text}", lang) if text in VALUE_WORDS else text


def _known(key: str) -> bool:
    return key in i18n.TEXTS


def describe(action: str, detail: Mapping[str, Any], lang: str) -> str:
    """The stored details of one audit entry as sentences in `lang`."""
    values: dict[str, str] = {}
    for name, value in detail.items():
        if value is None or value is False or value == [] or value == {}:
            continue
        if name == "focus":
            values[name] = t(f"dynamic.{value}", lang) if _known(f"dynamic.{value}") else str(value)
        elif name in ("fields", "changed") and isinstance(value, list):
            values[name] = formats.items([t(f"audit.field.{v}", lang) if _known(f"audit.field.{v}")
                                          else t(f"item.{v}", lang) if _known(f"item.{v}") else str(v)
                                          for v in value], lang)
        elif name == "reason" and value in REASONS:
            values[name] = t(REASONS[value], lang)
        elif name == "lang":
            values["language"] = t(f"language.{value}", lang) if _known(f"language.{value}") else str(value)
        elif name in ("flag", "concern"):
            values[name] = f"#{value}"
        else:
            values[name] = _word(value, lang) or "✓"
    if action == "set_focus" and "focus" not in values:
        values["focus"] = t("audit.value.focus_none", lang)
    sentences = []
    for key in SENTENCES.get(action, ()):
        # "audit.detail.<action>.<detail>" is for entries where that detail is present (and true).
        required = placeholders(i18n.TEXTS[key][lang]) | set(key.split(".")[3:])
        if required <= set(values):
            counted = next((name for name in COUNTED if detail.get(name) == 1), None)
            chosen = f"{key}.one" if counted and _known(f"{key}.one") else key
            sentences.append(t(chosen, lang, **values))
            break
    for extra in EXTRAS:
        if extra in values:
            filled = {"language": values[extra]} if extra == "language" else {}
            sentences.append(t(f"audit.extra.{extra}", lang, **filled))
    return " ".join(sentences)
