"""Admin: the mail outbox — every email with its status, attempts, next attempt and last error; "retry
now" for failed ones; whether the scheduler runs; and the .eml folder when no mail server is set.

Stored bodies are not shown: until an email is sent they hold the client's personal link.
"""

from __future__ import annotations

import streamlit as st

from dashboard import runtime
from tracking.errors import NotFound
from tracking.mail.due import KINDS
from tracking.models import EMAIL_STATUSES
from tracking.usecases import coaches, outbox_admin

tr = runtime.tr
actor = runtime.admin_actor()
now = runtime.now()
ctx = runtime.context()
settings = ctx.settings


def _log_download(name: str) -> None:
    with runtime.user_errors():
        outbox_admin.record_eml_download(ctx, actor, name)


with runtime.user_errors():
    tz = coaches.own_account(ctx, actor).tz


def _when(moment) -> str:
    """Local time, as everywhere else in Koers (the admin's own time zone)."""
    return runtime.when(moment, tz) if moment else ""


st.title(tr("outbox.title"), anchor=False)
st.caption(tr("outbox.help"))
runtime.show_notice()

folder = settings.outbox_folder()
if settings.smtp_host:
    st.info(tr("outbox.transport_smtp", server=f"{settings.smtp_host}:{settings.smtp_port}"))
else:
    st.info(tr("outbox.transport_files", folder=str(folder)))

left, middle, right = st.columns([2, 2, 3])
statuses = left.multiselect(tr("outbox.filter_status"), EMAIL_STATUSES, key="outbox.status",
                            format_func=runtime.labels("outbox.status."), placeholder=tr("outbox.filter_any"),
                            select_all=False)
kinds = middle.multiselect(tr("outbox.filter_kind"), KINDS, key="outbox.kind",
                           format_func=runtime.labels("outbox.kind."), placeholder=tr("outbox.filter_any"),
                           select_all=False)
search = right.text_input(tr("outbox.filter_search"), max_chars=200, key="outbox.search", live=True).strip() or None

with runtime.user_errors():
    overview = outbox_admin.overview(ctx, actor, statuses=statuses, kinds=kinds, search=search)
runs, counts, rows, failed = overview.runs, overview.counts, overview.emails, overview.failed
runtime.record_look("outbox", None, lambda: outbox_admin.record_outbox_view(ctx, actor, len(rows), now=runtime.now()))

if runs:
    for run in runs:
        st.caption(tr("outbox.last_run", runner=run.runner, when=_when(run.at), host=run.host,
                      queued=run.queued))
else:
    st.warning(tr("outbox.never_ran"))
st.caption(tr("outbox.counts", **counts))

if rows:
    st.dataframe(
        [{
            tr("outbox.col.created"): _when(row.created_at),
            tr("outbox.col.kind"): tr(f"outbox.kind.{row.kind}") if row.kind in KINDS else row.kind,
            tr("outbox.col.recipient"): row.recipient,
            tr("outbox.col.client"): row.client_id or "",
            tr("outbox.col.subject"): row.subject,
            tr("outbox.col.status"): tr(f"outbox.status.{row.status}"),
            tr("outbox.col.attempts"): row.attempts,
            tr("outbox.col.next"): _when(row.next_attempt_at) if row.status in ("pending", "failed") else "",
            tr("outbox.col.sent"): _when(row.sent_at),
            tr("outbox.col.error"): row.last_error or "",
        } for row in rows],
        hide_index=True,
    )
else:
    st.info(tr("outbox.empty"))

st.subheader(tr("outbox.retry_title"), anchor=False)
if not failed:
    st.caption(tr("outbox.retry_none"))
else:
    by_id = {row.id: row for row in failed}
    kind_label = runtime.labels("outbox.kind.")
    picked = st.multiselect(
        tr("outbox.retry_pick"), list(by_id), default=list(by_id), key="outbox.retry_ids",
        format_func=lambda i: f"#{i} {kind_label(by_id[i].kind)} → {by_id[i].recipient}",
        placeholder=tr("widget.choose"), select_all=False,
    )
    if st.button(tr("outbox.retry_button"), key="outbox.retry", icon=":material/send:") and picked:
        with runtime.user_errors():
            done = outbox_admin.retry_emails(ctx, actor, [i for i in picked if i is not None], now=now)
        st.session_state["notice"] = tr("outbox.retry_done", n=done)
        st.rerun()

files = outbox_admin.eml_files(ctx, actor)
if files or not settings.smtp_host:
    st.subheader(tr("outbox.files_title"), anchor=False)
    if not files:
        st.caption(tr("outbox.files_none", folder=str(folder)))
    else:
        st.dataframe(
            [{tr("outbox.files_col.name"): f.name, tr("outbox.files_col.size"): runtime.count(f.size),
              tr("outbox.files_col.modified"): _when(f.modified)} for f in files],
            hide_index=True,
        )
        chosen = st.selectbox(tr("outbox.files_pick"), [f.name for f in files], index=None, key="outbox.file",
                              placeholder=tr("outbox.files_pick_hint"))
        if chosen:
            content: bytes | None
            try:
                content = outbox_admin.read_eml(ctx, actor, chosen)
            except NotFound:
                content = None
            if content is not None:
                st.download_button(tr("outbox.files_download", name=chosen), content, file_name=chosen,
                                   mime="message/rfc822", key="outbox.download", on_click=_log_download,
                                   args=(chosen,))
