"""Observations after a session: the seed's profiling, beside the client's self-reports."""

from __future__ import annotations

from datetime import datetime, time

import streamlit as st

from dashboard import charts, data, runtime
from tracking.context import Actor
from tracking.instrument import DYNAMICS
from tracking.usecases import clients
from tracking.usecases.clients import REFERENCES, RESPONSIBILITIES, ClientBundle, Observation

tr = runtime.tr


def show_observations(bundle: ClientBundle, actor: Actor) -> None:
    client = bundle.client
    st.caption(tr("observations.help"))
    with st.form("observation_form", clear_on_submit=True):
        observed = st.date_input(tr("observations.date"), value=runtime.now().astimezone(charts.zone(client.tz)).date(),
                                 format="DD-MM-YYYY")
        tension = st.text_input(tr("observations.tension"), max_chars=300)
        uncertainty = st.text_input(tr("observations.uncertainty"), max_chars=300)
        left, right = st.columns(2)
        reference = left.radio(tr("observations.reference"), REFERENCES, index=None,
                               format_func=runtime.labels("observations.reference."), horizontal=True)
        responsibility = right.radio(tr("observations.responsibility"), RESPONSIBILITIES, index=None,
                                     format_func=runtime.labels("observations.responsibility."), horizontal=True)
        st.markdown(f"**{tr('observations.ratings')}**")
        st.caption(tr("observations.ratings_help"))
        columns = st.columns(len(DYNAMICS))
        ratings = {}
        for column, dynamic in zip(columns, DYNAMICS):
            rated = column.checkbox(tr(f"dynamic.{dynamic}"), key=f"rate_{dynamic}_on")
            value = column.slider(tr("observations.rating"), 0, 10, 5, key=f"rate_{dynamic}",
                                  label_visibility="collapsed")
            ratings[dynamic] = value if rated else None
        note = st.text_area(tr("observations.note"), max_chars=2000)
        saved = st.form_submit_button(tr("observations.save"), type="primary")
    if saved:
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
            facts = []
            if observation.tension_in_body:
                facts.append((tr("observations.tension"), observation.tension_in_body))
            if observation.reaction_to_uncertainty:
                facts.append((tr("observations.uncertainty"), observation.reaction_to_uncertainty))
            if observation.reference:
                facts.append((tr("observations.reference"), tr(f"observations.reference.{observation.reference}")))
            if observation.responsibility:
                facts.append((tr("observations.responsibility"),
                              tr(f"observations.responsibility.{observation.responsibility}")))
            rated = [f"{tr(f'dynamic.{d}')} {v}" for d, v in observation.ratings.items() if v is not None]
            if rated:
                facts.append((tr("observations.ratings"), ", ".join(rated)))
            for label, value in facts:
                st.text(f"{label}: {value}")
            if observation.note:
                st.text(observation.note)
