"""Texts of the emails Koers sends, the pause page and the admin's outbox page.

Emails carry no health data: an invitation says nothing about scores; the coach's emails name the
client (name and id) and what happened, never scores, answers or notes.
"""

TEXTS = {
    # Shared parts.
    "mail.hello_name": {"nl": "Hoi {name},", "en": "Hello {name},"},
    "mail.hello": {"nl": "Hoi,", "en": "Hello,"},
    "mail.signature": {"nl": "Groet,\nKoers", "en": "Best wishes,\nKoers"},
    "mail.automatic": {
        "nl": "Dit bericht is automatisch verstuurd door Koers.",
        "en": "This message was sent automatically by Koers.",
    },
    "mail.pause": {
        "nl": "Wil je even geen herinneringen? Pauzeer ze met één klik.",
        "en": "Need a break from these reminders? Pause them with one click.",
    },
    "mail.pause_coach": {
        "nl": "Je coach {coach} krijgt daar bericht van.",
        "en": "Your coach {coach} will be told.",
    },
    "mail.pause_button": {"nl": "Herinneringen pauzeren", "en": "Pause reminders"},
    "mail.link_private": {
        "nl": "Deze link is alleen voor jou; stuur hem niet door.",
        "en": "This link is for you alone; please do not forward it.",
    },
    "mail.open_dashboard": {"nl": "Open Koers", "en": "Open Koers"},
    # Invitation.
    "mail.invitation.subject": {
        "nl": "Je wekelijkse check-in staat klaar", "en": "Your weekly check-in is ready",
    },
    "mail.invitation.intro": {
        "nl": "Je wekelijkse check-in staat klaar. Het invullen duurt ongeveer twee minuten.",
        "en": "Your weekly check-in is ready. It takes about two minutes.",
    },
    "mail.invitation.button": {"nl": "Check-in openen", "en": "Open the check-in"},
    "mail.invitation.until": {
        "nl": "De check-in staat open tot {closes}.",
        "en": "The check-in is open until {closes}.",
    },
    # Follow-up.
    "mail.followup.subject": {
        "nl": "Herinnering: je check-in staat nog open", "en": "Reminder: your check-in is still open",
    },
    "mail.followup.intro": {
        "nl": "Je hebt de check-in van deze week nog niet ingevuld. Dat kan nog tot {closes}; het duurt "
              "ongeveer twee minuten.",
        "en": "You have not filled in this week's check-in yet. You can until {closes}; it takes about "
              "two minutes.",
    },
    # A link the coach sent on request.
    "mail.link.subject": {"nl": "Je check-in-link van Koers", "en": "Your Koers check-in link"},
    "mail.link.intro_coach": {
        "nl": "{coach} stuurt je een link naar je check-in.",
        "en": "{coach} is sending you a link to your check-in.",
    },
    "mail.link.intro": {"nl": "Hier is een link naar je check-in.", "en": "Here is a link to your check-in."},
    # Contact request, to the coach.
    "mail.contact.subject": {"nl": "Contactverzoek van {client}", "en": "Contact request from {client}"},
    "mail.contact.body": {
        "nl": "{client} heeft bij de check-in van {when} aangegeven graag contact met je te willen vóór "
              "jullie volgende afspraak.",
        "en": "{client} said in the check-in of {when} that they would like contact with you before your "
              "next appointment.",
    },
    "mail.contact.more": {
        "nl": "De check-in en het signaal staan in Koers:",
        "en": "The check-in and the flag are in Koers:",
    },
    # A check-in that crossed a level of concern, to the coach.
    "mail.concern.subject": {"nl": "Zorgsignaal: {client}", "en": "Concern: {client}"},
    "mail.concern.body": {
        "nl": "De antwoorden van {client} bij de check-in van {when} liggen boven een zorgniveau dat de praktijk "
              "heeft ingesteld.",
        "en": "The answers of {client} in the check-in of {when} cross a level of concern the practice has set.",
    },
    "mail.concern.contact": {
        "nl": "De cliënt vraagt ook om contact vóór jullie volgende afspraak.",
        "en": "The client also asks for contact before your next appointment.",
    },
    "mail.concern.told": {
        "nl": "De cliënt kreeg te lezen dat je binnen {n} werkdagen reageert, en waar nu dringend hulp te vinden "
              "is.",
        "en": "The client was told that you will respond within {n} working days, and where to find urgent help "
              "now.",
    },
    "mail.concern.told.one": {
        "nl": "De cliënt kreeg te lezen dat je binnen 1 werkdag reageert, en waar nu dringend hulp te vinden is.",
        "en": "The client was told that you will respond within 1 working day, and where to find urgent help now.",
    },
    # Client paused reminders, to the coach.
    "mail.paused.subject": {
        "nl": "{client} heeft de herinneringen gepauzeerd", "en": "{client} paused their reminders",
    },
    "mail.paused.body": {
        "nl": "{client} heeft op {when} de wekelijkse herinneringen gepauzeerd met de link in de e-mail. "
              "Er gaan geen uitnodigingen meer naar deze cliënt tot je de herinneringen weer aanzet op de "
              "cliëntpagina in Koers.",
        "en": "{client} paused their weekly reminders on {when} with the link in the email. No more "
              "invitations go to this client until you turn the reminders back on from the client's page "
              "in Koers.",
    },
    # Weekly digest, to the coach.
    "mail.digest.subject": {"nl": "Koers: je overzicht van {date}", "en": "Koers: your overview of {date}"},
    "mail.digest.intro": {
        "nl": "Dit staat open in je caseload (cliënten: {clients}):",
        "en": "This is open in your caseload (clients: {clients}):",
    },
    "mail.digest.nothing": {
        "nl": "Er staan geen signalen open in je caseload (cliënten: {clients}).",
        "en": "No flags are open in your caseload (clients: {clients}).",
    },
    "mail.digest.section.new": {"nl": "Nieuw sinds het vorige overzicht", "en": "New since the last overview"},
    "mail.digest.section.open": {"nl": "Nog open", "en": "Still open"},
    "mail.digest.more": {"nl": "... en nog {n}", "en": "... and {n} more"},
    "mail.digest.details": {
        "nl": "Het verloop, de toelichting en de notities van cliënten staan alleen in Koers, niet in deze e-mail:",
        "en": "Trends, details and clients' notes are only in Koers, not in this email:",
    },
    # The pause page (a client's one-click link; no sign-in).
    "pause.title": {"nl": "Herinneringen pauzeren", "en": "Pause reminders"},
    "pause.question": {
        "nl": "Wil je de wekelijkse check-in-herinneringen pauzeren? Je krijgt dan geen uitnodigingen meer "
              "tot je coach ze weer aanzet.",
        "en": "Do you want to pause the weekly check-in reminders? You will get no more invitations until "
              "your coach switches them back on.",
    },
    "pause.coach_told": {
        "nl": "Je coach {coach} krijgt een berichtje dat je gepauzeerd hebt.",
        "en": "Your coach {coach} will get a short message that you paused.",
    },
    "pause.confirm": {"nl": "Ja, pauzeer de herinneringen", "en": "Yes, pause the reminders"},
    "pause.done": {
        "nl": "De herinneringen zijn gepauzeerd. Je hoeft verder niets te doen. Wil je weer beginnen? Laat "
              "het je coach weten.",
        "en": "The reminders are paused. There is nothing else you need to do. Want to start again? Let "
              "your coach know.",
    },
    "pause.already": {
        "nl": "De herinneringen staan al op pauze. Wil je weer beginnen? Laat het je coach weten.",
        "en": "The reminders are already paused. Want to start again? Let your coach know.",
    },
    "pause.bad_link": {
        "nl": "Deze link werkt niet (meer). Misschien is hij verlopen of niet helemaal gekopieerd. Wil je de "
              "herinneringen pauzeren? Gebruik de link in een recente e-mail, of laat het je coach weten.",
        "en": "This link does not work (any more). It may have expired or not been copied completely. Want "
              "to pause the reminders? Use the link in a recent email, or let your coach know.",
    },
    "pause.language": {"nl": "Taal", "en": "Language"},
    # The admin's outbox page.
    "outbox.title": {"nl": "Verzonden mail", "en": "Mail outbox"},
    "outbox.help": {
        "nl": "Elke e-mail die Koers verstuurt, staat eerst hier. Een mislukte verzending wordt later "
              "opnieuw geprobeerd (de eerste keer binnen 15 minuten); de foutmelding staat erbij.",
        "en": "Every email Koers sends is recorded here first. A failed send is tried again later (the "
              "first time within 15 minutes); its error is shown.",
    },
    "outbox.transport_smtp": {
        "nl": "Verzenden via mailserver {server}.", "en": "Sending through mail server {server}.",
    },
    "outbox.transport_files": {
        "nl": "Geen mailserver ingesteld: e-mails worden als .eml-bestanden in {folder} gezet.",
        "en": "No mail server set: emails are written as .eml files into {folder}.",
    },
    "outbox.last_run": {
        "nl": "Laatste ronde van {runner}: {when} (op {host}, {queued} nieuw in de wachtrij).",
        "en": "Last run of {runner}: {when} (on {host}, {queued} newly queued).",
    },
    "outbox.never_ran": {
        "nl": "De herinneringen zijn nog nooit verstuurd: start `koers scheduler` (of `koers remind` vanuit "
              "cron).",
        "en": "Reminders have never been sent: start `koers scheduler` (or `koers remind` from cron).",
    },
    "outbox.counts": {
        "nl": "In de wachtrij: {pending} · bezig: {sending} · verzonden: {sent} · mislukt: {failed} · "
              "vervallen: {cancelled}",
        "en": "Queued: {pending} · sending: {sending} · sent: {sent} · failed: {failed} · "
              "cancelled: {cancelled}",
    },
    "outbox.filter_status": {"nl": "Status", "en": "Status"},
    "outbox.filter_any": {"nl": "Alle", "en": "All"},
    "outbox.filter_kind": {"nl": "Soort", "en": "Kind"},
    "outbox.filter_search": {"nl": "Zoek op ontvanger of cliëntcode", "en": "Search recipient or client id"},
    "outbox.empty": {"nl": "Geen e-mails gevonden.", "en": "No emails found."},
    "outbox.col.created": {"nl": "Aangemaakt", "en": "Created"},
    "outbox.col.kind": {"nl": "Soort", "en": "Kind"},
    "outbox.col.recipient": {"nl": "Ontvanger", "en": "Recipient"},
    "outbox.col.client": {"nl": "Cliënt", "en": "Client"},
    "outbox.col.subject": {"nl": "Onderwerp", "en": "Subject"},
    "outbox.col.status": {"nl": "Status", "en": "Status"},
    "outbox.col.attempts": {"nl": "Pogingen", "en": "Attempts"},
    "outbox.col.next": {"nl": "Volgende poging", "en": "Next attempt"},
    "outbox.col.sent": {"nl": "Verzonden", "en": "Sent"},
    "outbox.col.error": {"nl": "Laatste fout", "en": "Last error"},
    "outbox.status.pending": {"nl": "in de wachtrij", "en": "queued"},
    "outbox.status.sending": {"nl": "bezig", "en": "sending"},
    "outbox.status.sent": {"nl": "verzonden", "en": "sent"},
    "outbox.status.failed": {"nl": "mislukt", "en": "failed"},
    "outbox.status.cancelled": {"nl": "vervallen", "en": "cancelled"},
    "outbox.kind.invitation": {"nl": "uitnodiging", "en": "invitation"},
    "outbox.kind.followup": {"nl": "herinnering", "en": "follow-up"},
    "outbox.kind.link": {"nl": "link op verzoek", "en": "link on request"},
    "outbox.kind.contact": {"nl": "contactverzoek", "en": "contact request"},
    "outbox.kind.digest": {"nl": "weekoverzicht", "en": "weekly digest"},
    "outbox.kind.paused": {"nl": "gepauzeerd", "en": "paused"},
    "outbox.kind.concern": {"nl": "zorgsignaal", "en": "concern"},
    "outbox.retry_title": {"nl": "Opnieuw proberen", "en": "Retry"},
    "outbox.retry_pick": {"nl": "Mislukte e-mails", "en": "Failed emails"},
    "outbox.retry_button": {"nl": "Nu opnieuw proberen", "en": "Retry now"},
    "outbox.retry_done": {
        "nl": "{n} e-mail(s) gaan mee in de volgende ronde van de scheduler (binnen een minuut).",
        "en": "{n} email(s) go out with the scheduler's next run (within a minute).",
    },
    "outbox.retry_none": {"nl": "Er zijn geen mislukte e-mails.", "en": "There are no failed emails."},
    "outbox.files_title": {"nl": "Bestanden in de uitvoermap", "en": "Files in the outbox folder"},
    "outbox.files_none": {"nl": "Nog geen bestanden in {folder}.", "en": "No files in {folder} yet."},
    "outbox.files_col.name": {"nl": "Bestand", "en": "File"},
    "outbox.files_col.size": {"nl": "Grootte (bytes)", "en": "Size (bytes)"},
    "outbox.files_col.modified": {"nl": "Gewijzigd", "en": "Modified"},
    "outbox.files_download": {"nl": "Download {name}", "en": "Download {name}"},
    "outbox.files_pick": {"nl": "Bestand downloaden", "en": "Download a file"},
    "outbox.files_pick_hint": {"nl": "Kies een bestand", "en": "Choose a file"},
}
