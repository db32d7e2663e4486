"""Client management: details, reminder schedule, pausing or ending reminders, the client's own trend."""

from __future__ import annotations

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


def client_form(prefix: str, current: Client | None = None) -> tuple[str | None, ClientDetails] | None:
    """The fields of a client (its id when new), checked; None while the form has not been submitted
    or has problems, which are shown."""
    zones = list(COMMON_ZONES)
    if current is not None and current.tz not in zones:
        zones.insert(0, current.tz)
    with st.form(f"{prefix}_form"):
        if current is None:
            client_id = st.text_input(tr("client_form.id"), help=tr("client_form.id_help"), max_chars=64)
        name = st.text_input(tr("client_form.name"), value=(current.name or "") if current else "",
                             help=tr("client_form.name_help"), max_chars=100)
        email = st.text_input(tr("client_form.email"), value=(current.email or "") if current else "")
        left, right = st.columns(2)
        lang = left.radio(tr("client_form.lang"), ["nl", "en"], horizontal=True,
                          index=["nl", "en"].index(current.lang) if current else 0,
                          format_func=runtime.labels("language."))
        tz = right.selectbox(tr("client_form.tz"), zones, index=zones.index(current.tz) if current else 0)
        left, right = st.columns(2)
        day = current.reminder_weekday if current and current.reminder_weekday is not None else 0
        weekday = left.selectbox(tr("client_form.weekday"), range(7), index=day,
                                 format_func=runtime.labels("weekday."))
        time_text = right.text_input(tr("client_form.time"),
                                     value=current.reminder_time if current and current.reminder_time else "09:00",
                                     help=tr("client_form.time_help"), max_chars=5)
        status = None
        if current is not None:
            status = st.radio(tr("client_form.status"), CLIENT_STATUSES, horizontal=True,
                              index=CLIENT_STATUSES.index(current.status),
                              format_func=runtime.labels("client_status."), help=tr("client_form.status_help"))
        show_trend = st.toggle(tr("client_form.show_trend"), value=current.show_trend if current else False,
                               help=tr("client_form.show_trend_help"))
        submitted = st.form_submit_button(tr("client_form.save"), type="primary")
    if not submitted:
        return None
    details = ClientDetails(email=email, name=name, lang=lang, tz=tz, weekday=int(weekday), time=time_text,
                            show_trend=show_trend, status=status)
    new_id = client_id if current is None else None
    try:
        clients.clean_details(details, new_id)
    except InvalidValues as problems:
        for problem in problems.problems:
            runtime.show_invalid(problem)
        return None
    return new_id, details


def show_link(client: Client, actor: Actor) -> None:
    """A fresh personal check-in link to copy, for the open week or an extra check-in opened now."""
    st.subheader(tr("link.title"))
    st.caption(tr("link.help"))
    if st.button(tr("link.make"), icon=":material/link:", key="make_link"):
        with runtime.user_errors():
            fresh = links.fresh_checkin_link(runtime.context(), actor, client.id, now=runtime.now())
        st.session_state["fresh_link"] = (client.id, fresh.url, fresh.period.closes_at, fresh.period.kind)
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
    st.subheader(tr("client_form.title"))
    submitted = client_form("client_settings", client)
    if submitted is not None:
        _new_id, details = submitted
        with runtime.user_errors():
            clients.update_client(runtime.context(), actor, client.id, details, now=runtime.now())
        data.changed()
        st.session_state["notice"] = tr("client_form.saved")
        st.rerun()
