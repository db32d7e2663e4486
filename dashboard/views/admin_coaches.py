"""Admin: coach accounts (add, deactivate, make admin, unlock, new password) and unassigned clients."""

from __future__ import annotations

import streamlit as st

from dashboard import data, runtime
from tracking.usecases import clients, coaches

tr = runtime.tr
actor = runtime.admin_actor()
now = runtime.now()
ctx = runtime.context()

st.title(tr("admin.coaches.title"), anchor=False)
runtime.show_notice()

with runtime.user_errors():
    accounts = coaches.coach_accounts(ctx, actor, now=now)
    waiting = clients.unassigned(ctx)


def _done(message: str) -> None:
    data.changed()
    st.session_state["notice"] = message
    st.rerun()


st.dataframe(
    [{
        tr("admin.coaches.col.name"): a.coach.name,
        tr("admin.coaches.col.email"): a.coach.email,
        tr("admin.coaches.col.role"): tr("admin.coaches.admin") if a.coach.is_admin else tr("admin.coaches.coach"),
        tr("admin.coaches.col.active"): tr("checkins.yes") if a.coach.active else tr("admin.coaches.inactive"),
        tr("admin.coaches.col.totp"): tr("checkins.yes") if a.has_totp else "",
        tr("admin.coaches.col.locked"): (runtime.when(a.locked_until, a.coach.tz)
                                         if a.locked_until and a.locked_until > now else ""),
    } for a in accounts],
    hide_index=True,
)

st.subheader(tr("admin.coaches.manage"), anchor=False)
by_id = {a.coach.id: a.coach for a in accounts}
chosen = st.selectbox(tr("admin.coaches.pick"), list(by_id),
                      format_func=lambda i: f"{by_id[i].name} <{by_id[i].email}>",
                      index=None, placeholder=tr("admin.coaches.pick_hint"))
if chosen is not None:
    coach = by_id[chosen]
    left, middle, right = st.columns(3)
    if coach.id != actor.coach_id:
        if left.button(tr("admin.coaches.deactivate") if coach.active else tr("admin.coaches.activate")):
            with runtime.user_errors():
                coaches.set_coach_active(ctx, actor, coach.id, not coach.active, now=now)
            _done(tr("admin.coaches.saved"))
        if middle.button(tr("admin.coaches.revoke_admin") if coach.is_admin else tr("admin.coaches.make_admin")):
            with runtime.user_errors():
                coaches.set_coach_admin(ctx, actor, coach.id, not coach.is_admin, now=now)
            _done(tr("admin.coaches.saved"))
    if right.button(tr("admin.coaches.unlock")):
        with runtime.user_errors():
            coaches.unlock_coach(ctx, actor, coach.id, now=now)
        _done(tr("admin.coaches.saved"))
    with st.form("reset_password", clear_on_submit=True):
        password = st.text_input(tr("admin.coaches.new_password"), type="password", autocomplete="new-password")
        reset = st.form_submit_button(tr("admin.coaches.set_password"))
    if reset:
        with runtime.user_errors():
            coaches.reset_password(ctx, actor, coach.id, password, now=now)
        _done(tr("admin.coaches.saved"))

st.subheader(tr("admin.coaches.add"), anchor=False)
with st.form("add_coach", clear_on_submit=True):
    name = st.text_input(tr("admin.coaches.col.name"), max_chars=100)
    email = st.text_input(tr("admin.coaches.col.email"))
    password = st.text_input(tr("admin.coaches.first_password"), type="password", autocomplete="new-password")
    left, right = st.columns(2)
    lang = left.radio(tr("account.lang"), ["nl", "en"], horizontal=True, format_func=runtime.labels("language."))
    is_admin = right.checkbox(tr("admin.coaches.is_admin"))
    added = st.form_submit_button(tr("admin.coaches.add_button"), type="primary")
if added:
    with runtime.user_errors():
        created = coaches.add_coach(ctx, actor, email, name, password, is_admin=is_admin, lang=lang, now=now)
    _done(tr("admin.coaches.added", name=created.name))

if waiting:
    st.subheader(tr("admin.coaches.unassigned", n=len(waiting)), anchor=False)
    st.caption(tr("admin.coaches.unassigned_help"))
    with st.form("assign"):
        picked = st.multiselect(tr("admin.coaches.clients"), [c.id for c in waiting],
                                placeholder=tr("widget.choose"), select_all=False)
        coach_id = st.selectbox(tr("admin.coaches.to_coach"), [a.coach.id for a in accounts if a.coach.active],
                                format_func=lambda i: by_id[i].name)
        assign = st.form_submit_button(tr("admin.coaches.assign"))
    if assign and picked:
        with runtime.user_errors():
            clients.assign_clients(ctx, actor, picked, coach_id, now=now)
        _done(runtime.tr_count("admin.coaches.assigned", len(picked)))
