"""Export: the client's check-ins as CSV in the import format, and a printable report."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import charts, report_charts, runtime
from dashboard.report import report_html
from dashboard.sections.observations import observation_facts, observation_ratings
from dashboard.sections.overview import _sentence
from tracking.context import Actor
from tracking.export import checkins_csv
from tracking.summary import summarize
from tracking.usecases import coaches, data
from tracking.usecases.clients import ClientBundle

tr = runtime.tr


def _when(moment: datetime, tz: str) -> str:
    return runtime.when(moment, tz)


def _log(actor: Actor, client_id: str, what: str) -> None:
    with runtime.user_errors():
        data.record_export(runtime.context(), actor, client_id, what)


def show_export(bundle: ClientBundle, actor: Actor) -> None:
    client = bundle.client
    lang = runtime.lang()
    now = runtime.now()
    stamp = now.astimezone(charts.zone(client.tz)).strftime("%Y%m%d")
    st.subheader(tr("export.csv"), anchor=False)
    st.caption(tr("export.csv_help"))
    with runtime.user_errors():
        rows = data.export_rows(runtime.context(), actor, client.id)
        coach = coaches.own_account(runtime.context(), actor)
    st.download_button(tr("export.csv_button"), checkins_csv(rows, runtime.instrument()),
                       file_name=f"koers-{client.id}-{stamp}.csv", mime="text/csv", icon=":material/download:",
                       on_click=_log, args=(actor, client.id, "csv"), key="export_csv")
    st.subheader(tr("export.report"), anchor=False)
    st.caption(tr("export.report_help"))
    series = bundle.timeline
    flags = [[_when(datetime.fromisoformat(f["at"]), client.tz), tr(f"flag.{f['kind']}"), tr(f"status.{f['status']}"),
              charts.flag_text(f, lang)] for f in bundle.flags]
    focus = [[_when(c.at, client.tz), tr(f"dynamic.{c.focus}") if c.focus else tr("focus.none"),
              c.note or ""] for c in bundle.focus_changes]
    observations = [[runtime.when(o.at, client.tz, with_time=False), observation_ratings(o),
                     " · ".join(observation_facts(o))] for o in bundle.observations]
    summary = [_sentence(k, v, client.tz) for k, v in summarize(series, now)]

    def build_report() -> str:
        """Runs only when the coach downloads. It runs outside the page's script, so everything it
        needs is fixed above (language included)."""
        drawn = []
        if series:
            drawn = [
                report_charts.timeline_svg(series, [f for f in bundle.flags if f["status"] != "resolved"],
                                           bundle.focus_changes, bundle.observations, lang, client.tz),
                report_charts.core_svg(series, lang, client.tz),
            ]
        return report_html(client=client, coach_name=coach.name, generated=now.astimezone(charts.zone(client.tz)),
                           summary=summary, charts=drawn, flags=flags, focus=focus, observations=observations,
                           lang=lang)

    st.download_button(tr("export.report_button"), build_report, file_name=f"koers-{client.id}-{stamp}.html",
                       mime="text/html", icon=":material/print:", on_click=_log, args=(actor, client.id, "report"),
                       key="export_report")
