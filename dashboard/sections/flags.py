"""Flags: acknowledge with a note, resolve, reopen; who and when are recorded and shown."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import charts, data, runtime
from tracking.context import Actor
from tracking.usecases import flags
from tracking.usecases.clients import ClientBundle

tr = runtime.tr


def _when(iso_text: str, tz: str) -> str:
    return runtime.when(datetime.fromisoformat(iso_text), tz)


def _act(action: str, flag_id: int, actor: Actor, note: str | None = None) -> None:
    now = runtime.now()
    with runtime.user_errors():
        if action == "acknowledge":
            flags.acknowledge(runtime.context(), actor, flag_id, note, now=now)
        elif action == "resolve":
            flags.resolve(runtime.context(), actor, flag_id, now=now)
        else:
            flags.reopen(runtime.context(), actor, flag_id, now=now)
    data.changed()
    st.session_state["notice"] = tr(f"flags.done_{action}")


def _go_to_focus() -> None:
    st.session_state["client_section"] = "focus"


def show_flags(bundle: ClientBundle, actor: Actor) -> None:
    client = bundle.client
    lang = runtime.lang()
    current = [f for f in bundle.flags if f["status"] == "open"]
    handled = [f for f in bundle.flags if f["status"] != "open"]
    if not bundle.flags:
        st.success(tr("flags.none"))
        return
    st.subheader(tr("flags.open", n=len(current)), anchor=False)
    if not current:
        st.caption(tr("flags.none_open"))
    for flag in reversed(current):
        with st.container(border=True):
            kind = tr(f"flag.{flag['kind']}")
            st.markdown(f"**{kind}** · {_when(flag['at'], client.tz)}")
            st.text(charts.flag_text(flag, lang))
            if flag["kind"] == "focus_mismatch":
                st.button(tr("flags.adjust_focus"), key=f"focus_{flag['id']}", on_click=_go_to_focus,
                          icon=":material/tune:")
            with st.form(f"ack_{flag['id']}", border=False):
                note = st.text_input(tr("flags.note"), key=f"ack_note_{flag['id']}", max_chars=500)
                left, right = st.columns(2)
                acknowledged = left.form_submit_button(tr("flags.acknowledge"), type="primary")
                resolved = right.form_submit_button(tr("flags.resolve"))
            if acknowledged:
                _act("acknowledge", flag["id"], actor, note)
                st.rerun()
            if resolved:
                _act("resolve", flag["id"], actor)
                st.rerun()
    if handled:
        st.subheader(tr("flags.history"), anchor=False)
        for flag in reversed(handled):
            with st.container(border=True):
                status = tr(f"status.{flag['status']}")
                kind = tr(f"flag.{flag['kind']}")
                st.markdown(f"**{kind}** · {_when(flag['at'], client.tz)} · {status}")
                st.text(charts.flag_text(flag, lang))
                ack = flag.get("acknowledged")
                if ack:
                    runtime.show_plain(tr("flags.acknowledged_by", name=ack.get("by_name") or ack["by"] or "?",
                                          when=_when(ack["at"], client.tz)), "caption")
                    if ack.get("note"):
                        st.text(ack["note"])
                res = flag.get("resolved")
                if res:
                    runtime.show_plain(tr("flags.resolved_by", name=res.get("by_name") or res["by"] or "?",
                                          when=_when(res["at"], client.tz)), "caption")
                if flag["status"] == "acknowledged" and st.button(tr("flags.resolve"), key=f"res_{flag['id']}"):
                    _act("resolve", flag["id"], actor)
                    st.rerun()
                if flag["status"] == "resolved" and st.button(tr("flags.reopen"), key=f"reopen_{flag['id']}"):
                    _act("reopen", flag["id"], actor)
                    st.rerun()
