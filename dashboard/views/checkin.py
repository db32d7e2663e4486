"""The client's weekly check-in, opened by a personal link (`?t=<token>`): the only page a link reaches.

Phone first, for someone on a bad day: one column, one 0-10 slider per item that starts at "not
answered yet" (never at a value that looks like an answer), the item's end anchors under it, a
progress count, the skipped items listed above the send button, and a language switch at the top.

State: the link is opened once per session (`tracking.usecases.checkin.open_link`, recorded in the
audit log); the answers live in `st.session_state` under ANSWERS, so a rerun, a language switch or a
visit to the thank-you page never loses them. Sending is `tracking.usecases.checkin.submit`,
idempotent per period.
Nothing a client typed is ever rendered as Markdown or HTML.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from dashboard import runtime, wording
from dashboard.checkin import trend
from dashboard.checkin.present import PAGE_CSS, when
from tracking.errors import InvalidValue
from tracking.i18n import formats, t
from tracking.usecases import checkin as submission

TOKEN = "checkin.token"  # the link this session opened
OPENED = "checkin.opened"  # submission.Opened
ANSWERS = "checkin.answers"  # item id -> 0-10 or None, kept while widgets come and go
CONTACT = "checkin.contact_value"
NOTE = "checkin.note_value"
RESULT = "checkin.result"  # submission.Submitted, once sent
SKIP = "skip"  # the slider position left of 0: not answered
LANGS = ("nl", "en")
# Tampered and unknown links get the same text: telling them apart helps nobody but a guesser.
BAD_LINK_TEXTS = {"expired": "checkin.bad.expired", "revoked": "checkin.bad.revoked", "ended": "checkin.bad.ended"}
SCALE = [SKIP, *range(0, 11)]  # instrument v1's 0-10 (tracking.instrument refuses any other scale)
SKIPPED_IN_FULL = 4  # more skipped items are listed by number, so the list stays short on a phone
CHART_CONFIG = {"displayModeBar": False, "scrollZoom": False}  # a phone scrolls past the chart

st.set_page_config(layout="centered")
st.html(PAGE_CSS)
tr = runtime.tr
instrument = runtime.instrument()


def _open(token: str) -> None:
    """Open the link for this session (once), and start from the period's stored answers if any."""
    with runtime.user_errors():
        opened = submission.open_link(runtime.context(), token, now=runtime.now())
    for key in [k for k in st.session_state if str(k).startswith("checkin.")]:
        del st.session_state[key]
    previous = opened.previous
    st.session_state[OPENED] = opened
    st.session_state[ANSWERS] = dict(previous.items) if previous else dict.fromkeys(instrument.item_ids)
    st.session_state[CONTACT] = previous.contact_request if previous else False
    st.session_state[NOTE] = (previous.note or "") if previous else ""
    if opened.lang:
        runtime.set_lang(opened.lang)
    st.session_state[TOKEN] = token


def _language_switch() -> None:
    choice = st.segmented_control(
        t("checkin.language", runtime.lang()), LANGS, default=runtime.lang(), key="checkin.lang",
        format_func=lambda lang: t(f"language.{lang}", lang), label_visibility="collapsed",
    )
    if choice and choice != runtime.lang():
        runtime.set_lang(choice)
        st.rerun()


def _both_languages(first: str | None, title_key: str, body_keys: list[str]) -> None:
    """A page for someone we may not know: the client's language first when known, then the other."""
    order = [first, *[lang for lang in LANGS if lang != first]] if first in LANGS else list(LANGS)
    for index, lang in enumerate(order):
        if index:
            st.divider()
        st.header(t(title_key, lang), anchor=False)
        for key in body_keys:
            st.write(t(key, lang))


def _bad_link(status: str, lang: str | None, not_saved: bool) -> None:
    if status == "closed":
        _both_languages(lang, "checkin.closed.title",
                        ["checkin.closed.body", *(["checkin.closed.not_saved"] if not_saved else [])])
        return
    reason = BAD_LINK_TEXTS.get(status, "checkin.bad.invalid")
    _both_languages(lang, "checkin.bad.title",
                    [reason, *(["checkin.bad.not_saved"] if not_saved else []), "checkin.bad.no_password"])


def _item_value(item_id: str):
    """The slider's state: the remembered answer, or SKIP; seeded only when the slider has no state."""
    key = f"checkin.item.{item_id}"
    if key not in st.session_state:
        stored = st.session_state[ANSWERS].get(item_id)
        st.session_state[key] = SKIP if stored is None else stored
    return key


