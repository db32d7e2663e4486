"""Flags: what needs attention now, each with its next step; acknowledging several at once; what is
acknowledged but still current; and history (resolved, or retired by the data, with the reason).

The open contact request is not repeated here: the client page shows it above every section."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import streamlit as st

from dashboard import attention, data, runtime
from tracking.context import Actor
from tracking.i18n import t
from tracking.models import Client
from tracking.usecases import flags, links
from tracking.usecases.clients import ClientBundle

tr = runtime.tr
Flag = Mapping[str, Any]  # one flag in the contract's shape


def _when(iso_text: str, tz: str) -> str:
    return runtime.when(attention.moment(iso_text), tz)


def _act(action: str, flag_id: int, actor: Actor) -> None:
    now = runtime.now()
    with runtime.user_errors():
        if action == "resolve":
            flags.resolve(runtime.context(), actor, flag_id, now=now)
        else:
            flags.reopen(runtime.context(), actor, flag_id, now=now)
    data.changed()
    st.session_state["notice"] = tr(f"flags.done_{action}")


def go_to_focus(dynamic: str | None) -> None:
    """Open the focus section, with the guidance for `dynamic` (the new dominant) on top."""
    st.session_state["client_section"] = "focus"
    st.session_state["focus_guidance"] = dynamic


def go_to_flags() -> None:
    st.session_state["client_section"] = "flags"


def contact_url(client: Client) -> str:
    """An email to the client, in the client's language, to plan contact."""
    subject = quote(t("flags.contact.subject", client.lang))
    return f"mailto:{quote(client.email or '', safe='@')}?subject={subject}"


def _send_link(client: Client, actor: Actor) -> None:
    with runtime.user_errors():
        if client.email:
            sent = links.email_fresh_link(runtime.context(), actor, client.id, now=runtime.now())
            st.session_state["notice"] = tr("link.emailed", email=sent.recipient,
                                            until=runtime.when(sent.period.closes_at, client.tz))
        else:
            made = links.fresh_checkin_link(runtime.context(), actor, client.id, now=runtime.now())
            st.session_state["fresh_link"] = (client.id, made.url, made.period.closes_at, made.period.kind)
            st.session_state["client_section"] = "settings"  # where the link is shown to copy


def show_next_step(flag: Flag, client: Client, actor: Actor, *, key: str) -> None:
    """What to do next about this flag, in words, with the button that does it."""
    lang = runtime.lang()
    step = attention.next_step(flag["kind"])
    runtime.show_plain(tr("flags.next", step=attention.next_step_words(flag["kind"], lang)), "caption")
    if step == "focus":
        target = flag.get("to") or (flag.get("evidence") or {}).get("dominant") or flag.get("dynamic")
        st.button(tr("flags.action.focus"), key=f"{key}_focus", on_click=go_to_focus, args=(target,),
                  icon=":material/tune:")
    elif step == "contact":
        st.link_button(tr("flags.action.contact"), contact_url(client), icon=":material/mail:",
                       disabled=not client.email, help=None if client.email else tr("flags.no_email"))
    else:
        st.button(tr("flags.action.link"), key=f"{key}_link", on_click=_send_link, args=(client, actor),
                  icon=":material/forward_to_inbox:")


def _show_words(flag: Flag, client: Client, note: str | None = None) -> None:
    lang = runtime.lang()
    words = attention.wording(flag, lang, client.tz, note)
    st.markdown(f"**{words.title}** · {_when(flag['at'], client.tz)}")
    runtime.show_plain(words.summary)  # may quote the client's note: plain text, never Markdown
    if words.details:
        with st.expander(tr("flags.details")):
            runtime.show_plain(words.details, "caption")
    if words.retired:
        runtime.show_plain(tr("flags.retired_because", status=tr(f"status.{flag['status']}"),
                              reason=words.retired), "caption")


