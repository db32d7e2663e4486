"""Client management: details, reminder schedule, pausing or ending reminders, the client's own trend."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import data, runtime
from tracking.context import Actor
from tracking.errors import InvalidValues
from tracking.models import CLIENT_STATUSES, Client
from tracking.usecases import clients, links
from tracking.usecases.clients import ClientDetails

tr = runtime.tr
COMMON_ZONES = ("Europe/Amsterdam", "Europe/Brussels", "Europe/London", "Europe/Berlin", "Europe/Paris",
                "America/New_York", "America/Curacao", "Asia/Jakarta", "UTC")


def _problem(problems: dict[str, str], *fields: str) -> None:
    """The form's problem with this field, right under it."""
    for field in fields:
        if field in problems:
            runtime.show_plain(problems[field], "error")  # a message may quote what was typed


def client_form(prefix: str, current: Client | None = None,
                lang_chosen_at: datetime | None = None) -> tuple[str | None, ClientDetails] | None:
    """The fields of a client (its id when new), checked; None while the form has not been submitted
    or has problems, which are shown all at once, each under its own field."""
    zones = list(COMMON_ZONES)
    if current is not None and current.tz not in zones:
        zones.insert(0, current.tz)
    problems_key = f"{prefix}_problems"
    problems: dict[str, str] = st.session_state.get(problems_key, {})
    client_id = None
    with st.form(f"{prefix}_form", enter_to_submit=False):
        if current is None:
            client_id = st.text_input(tr("client_form.id"), help=tr("client_form.id_help"), max_chars=64)
            _problem(problems, "client_id")
        name = st.text_input(tr("client_form.name"), value=(current.name or "") if current else "",
                             help=tr("client_form.name_help"), max_chars=100)
        _problem(problems, "name")
        email = st.text_input(tr("client_form.email"), value=(current.email or "") if current else "")
        _problem(problems, "email")
        left, right = st.columns(2)
        lang = left.radio(tr("client_form.lang"), ["nl", "en"], horizontal=True,
                          index=["nl", "en"].index(current.lang) if current else 0,
                          format_func=runtime.labels("language."))
        if current is not None and lang_chosen_at is not None:
            left.caption(tr("client_form.lang_chosen", language=tr(f"language.{current.lang}"),
                            when=runtime.when(lang_chosen_at, current.tz, with_time=False)))
        with left:
            _problem(problems, "lang")
        tz = right.selectbox(tr("client_form.tz"), zones, index=zones.index(current.tz) if current else 0)
        with right:
            _problem(problems, "tz")
        left, right = st.columns(2)
        day = current.reminder_weekday if current and current.reminder_weekday is not None else 0
        weekday = left.selectbox(tr("client_form.weekday"), range(7), index=day,
                                 format_func=runtime.weekday_label())
        with left:
            _problem(problems, "weekday")
        time_text = right.text_input(tr("client_form.time"),
                                     value=current.reminder_time if current and current.reminder_time else "09:00",
                                     help=tr("client_form.time_help"), max_chars=5)
        with right:
            _problem(problems, "time")
        status = None
        if current is not None:
            status = st.radio(tr("client_form.status"), CLIENT_STATUSES, horizontal=True,
                              index=CLIENT_STATUSES.index(current.status),
                              format_func=runtime.labels("client_status."), help=tr("client_form.status_help"))
            _problem(problems, "status")
        show_trend = st.toggle(tr("client_form.show_trend"), value=current.show_trend if current else False,
                               help=tr("client_form.show_trend_help"))
        if problems:
            st.error(tr("client_form.problems"), icon=":material/error:")
        submitted = st.form_submit_button(tr("client_form.save"), type="primary")
    if not submitted:
        return None
    details = ClientDetails(email=email, name=name, lang=lang, tz=tz, weekday=int(weekday), time=time_text,
                            show_trend=show_trend, status=status)
    new_id = client_id if current is None else None
    try:
        clients.clean_details(details, new_id)
    except InvalidValues as found:
        st.session_state[problems_key] = {problem.field or "": runtime.invalid_text(problem)
                                          for problem in found.problems}
        st.rerun()
    st.session_state.pop(problems_key, None)
    return new_id, details


def show_link(client: Client, actor: Actor) -> None:
    """A fresh personal check-in link to copy, for the open week or an extra check-in opened now."""
    st.subheader(tr("link.title"), anchor=False)
    st.caption(tr("link.help"))
    if st.button(tr("link.make"), icon=":material/link:", key="make_link"):
        with runtime.user_errors():
            made = links.fresh_checkin_link(runtime.context(), actor, client.id, now=runtime.now())
        st.session_state["fresh_link"] = (client.id, made.url, made.period.closes_at, made.period.kind)
    if st.button(tr("link.email"), icon=":material/forward_to_inbox:", key="email_link", disabled=not client.email):
        with runtime.user_errors():
            sent = links.email_fresh_link(runtime.context(), actor, client.id, now=runtime.now())
        st.session_state.pop("fresh_link", None)
        runtime.show_plain(tr("link.emailed", email=sent.recipient,
                              until=runtime.when(sent.period.closes_at, client.tz)), "success")
    fresh = st.session_state.get("fresh_link")
    if fresh and fresh[0] == client.id:
        _client_id, url, closes_at, kind = fresh
        st.code(url, language=None)
        st.caption(tr(f"link.made_{kind}", until=runtime.when(closes_at, client.tz)))


def show_settings(bundle: clients.ClientBundle, actor: Actor) -> None:
    client = bundle.client
    show_link(client, actor)
    st.subheader(tr("client_form.title"), anchor=False)
    submitted = client_form("client_settings", client, bundle.lang_chosen_at)
    if submitted is not None:
        _new_id, details = submitted
        with runtime.user_errors():
            clients.update_client(runtime.context(), actor, client.id, details, now=runtime.now())
        data.changed()
        st.session_state["notice"] = tr("client_form.saved")
        st.rerun()
