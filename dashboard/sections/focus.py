"""Intervention focus: one of the four dynamics (or none), with the guidance for each and its history."""

from __future__ import annotations

import streamlit as st

from dashboard import data, runtime
from tracking.context import Actor
from tracking.instrument import DYNAMICS
from tracking.usecases import clients
from tracking.usecases.clients import ClientBundle

tr = runtime.tr
NONE = "none"


def show_focus(bundle: ClientBundle, actor: Actor) -> None:
    client = bundle.client
    series = bundle.timeline
    latest = series[-1].state if series else None
    guidance = st.session_state.pop("focus_guidance", None)  # from a flag's next step
    if guidance in DYNAMICS:
        with st.container(border=True):
            st.markdown(f"**{tr('focus.guidance', dynamic=tr(f'dynamic.{guidance}'))}**")
            st.write(tr(f"dynamic.{guidance}.what"))
            st.write(tr("focus.guidance_asks", focus=tr(f"focus.{guidance}")))
    if latest in DYNAMICS:
        st.info(tr("focus.dominant_now", dynamic=tr(f"dynamic.{latest}")))
        if client.focus and client.focus != latest:
            st.warning(tr("focus.mismatch", focus=tr(f"dynamic.{client.focus}"), dynamic=tr(f"dynamic.{latest}")))
    options = [*DYNAMICS, NONE]
    # A fresh form after every save: the note belongs to that one change of focus.
    saves = st.session_state.setdefault("focus_saves", 0)
    with st.form(f"focus_form_{saves}", enter_to_submit=False):
        choice = st.radio(
            tr("focus.choose"), options, index=options.index(client.focus or NONE),
            format_func=runtime.labels("focus.label."),
            captions=[tr(f"focus.{d}") for d in DYNAMICS] + [tr("focus.none_help")],
        )
        note = st.text_input(tr("focus.note"), max_chars=500)
        saved = st.form_submit_button(tr("focus.save"), type="primary")
    if saved:
        focus = None if choice == NONE else choice
        with runtime.user_errors():
            clients.set_focus(runtime.context(), actor, client.id, focus, note=note, now=runtime.now())
        data.changed()
        st.session_state["focus_saves"] = saves + 1
        st.session_state["notice"] = tr("focus.saved")
        st.rerun()
    with st.expander(tr("focus.what_each_means")):
        for dynamic in DYNAMICS:
            st.markdown(f"**{tr(f'dynamic.{dynamic}')}**")
            st.write(tr(f"dynamic.{dynamic}.what"))
    history = bundle.focus_changes
    if history:
        st.subheader(tr("focus.history"), anchor=False)
        st.dataframe(
            [{
                tr("focus.col.when"): runtime.when(change.at, client.tz),
                tr("focus.col.focus"): tr(f"dynamic.{change.focus}") if change.focus else tr("focus.none"),
                tr("focus.col.by"): change.by or "",
                tr("focus.col.note"): change.note or "",
            } for change in reversed(history)],
            hide_index=True,
        )