def show_contact_requests(bundle: ClientBundle, actor: Actor) -> None:
    """An open contact request, first on the client page: the client's note and when it was asked."""
    client = bundle.client
    notes = {point.id: point.note for point in bundle.timeline}
    asked = [f for f in attention.by_urgency(bundle.flags) if f["kind"] == "contact_request" and f["status"] == "open"]
    for flag in asked:
        with st.container(border=True):
            with st.container(horizontal=True, vertical_alignment="center"):
                st.badge(tr("alerts.badge.contact"), icon=":material/forum:", color="orange")
                st.markdown(f"**{tr('flags.contact.asked', when=_when(flag['at'], client.tz))}**")
            checkin_id = flag.get("checkin_id")
            note = notes.get(checkin_id) if checkin_id is not None else None
            if note:
                st.text(note)  # the client's own words: shown as text, never as Markdown or HTML
            else:
                st.caption(tr("flags.contact.no_note"))
            show_next_step(flag, client, actor, key=f"contact_{flag['id']}")
            if st.button(tr("flags.contact.handled"), key=f"contact_done_{flag['id']}", icon=":material/done:"):
                _act("resolve", flag["id"], actor)
                st.rerun()


def _acknowledge_several(client: Client, open_flags: list[Flag], actor: Actor) -> None:
    lang, today = runtime.lang(), runtime.now().date()
    with st.form("acknowledge_several", border=True):
        st.markdown(f"**{tr('flags.several.title')}**")
        # The labels name kind, dynamics and date only: never the client's note (a label reads Markdown).
        chosen = [flag["id"] for flag in open_flags
                  if st.checkbox(attention.line(flag, lang, client.tz, today), value=True,
                                 key=f"ack_pick_{flag['id']}")]
        note = st.text_input(tr("flags.note"), key="ack_note", max_chars=500)
        submitted = st.form_submit_button(tr("flags.acknowledge"), type="primary")
    if submitted:
        with runtime.user_errors():
            done = flags.acknowledge_several(runtime.context(), actor, client.id, chosen, note, now=runtime.now())
        data.changed()
        st.session_state["notice"] = runtime.tr_count("flags.done_acknowledge", len(done.flag_ids))
        st.rerun()


def show_flags(bundle: ClientBundle, actor: Actor) -> None:
    client = bundle.client
    if not bundle.flags:
        st.success(tr("flags.none"))
        return
    ordered = attention.by_urgency(bundle.flags)
    current = [f for f in ordered if f["status"] == "open"]
    seen = [f for f in ordered if f["status"] == "acknowledged"]
    history = sorted((f for f in bundle.flags if f["status"] not in ("open", "acknowledged")),
                     key=lambda f: f["at"], reverse=True)

    st.subheader(tr("flags.open", n=len(current)), anchor=False)
    if not current:
        st.caption(tr("flags.none_open"))
    for flag in current:
        if flag["kind"] == "contact_request":
            continue  # shown above every section, with the note
        with st.container(border=True):
            _show_words(flag, client)
            with st.container(horizontal=True, vertical_alignment="bottom"):
                show_next_step(flag, client, actor, key=f"open_{flag['id']}")
                if st.button(tr("flags.resolve"), key=f"resolve_{flag['id']}"):
                    _act("resolve", flag["id"], actor)
                    st.rerun()
    if current:
        _acknowledge_several(client, current, actor)

    if seen:
        st.subheader(tr("flags.seen", n=len(seen)), anchor=False)
        for flag in seen:
            with st.container(border=True):
                _show_words(flag, client)
                _acknowledged(flag, client)
                with st.container(horizontal=True, vertical_alignment="bottom"):
                    show_next_step(flag, client, actor, key=f"seen_{flag['id']}")
                    if st.button(tr("flags.resolve"), key=f"res_{flag['id']}"):
                        _act("resolve", flag["id"], actor)
                        st.rerun()

    if history:
        st.subheader(tr("flags.history"), anchor=False)
        st.caption(tr("flags.history_help"))
        for flag in history:
            with st.container(border=True):
                _show_words(flag, client)
                _acknowledged(flag, client)
                res = flag.get("resolved")
                if res:
                    runtime.show_plain(tr("flags.resolved_by", name=res.get("by_name") or res["by"] or "?",
                                          when=_when(res["at"], client.tz)), "caption")
                if flag["status"] == "resolved" and st.button(tr("flags.reopen"), key=f"reopen_{flag['id']}"):
                    _act("reopen", flag["id"], actor)
                    st.rerun()


def _acknowledged(flag: Flag, client: Client) -> None:
    ack = flag.get("acknowledged")
    if ack:
        runtime.show_plain(tr("flags.acknowledged_by", name=ack.get("by_name") or ack["by"] or "?",
                              when=_when(ack["at"], client.tz)), "caption")
        if ack.get("note"):
            st.text(ack["note"])
