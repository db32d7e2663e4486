"""Texts of what protects accounts, links and data: locks, ended sessions, demo data, refused values."""

TEXTS = {
    "signin.ended": {
        "nl": "Je bent uitgelogd: het wachtwoord van dit account is gewijzigd of het account is aangepast. "
              "Log opnieuw in.",
        "en": "You have been signed out: this account's password was changed or the account was changed. "
              "Please sign in again.",
    },
    "signin.demo_data": {
        "nl": "Let op: deze database bevat demogegevens. De demo-accounts ({emails}) hebben het bekende "
              "wachtwoord {password}. Gebruik deze database nooit voor echte cliënten.",
        "en": "Note: this database holds demo data. The demo accounts ({emails}) have the well-known password "
              "{password}. Never use this database for real clients.",
    },
    "invalid.password_locked": {
        "nl": "Te veel verkeerde wachtwoorden. Probeer het later opnieuw, of vraag een beheerder.",
        "en": "Too many wrong passwords. Try again later, or ask an administrator.",
    },
    "invalid.totp_locked": {
        "nl": "Te veel verkeerde codes. Probeer het later opnieuw, of vraag een beheerder.",
        "en": "Too many wrong codes. Try again later, or ask an administrator.",
    },
    "invalid.client_id_taken": {
        "nl": "Deze cliëntcode kan niet worden gebruikt. Kies een andere.",
        "en": "This client id cannot be used. Choose another one.",
    },
    "link.reopen.title": {"nl": "Open je link opnieuw", "en": "Open your link again"},
    "link.reopen.body": {
        "nl": "Deze pagina is geopend met je persoonlijke link. Om die link te beschermen staat hij niet meer in "
              "de adresbalk. Open de link opnieuw vanuit je e-mail om verder te gaan.",
        "en": "This page was opened with your personal link. To protect that link, it is no longer in the address "
              "bar. Open the link from your email again to carry on.",
    },
    "checkin.bad.ended": {
        "nl": "De begeleiding is afgerond, dus deze link werkt niet meer. Neem contact op met je coach als "
              "je toch iets wilt doorgeven.",
        "en": "Your coaching has ended, so this link no longer works. Please contact your coach if you still "
              "want to tell them something.",
    },
}
