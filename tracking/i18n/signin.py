"""Texts of signing in with the practice's own accounts (OpenID Connect)."""

TEXTS = {
    "oidc.button": {"nl": "Inloggen met {provider}", "en": "Sign in with {provider}"},
    "oidc.default_provider": {"nl": "je werkaccount", "en": "your work account"},
    "oidc.or_password": {"nl": "Of log in met je Koers-wachtwoord:", "en": "Or sign in with your Koers password:"},
    "oidc.other_account": {"nl": "Ander account gebruiken", "en": "Use another account"},
    "oidc.refused.unknown": {
        "nl": "Met {email} kun je niet bij Koers: er is geen coach met dit e-mailadres. Vraag een beheerder "
              "om een account.",
        "en": "{email} cannot sign in to Koers: no coach has this email address. Ask an administrator for an "
              "account.",
    },
    "oidc.refused.inactive": {
        "nl": "Het Koers-account van {email} is gedeactiveerd.",
        "en": "The Koers account of {email} has been deactivated.",
    },
    "oidc.refused.unverified": {
        "nl": "Je account meldt geen bevestigd e-mailadres, dus Koers kan je niet herkennen. Vraag je beheerder "
              "om het e-mailadres bij de identiteitsprovider te laten bevestigen.",
        "en": "Your account reports no verified email address, so Koers cannot recognise you. Ask your "
              "administrator to have the email address verified at the identity provider.",
    },
    "oidc.refused.audience": {
        "nl": "Deze aanmelding was niet voor Koers bedoeld. Log opnieuw in.",
        "en": "This sign-in was not meant for Koers. Please sign in again.",
    },
    "oidc.refused.expired": {
        "nl": "Je aanmelding is verlopen. Log opnieuw in.",
        "en": "Your sign-in has expired. Please sign in again.",
    },
    "oidc.refused.ended": {
        "nl": "Je bent in deze browser uitgelogd. Log opnieuw in.",
        "en": "You signed out in this browser. Please sign in again.",
    },
    "oidc.refused.idle": {
        "nl": "Je bent uitgelogd na een tijd zonder activiteit. Log opnieuw in.",
        "en": "You were signed out after a while without activity. Please sign in again.",
    },
    "oidc.not_started": {
        "nl": "Inloggen met de eigen accounts van de praktijk is ingesteld, maar Koers is niet gestart met "
              "`koers dashboard`. Vraag een beheerder.",
        "en": "Sign-in with the practice's own accounts is configured, but Koers was not started with "
              "`koers dashboard`. Ask an administrator.",
    },
}
