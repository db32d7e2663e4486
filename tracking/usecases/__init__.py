"""The application layer: one function per thing a person (or the scheduler) does.

Each use case takes the `Context` and the acting `Actor`, validates its input once, does its work
in one unit of work on the database, records the audit action it declares, and refreshes what is
derived when its change needs that. The command line, the dashboard pages and the scheduler only
collect input, call one use case and show the result; none of them opens a transaction or writes
the audit log itself.

    clients    add, change, assign; focus and observations; what a coach looks at
    coaches    accounts: add, change, lock and unlock, passwords, second factor, sign-in
    flags      acknowledge, resolve, reopen, list
    links      a fresh personal check-in link, shown or emailed
    checkin    what a client does with a personal link: open it, send or change answers
    pause      a client pausing their reminders with the link in an email
    data       import, recompute, demo data, timelines, exports
    privacy    export and erase one client, back up the database
    safety     the coach's side of the client's safety net: alerts, seeing a concern
    mail       the admin's outbox: retry, download
    refusals   refused anonymous attempts, counted and recorded in aggregate

and, used by them: checks (each password or code check counted before it is made).

The scheduler's own work (what is due, the outbox, sending) is `tracking.mail`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tracking.audit import Action

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class UseCase:
    name: str  # module.function
    actions: tuple[Action, ...]  # what it records in the audit log (one per call)
    function: Callable[..., Any]


REGISTRY: dict[str, UseCase] = {}


def use_case(*actions: Action) -> Callable[[F], F]:
    """Declares a function as a use case that records one of `actions` each time it runs."""

    def register(function: F) -> F:
        name = f"{function.__module__.rpartition('.')[2]}.{function.__name__}"
        REGISTRY[name] = UseCase(name, actions, function)
        return function

    return register


def all_use_cases() -> dict[str, UseCase]:
    """Every use case, with the modules that declare them imported (this package and the scheduler's
    `tracking.mail.outbox`)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    importlib.import_module("tracking.mail.outbox")
    return dict(REGISTRY)
