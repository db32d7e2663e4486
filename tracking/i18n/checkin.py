"""Texts of the client's check-in page: the form, the thank-you, and the pages for links that do not work.

Written for a person in burnout on a phone: short sentences, no jargon, no dynamic names, and always
what to do next. The items themselves and the contact/note texts come from the instrument file.
"""

TEXTS = {
    # The form.
    "checkin.language": {"nl": "Taal / Language", "en": "Language / Taal"},
    "checkin.greeting.named": {"nl": "Hoi {name}", "en": "Hi {name}"},
    "checkin.greeting.anonymous": {"nl": "Hoi", "en": "Hello"},
    "checkin.intro": {
        "nl": "Hoe ging het de afgelopen week? Dit duurt ongeveer twee minuten. Er zijn geen goede of foute "
              "antwoorden, en je mag een vraag overslaan.",
        "en": "How did this past week go? This takes about two minutes. There are no right or wrong answers, "
              "and you may skip a question.",
    },
    "checkin.how": {
        "nl": "Kies bij elke vraag een getal van 0 tot 10 met de schuif (of met de pijltjestoetsen). "
              "Zolang je niets kiest, staat er \u201cnog niet ingevuld\u201d.",
        "en": "For each question, choose a number from 0 to 10 with the slider (or the arrow keys). "
              "Until you choose, it says \u201cnot answered yet\u201d.",
    },
    "checkin.open_until": {
        "nl": "Deze check-in staat open tot {closes}.",
        "en": "This check-in is open until {closes}.",
    },
    "checkin.already": {
        "nl": "Je hebt deze check-in al ingevuld op {when}. Hieronder staan je antwoorden; je kunt ze "
              "aanpassen tot {closes}.",
        "en": "You already answered this check-in on {when}. Your answers are below; you can change them "
              "until {closes}.",
    },
    "checkin.not_answered": {"nl": "nog niet ingevuld", "en": "not answered yet"},
    "checkin.question": {"nl": "Vraag {number} van {total}", "en": "Question {number} of {total}"},
    "checkin.anchors": {"nl": "0 = {low} \u00b7 10 = {high}", "en": "0 = {low} \u00b7 10 = {high}"},
    "checkin.progress": {
        "nl": "{answered} van de {total} vragen beantwoord",
        "en": "{answered} of {total} questions answered",
    },
    "checkin.finally": {"nl": "Tot slot", "en": "Finally"},
    "checkin.note_help": {
        "nl": "Niet verplicht. Alleen je coach leest dit. {count} van de {max} tekens gebruikt.",
        "en": "Optional. Only your coach reads this. {count} of {max} characters used.",
    },
    "checkin.skipped.one": {
        "nl": "Eén vraag is nog niet ingevuld. Dat mag: je kunt versturen of de vraag nog beantwoorden.",
        "en": "One question is not answered yet. That is fine: you can send, or answer it first.",
    },
    "checkin.skipped.many": {
        "nl": "{count} vragen zijn nog niet ingevuld. Dat mag: je kunt versturen of ze nog beantwoorden.",
        "en": "{count} questions are not answered yet. That is fine: you can send, or answer them first.",
    },
    "checkin.skipped.item": {"nl": "Vraag {number}: {text}", "en": "Question {number}: {text}"},
    "checkin.skipped.numbers": {"nl": "Nog open: vraag {numbers}.", "en": "Still open: questions {numbers}."},
    "checkin.all_answered": {"nl": "Je hebt alle vragen beantwoord.", "en": "You answered every question."},
    "checkin.submit": {"nl": "Versturen", "en": "Send"},
    "checkin.submit_changes": {"nl": "Wijzigingen versturen", "en": "Send changes"},
    "checkin.nothing_to_send": {
        "nl": "Er is nog niets om te versturen: beantwoord minstens één vraag, vraag om contact of schrijf "
              "een notitie.",
        "en": "There is nothing to send yet: answer at least one question, ask for contact or write a note.",
    },
    "checkin.note_too_long": {
        "nl": "Je notitie is langer dan {max} tekens; maak hem iets korter.",
        "en": "Your note is longer than {max} characters; please shorten it a little.",
    },
    # After sending.
    "checkin.thanks.title": {"nl": "Dank je wel", "en": "Thank you"},
    "checkin.thanks.saved": {
        "nl": "Je antwoorden zijn opgeslagen. Je coach ziet ze voor jullie volgende afspraak.",
        "en": "Your answers are saved. Your coach will see them before your next appointment.",
    },
    "checkin.thanks.edited": {"nl": "Je wijzigingen zijn opgeslagen.", "en": "Your changes are saved."},
    "checkin.thanks.unchanged": {
        "nl": "Je antwoorden waren al opgeslagen; er is niets veranderd.",
        "en": "Your answers were already saved; nothing has changed.",
    },
    # The safety net, after a contact request or answers that cross a level of concern.
    "checkin.safety.contact": {
        "nl": "Je hebt aangegeven dat je contact wilt met je coach. Je coach krijgt daar meteen bericht van.",
        "en": "You asked for contact with your coach. Your coach is told right away.",
    },
    "checkin.safety.concern": {
        "nl": "Je antwoorden laten zien dat het nu zwaar voor je is. Je coach krijgt daar meteen bericht van.",
        "en": "Your answers show that things are heavy for you right now. Your coach is told right away.",
    },
    "checkin.safety.respond": {
        "nl": "Je coach neemt binnen {n} werkdagen contact met je op.",
        "en": "Your coach will get in touch within {n} working days.",
    },
    "checkin.safety.respond.one": {
        "nl": "Je coach neemt binnen 1 werkdag contact met je op.",
        "en": "Your coach will get in touch within 1 working day.",
    },
    "checkin.thanks.change_until": {
        "nl": "Wil je iets aanpassen? Dat kan tot {closes}.",
        "en": "Want to change something? You can until {closes}.",
    },
    "checkin.thanks.change": {"nl": "Mijn antwoorden aanpassen", "en": "Change my answers"},
    "checkin.thanks.close": {"nl": "Je kunt dit venster nu sluiten.", "en": "You can close this window now."},
    # The client's own trend (only when the coach enabled it).
    "checkin.trend.title": {"nl": "Jouw verloop", "en": "Your trend"},
    "checkin.trend.help": {
        "nl": "Hoe je zelf antwoordde op vier vragen, check-in na check-in.",
        "en": "How you answered four of the questions, check-in after check-in.",
    },
    "checkin.trend.too_few": {
        "nl": "Na een paar check-ins zie je hier je eigen verloop.",
        "en": "After a few check-ins you will see your own trend here.",
    },
    "checkin.trend.sleep": {"nl": "Hoe goed je sliep", "en": "How well you slept"},
    "checkin.trend.energy": {"nl": "Energie voor je dagen", "en": "Energy for your days"},
    "checkin.trend.reactivity": {
        "nl": "Hoe sterk kleine dingen je raakten",
        "en": "How strongly small things affected you",
    },
    "checkin.trend.meaning": {
        "nl": "Hoe betekenisvol je dagen voelden",
        "en": "How meaningful your days felt",
    },
    "checkin.trend.latest": {
        "nl": "Je laatste antwoord: {value} van 10 ({day}).",
        "en": "Your latest answer: {value} out of 10 ({day}).",
    },
    # Pages for a check-in that cannot be answered (shown in both languages).
    "checkin.closed.title": {"nl": "Deze check-in is gesloten", "en": "This check-in has closed"},
    "checkin.closed.body": {
        "nl": "De tijd om deze check-in in te vullen is voorbij. Je volgende uitnodiging komt gewoon per "
              "e-mail. Wil je eerder contact, neem dan zelf contact op met je coach.",
        "en": "The time to answer this check-in has passed. Your next invitation will come by email as "
              "usual. If you would like contact sooner, please get in touch with your coach.",
    },
    "checkin.closed.not_saved": {
        "nl": "De check-in sloot terwijl je hem invulde, dus je laatste antwoorden zijn niet opgeslagen.",
        "en": "The check-in closed while you were answering, so your latest answers were not saved.",
    },
    "checkin.bad.title": {"nl": "Deze link werkt niet", "en": "This link does not work"},
    "checkin.bad.invalid": {
        "nl": "De link is niet compleet of niet geldig. Open de link opnieuw vanuit je e-mail (de hele "
              "link), of vraag je coach om een nieuwe link.",
        "en": "The link is incomplete or not valid. Open the link again from your email (the whole link), "
              "or ask your coach for a new one.",
    },
    "checkin.bad.expired": {
        "nl": "Deze link is verlopen. Vraag je coach om een nieuwe link.",
        "en": "This link has expired. Please ask your coach for a new link.",
    },
    "checkin.bad.revoked": {
        "nl": "Er is een nieuwere link voor deze check-in. Gebruik de link uit je meest recente e-mail, of "
              "vraag je coach om een nieuwe link.",
        "en": "There is a newer link for this check-in. Use the link in your most recent email, or ask your "
              "coach for a new one.",
    },
    "checkin.bad.not_saved": {
        "nl": "Je laatste antwoorden zijn daarom niet opgeslagen.",
        "en": "Your latest answers were therefore not saved.",
    },
    "checkin.bad.no_password": {
        "nl": "Je hebt geen wachtwoord nodig: elke uitnodiging bevat je eigen link.",
        "en": "You never need a password: every invitation contains your own link.",
    },
}
