"""The simulated users of benchmarks/load_test.py, in a module of their own: Streamlit's AppTest
replaces `__main__` while it runs a page, so worker processes must find these functions by their
module's name."""

from __future__ import annotations

import functools
import os
import time
from datetime import UTC, datetime
from typing import Any


def warm_up(warmed: Any = None) -> None:
    """What a running server has loaded already: the app's modules (the pages' sections and charts
    too, which a page imports on its first run) and the instrument. Then wait at the barrier `warmed`
    until every worker is as far, so that no warm-up runs beside a measured request."""
    import importlib
    import pkgutil

    import streamlit.testing.v1  # noqa: F401

    import dashboard
    from tracking.instrument import load_instrument

    scripts = ("dashboard.app", "dashboard.server", "dashboard.views")  # run per session, not imported
    for module in pkgutil.walk_packages(dashboard.__path__, "dashboard."):
        if not module.name.startswith(scripts):
            importlib.import_module(module.name)
    load_instrument()
    _components()
    if warmed is not None:
        warmed.wait()


@functools.cache
def _components() -> Any:
    """Streamlit's registry of installed components, made once per worker. A server makes it once when
    it starts; AppTest makes it for every new session, scanning every installed package (about a
    quarter of a CPU-second each time), which would count Streamlit's test harness as page time."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


def _session(app: str) -> Any:
    """A new AppTest session of the app, sharing the worker's component registry."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(app, default_timeout=120)
    at._bidi_component_manager = _components()
    return at


def _wait_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        time.sleep(delay)  # users arrive over the ramp-up, not all in the same instant


def _session_problems(at) -> list[str]:
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


def client_session(app: str, db: str, secret_key: str, token: str, start_at: float = 0.0,
                   think_seconds: float = 0.0) -> dict:
    """Arrive at `start_at` (a time.time()), open the link, take `think_seconds` to answer every
    item, send. Opening and sending are timed."""
    _wait_until(start_at)
    os.environ.update({"KOERS_DB": db, "KOERS_SECRET_KEY": secret_key})
    from tracking.instrument import load_instrument

    at = _session(app)
    at.query_params["t"] = token
    started = time.perf_counter()
    at.run()
    opened = time.perf_counter() - started
    problems = _session_problems(at)
    for index, item in enumerate(load_instrument().items):
        at.select_slider(key=f"checkin.item.{item.id}").set_value((index * 3) % 11)
    time.sleep(think_seconds)  # the client reading and answering: a simulated person, not a test
    started = time.perf_counter()
    at.button(key="checkin.submit").click().run()
    submitted = time.perf_counter() - started
    problems += _session_problems(at)
    return {"kind": "client", "open": opened, "submit": submitted, "problems": problems}


def coach_session(app: str, db: str, secret_key: str, coach_id: int, pages: int, start_at: float = 0.0,
                  think_seconds: float = 0.0) -> dict:
    """Arrive at `start_at`, open the caseload, then that many client pages from it, reading each for
    `think_seconds`."""
    _wait_until(start_at)
    os.environ.update({"KOERS_DB": db, "KOERS_SECRET_KEY": secret_key})
    timings, problems = [], []

    def visit(page: str, **query):
        at = _session(app)
        at.session_state["coach_id"] = coach_id
        at.session_state["coach_generation"] = 0
        at.session_state["last_active"] = datetime.now(UTC)
        at.session_state["lang"] = "nl"
        for key, value in query.items():
            at.query_params[key] = value
        at.switch_page(f"views/{page}.py")
        started = time.perf_counter()
        at.run()
        timings.append(time.perf_counter() - started)
        problems.extend(_session_problems(at))
        return at

    caseload = visit("caseload")
    shown = list(caseload.dataframe[0].value["client"]) if caseload.dataframe else []
    for label in shown[:pages]:
        time.sleep(think_seconds)  # the coach reading the page
        visit("client", client=label.rsplit("(", 1)[-1].rstrip(")"))
    return {"kind": "coach", "pages": timings, "problems": problems}
