"""Admin: coach accounts (add, deactivate, make admin, unlock, new password) and unassigned clients."""

from __future__ import annotations

import streamlit as st

from dashboard import data, runtime
from tracking import validate
from tracking.errors import InvalidValue
from tracking.passwords import hash_password
from tracking.store import accounts, audit, clients

tr = runtime.tr
viewer = runtime.admin_viewer()
now = runtime.now()

st.title(tr("admin.coaches.title"))
runtime.show_notice()

with runtime.user_errors(), runtime.database().read() as con:
    coaches = accounts.list_coaches(con)
    waiting = clients.unassigned(con)
    locks = {c.id: accounts.credentials_by_id(con, c.id) for c in coaches}


def _done(message: str) -> None:
    data.changed()
    st.session_state["notice"] = message
    st.rerun()


st.dataframe(
    [{
        tr("admin.coaches.col.name"): c.name,
        tr("admin.coaches.col.email"): c.email,
        tr("admin.coaches.col.role"): tr("admin.coaches.admin") if c.is_admin else tr("admin.coaches.coach"),
        tr("admin.coaches.col.active"): tr("checkins.yes") if c.active else tr("admin.coaches.inactive"),
        tr("admin.coaches.col.totp"): tr("checkins.yes") if locks[c.id].totp_secret else "",
        tr("admin.coaches.col.locked"): (runtime.when(locks[c.id].locked_until, c.tz)
                                         if locks[c.id].locked_until and locks[c.id].locked_until > now else ""),
    } for c in coaches],
    hide_index=True,
)

st.subheader(tr("admin.coaches.manage"))
by_id = {c.id: c for c in coaches}
chosen = st.selectbox(tr("admin.coaches.pick"), list(by_id),
                      format_func=lambda i: f"{by_id[i].name} <{by_id[i].email}>",
                      index=None, placeholder=tr("admin.coaches.pick_hint"))
if chosen is not None:
    coach = by_id[chosen]
    left, middle, right = st.columns(3)
    if coach.id != viewer.coach_id:
        if left.button(tr("admin.coaches.deactivate") if coach.active else tr("admin.coaches.activate")):
            with runtime.user_errors(), runtime.database().write() as con:
                accounts.set_active(con, coach.id, not coach.active)
                audit.record(con, now, viewer.actor, "coach_active", coach=coach.email, active=not coach.active)
            _done(tr("admin.coaches.saved"))
        if middle.button(tr("admin.coaches.revoke_admin") if coach.is_admin else tr("admin.coaches.make_admin")):
            with runtime.user_errors(), runtime.database().write() as con:
                accounts.set_admin(con, coach.id, not coach.is_admin)
                audit.record(con, now, viewer.actor, "coach_admin", coach=coach.email, admin=not coach.is_admin)
            _done(tr("admin.coaches.saved"))
    if right.button(tr("admin.coaches.unlock")):
        with runtime.user_errors(), runtime.database().write() as con:
            accounts.record_sign_in(con, coach.id)
            audit.record(con, now, viewer.actor, "coach_unlock", coach=coach.email)
        _done(tr("admin.coaches.saved"))
    with st.form("reset_password", clear_on_submit=True):
        password = st.text_input(tr("admin.coaches.new_password"), type="password", autocomplete="new-password")
        reset = st.form_submit_button(tr("admin.coaches.set_password"))
    if reset:
        try:
            new_hash = hash_password(password)
        except InvalidValue:
            st.error(tr("invalid.password"))
            st.stop()
        with runtime.user_errors(), runtime.database().write() as con:
            accounts.set_password_hash(con, coach.id, new_hash)
            audit.record(con, now, viewer.actor, "coach_password_reset", coach=coach.email)
        _done(tr("admin.coaches.saved"))

st.subheader(tr("admin.coaches.add"))
with st.form("add_coach", clear_on_submit=True):
    name = st.text_input(tr("admin.coaches.col.name"), max_chars=100)
    email = st.text_input(tr("admin.coaches.col.email"))
    password = st.text_input(tr("admin.coaches.first_password"), type="password", autocomplete="new-password")
    left, right = st.columns(2)
    lang = left.radio(tr("account.lang"), ["nl", "en"], horizontal=True, format_func=runtime.labels("language."))
    is_admin = right.checkbox(tr("admin.coaches.is_admin"))
    added = st.form_submit_button(tr("admin.coaches.add_button"), type="primary")
if added:
    try:
        clean_name = validate.name(name)
        if not clean_name:
            raise InvalidValue("name: is empty", "name")
        clean_email = validate.email(email)
        password_hash = hash_password(password)
    except InvalidValue as problem:
        st.error(tr(f"invalid.{problem.field}"))
        st.stop()
    with runtime.user_errors(), runtime.database().write() as con:
        accounts.add_coach(con, email=clean_email, name=clean_name, password_hash=password_hash, is_admin=is_admin,
                           now=now, lang=lang)
        audit.record(con, now, viewer.actor, "coach_add", coach=clean_email, admin=is_admin)
    _done(tr("admin.coaches.added", name=runtime.plain(clean_name)))

if waiting:
    st.subheader(tr("admin.coaches.unassigned", n=len(waiting)))
    st.caption(tr("admin.coaches.unassigned_help"))
    with st.form("assign"):
        picked = st.multiselect(tr("admin.coaches.clients"), [c.id for c in waiting])
        coach_id = st.selectbox(tr("admin.coaches.to_coach"), [c.id for c in coaches if c.active],
                                format_func=lambda i: by_id[i].name)
        assign = st.form_submit_button(tr("admin.coaches.assign"))
    if assign and picked:
        with runtime.user_errors(), runtime.database().write() as con:
            for client_id in picked:
                clients.assign(con, client_id, coach_id)
                audit.record(con, now, viewer.actor, "client_assign", client_id, coach=by_id[coach_id].email)
        _done(runtime.tr_count("admin.coaches.assigned", len(picked)))