def _form(token: str, opened: submission.Opened) -> None:
    lang = runtime.lang()
    items = instrument.in_display_order()
    total = len(items)
    greeting = (tr("checkin.greeting.named", name=opened.name) if opened.name
                else tr("checkin.greeting.anonymous"))
    runtime.show_plain(greeting, "title")
    st.write(tr("checkin.intro"))
    closes_at = opened.closes_at or runtime.now()  # an open link always has its window
    if opened.submitted_at is not None:
        st.info(tr("checkin.already", when=when(opened.submitted_at, opened.tz, lang),
                   closes=when(closes_at, opened.tz, lang)), icon=":material/edit_note:")
    else:
        st.caption(tr("checkin.open_until", closes=when(closes_at, opened.tz, lang)))
    st.caption(tr("checkin.how"))
    top_progress = st.empty()

    not_answered = tr("checkin.not_answered")
    answers: dict[str, int | None] = {}
    for number, item in enumerate(items, start=1):
        with st.container(key=f"checkin-question-{item.id}", gap=None):
            # The number stays out of the label: "1. ..." would be read as a Markdown list, and an
            # escaped "1\\." would reach screen readers as a backslash.
            st.caption(tr("checkin.question", number=number, total=total))
            value = st.select_slider(
                item.text[lang], options=SCALE, key=_item_value(item.id),
                format_func=lambda v: not_answered if v == SKIP else str(v),
            )
            low, high = item.anchors[lang]
            st.caption(tr("checkin.anchors", low=low, high=high))
        answers[item.id] = None if value == SKIP else int(value)
    st.session_state[ANSWERS] = answers

    st.subheader(tr("checkin.finally"), anchor=False)
    if "checkin.contact" not in st.session_state:
        st.session_state["checkin.contact"] = st.session_state[CONTACT]
    contact = st.checkbox(instrument.contact_request_text[lang], key="checkin.contact")
    if "checkin.note" not in st.session_state:
        st.session_state["checkin.note"] = st.session_state[NOTE]
    note = st.text_area(instrument.note_text[lang], max_chars=instrument.note_max_length, key="checkin.note",
                        height=120)
    # Streamlit counts while typing (in the field); this count stays visible after leaving it.
    st.caption(tr("checkin.note_help", count=runtime.count(len(note or "")),
                  max=runtime.count(instrument.note_max_length)))
    st.session_state[CONTACT], st.session_state[NOTE] = contact, note

    answered = sum(value is not None for value in answers.values())
    progress_text = tr("checkin.progress", answered=answered, total=total)
    top_progress.progress(answered / total, text=progress_text)
    st.progress(answered / total, text=progress_text)
    skipped = [(number, item) for number, item in enumerate(items, start=1) if answers[item.id] is None]
    if skipped:
        message = (tr("checkin.skipped.one") if len(skipped) == 1
                   else tr("checkin.skipped.many", count=len(skipped)))
        if len(skipped) <= SKIPPED_IN_FULL:
            lines = "\n".join(f"- {tr('checkin.skipped.item', number=n, text=item.text[lang])}"
                              for n, item in skipped)
        else:
            lines = tr("checkin.skipped.numbers", numbers=formats.items([str(n) for n, _item in skipped], lang))
        # Calm, not a warning: skipping is allowed, the list only lets the client decide knowingly.
        st.info(f"{message}\n\n{lines}", icon=":material/radio_button_unchecked:")
    else:
        st.success(tr("checkin.all_answered"), icon=":material/check_circle:")

    label = tr("checkin.submit_changes") if opened.submitted_at is not None else tr("checkin.submit")
    if st.button(label, type="primary", key="checkin.submit", width="stretch", icon=":material/send:"):
        try:
            cleaned = submission.clean_answers(instrument, answers, contact, note)
        except InvalidValue:
            st.error(tr("checkin.note_too_long", max=runtime.count(instrument.note_max_length)))
            return
        if cleaned.is_empty:
            st.warning(tr("checkin.nothing_to_send"))
            return
        with runtime.user_errors():
            result = submission.submit(runtime.context(), token, cleaned, now=runtime.now(), lang=lang)
        st.session_state[RESULT] = result
        if result.stored:
            st.session_state[OPENED] = dataclasses.replace(
                opened, submitted_at=result.submitted_at, previous=cleaned, closes_at=result.closes_at)
        st.rerun()


def _own_trend(result: submission.Submitted, lang: str) -> None:
    st.subheader(tr("checkin.trend.title"), anchor=False)
    if result.trend is None or not trend.has_trend(result.trend):
        st.caption(tr("checkin.trend.too_few"))
        return
    st.caption(tr("checkin.trend.help"))
    for indicator in trend.CORE_INDICATORS:
        st.markdown(f"**{tr(f'checkin.trend.{indicator}')}**")
        st.caption(trend.latest_text(result.trend, indicator, instrument, lang, result.tz))
        st.plotly_chart(trend.indicator_figure(result.trend, indicator, lang, result.tz), width="stretch",
                        config=CHART_CONFIG, key=f"checkin-trend-{indicator}")


def _safety_net(result: submission.Submitted) -> None:
    """When the coach responds, and where to get help now (the practice's own text, shown as written)."""
    net = runtime.settings().safety
    told = tr("checkin.safety.contact") if result.contact_request else tr("checkin.safety.concern")
    respond = runtime.tr_count("checkin.safety.respond", net.response_working_days)
    with st.container(key="checkin-safety-net"):
        st.info(f"{told} {respond}", icon=":material/forum:")
        runtime.show_plain(net.urgent_help(runtime.lang()), "warning")  # the practice's own text


def _thanks(result: submission.Submitted) -> None:
    lang = runtime.lang()
    st.title(tr("checkin.thanks.title"), anchor=False)
    st.success(tr(f"checkin.thanks.{result.status}"), icon=":material/check_circle:")
    if result.safety_net:
        _safety_net(result)
    if result.trend is not None:
        _own_trend(result, lang)
    st.write(tr("checkin.thanks.change_until", closes=when(result.closes_at or runtime.now(), result.tz, lang)))
    if st.button(tr("checkin.thanks.change"), key="checkin.change", width="stretch", icon=":material/edit:"):
        del st.session_state[RESULT]
        st.rerun()
    st.caption(tr("checkin.thanks.close"))


link = runtime.personal_link()
token = link[1] if link else ""
if st.session_state.get(TOKEN) != token or OPENED not in st.session_state:
    _open(token)
opened: submission.Opened = st.session_state[OPENED]
result: submission.Submitted | None = st.session_state.get(RESULT)

wording.put_in_place(runtime.lang())
if opened.status != "open":
    _bad_link(opened.status, opened.lang, not_saved=False)
elif result is not None and not result.stored:
    _bad_link(result.status, result.lang, not_saved=True)
else:
    _language_switch()
    if result is not None:
        _thanks(result)
    else:
        _form(token, opened)
