"""The one-click pause link from a reminder email (`?pause=<token>`): no sign-in.

The client confirms with a button before anything changes; then the client's status becomes
`paused` (nothing else: no link is revoked), the audit log records it and the coach gets an email.
A link that does not work gets the same friendly text in both languages, whatever the reason, and
says nothing about any client. Names are shown as plain text, never as Markdown.
"""

from __future__ import annotations

import streamlit as st

from dashboard import runtime, wording
from tracking.i18n import t
from tracking.usecases import pause

TOKEN = "pause.token"  # the link this session opened
OPENED = "pause.opened"  # pause.PauseLink before confirming
RESULT = "pause.result"  # pause.PauseLink after confirming
LANGS = ("nl", "en")

st.set_page_config(layout="centered")
tr = runtime.tr

link = runtime.personal_link()
token = link[1] if link else ""
if st.session_state.get(TOKEN) != token or OPENED not in st.session_state:
    with runtime.user_errors():
        first = pause.open_pause_link(runtime.context(), token, now=runtime.now())
    st.session_state[TOKEN] = token
    st.session_state[OPENED] = first
    st.session_state.pop(RESULT, None)
    if first.lang:
        runtime.set_lang(first.lang)

wording.put_in_place(runtime.lang())
opened: pause.PauseLink = st.session_state[OPENED]
shown: pause.PauseLink = st.session_state.get(RESULT) or opened

if shown.status == "bad":
    for index, lang in enumerate(LANGS):
        if index:
            st.divider()
        st.header(t("pause.title", lang), anchor=False)
        st.write(t("pause.bad_link", lang))
    st.stop()

choice = st.segmented_control(
    tr("pause.language"), LANGS, default=runtime.lang(), key="pause.lang",
    format_func=lambda lang: t(f"language.{lang}", lang), label_visibility="collapsed",
)
if choice and choice != runtime.lang():
    runtime.set_lang(choice)
    st.rerun()

st.title(tr("pause.title"), anchor=False)
if shown.status == "paused":
    st.success(tr("pause.done"), icon=":material/check_circle:")
elif shown.status == "already":
    st.info(tr("pause.already"), icon=":material/pause_circle:")
else:
    st.write(tr("pause.question"))
    if opened.coach_name:
        runtime.show_plain(tr("pause.coach_told", coach=opened.coach_name), "caption")
    if st.button(tr("pause.confirm"), type="primary", key="pause.confirm", icon=":material/pause:"):
        with runtime.user_errors():
            st.session_state[RESULT] = pause.pause_reminders(runtime.context(), token, now=runtime.now())
        st.rerun()
