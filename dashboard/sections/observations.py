"""Observations after a session: the seed's profiling, beside the client's self-reports."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import streamlit as st

from dashboard import charts, data, runtime
from tracking.context import Actor
from tracking.i18n import formats
from tracking.instrument import DYNAMICS
from tracking.usecases import clients
from tracking.usecases.clients import REFERENCES, RESPONSIBILITIES, ClientBundle, Observation

if TYPE_CHECKING:
    from tracking.store.insights import ObservationRecord

tr = runtime.tr
NOT_RATED = "-"  # the rating slider's first position: this dynamic is not rated
RATING_SCALE = [NOT_RATED, *range(0, 11)]
SESSION_DAYS_BACK = 90  # sessions are recorded soon after; older ones are rare enough to leave out
FORM = "observation_form"
# A dynamic that is not rated looks inactive: a grey, hollow thumb and a faded track (in shape as well
# as in words: the thumb's label says "niet beoordeeld").
FORM_CSS = """
<style>
.st-key-observation_ratings [data-testid="stSlider"]:has(input[value="0"]) { opacity: 0.55; }
.st-key-observation_ratings [data-testid="stSlider"] div[style*="translate(-50%, -50%)"]:has(input[value="0"]) {
  background: #fbfaf7 !important; border: 3px solid #7f7f7f; box-sizing: border-box;
}
</style>
"""


def observation_ratings(observation: ObservationRecord) -> str:
    """'Context 8/10, Identiteit 3/10': the coach's ratings in the reader's language."""
    lang = runtime.lang()
    return formats.items([tr("observations.rated", dynamic=tr(f"dynamic.{d}"), rating=v)
                          for d, v in observation.ratings.items() if v is not None], lang)


def observation_facts(observation: ObservationRecord) -> list[str]:
    """What the coach wrote down, one fact a line: 'Reactie op onzekerheid: ...'."""
    facts = []
    if observation.tension_in_body:
        facts.append(f"{tr('observations.tension')}: {observation.tension_in_body}")
    if observation.reaction_to_uncertainty:
        facts.append(f"{tr('observations.uncertainty')}: {observation.reaction_to_uncertainty}")
    if observation.reference:
        facts.append(f"{tr('observations.reference')}: {tr(f'observations.reference.{observation.reference}')}")
    if observation.responsibility:
        facts.append(f"{tr('observations.responsibility')}: "
                     f"{tr(f'observations.responsibility.{observation.responsibility}')}")
    if observation.note:
        facts.append(observation.note)
    return facts


def _session_days(client_tz: str) -> list[date]:
    today = runtime.now().astimezone(charts.zone(client_tz)).date()
    return [today - timedelta(days=back) for back in range(SESSION_DAYS_BACK + 1)]


def show_observations(bundle: ClientBundle, actor: Actor) -> None:
    client = bundle.client
    lang = runtime.lang()
    st.caption(tr("observations.help"))
    st.html(FORM_CSS)
    not_rated = tr("observations.not_rated")
    with st.form(FORM, clear_on_submit=True, enter_to_submit=False):
        # A list of recent days instead of a date picker: its calendar names months and weekdays in the
        # browser's language, not the coach's.
        observed = st.selectbox(tr("observations.date"), _session_days(client.tz),
                                format_func=lambda day: formats.weekday_day(day, lang),
                                placeholder=tr("widget.choose"))
        tension = st.text_input(tr("observations.tension"), max_chars=300)
        uncertainty = st.text_input(tr("observations.uncertainty"), max_chars=300)
        left, right = st.columns(2)
        reference = left.radio(tr("observations.reference"), REFERENCES, index=None,
                               format_func=runtime.labels("observations.reference."), horizontal=True)
        responsibility = right.radio(tr("observations.responsibility"), RESPONSIBILITIES, index=None,
                                     format_func=runtime.labels("observations.responsibility."), horizontal=True)
        st.markdown(f"**{tr('observations.ratings')}**")
        st.caption(tr("observations.ratings_help"))
        ratings: dict[str, int | None] = {}
        with st.container(key="observation_ratings"):
            columns = st.columns(len(DYNAMICS))
            for column, dynamic in zip(columns, DYNAMICS):
                value = column.select_slider(
                    tr(f"dynamic.{dynamic}"), options=RATING_SCALE, value=NOT_RATED, key=f"rate_{dynamic}",
                    format_func=lambda v: not_rated if v == NOT_RATED else str(v),
                )
                ratings[dynamic] = None if value == NOT_RATED else int(value)
        note = st.text_area(tr("observations.note"), max_chars=2000)
        saved = st.form_submit_button(tr("observations.save"), type="primary")
    if saved:
        # A session has a day, not a time: the observation is placed at noon that day, and shown by its day.
        moment = datetime.combine(observed, time(12, 0), tzinfo=charts.zone(client.tz))
        with runtime.user_errors():
            clients.add_observation(runtime.context(), actor, client.id, Observation(
                observed_at=moment, tension_in_body=tension, reaction_to_uncertainty=uncertainty,
                reference=reference, responsibility=responsibility, ratings=ratings, note=note,
            ), now=runtime.now())
        data.changed()
        st.session_state["notice"] = tr("observations.saved")
        st.rerun()
    for observation in reversed(bundle.observations):
        with st.container(border=True):
            when = runtime.when(observation.at, client.tz, with_time=False)
            runtime.show_plain(observation.by, strong=when)
            rated = observation_ratings(observation)
            if rated:
                st.text(f"{tr('observations.ratings')}: {rated}")
            for fact in observation_facts(observation):
                st.text(fact)
