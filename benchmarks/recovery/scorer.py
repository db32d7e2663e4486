"""Scoring `not_on_track` flags against the ground truth of a synthetic population.

Definitions (also in docs/recovery.md):
- A client is *flagged on the dominant* when a `not_on_track` flag is raised on the dynamic that
  was the client's true dominant at the start; flags on other dynamics are counted apart.
- *By the 10th check-in*: the check-in that raised the client's first flag on the dominant is among
  the client's first ten check-ins (missed weeks do not count; a client with fewer than ten
  check-ins is judged on all of them).
- *Median check-in of the first flag*: over the clients of a kind flagged on the dominant at all,
  the number (1 = first) of the check-in that raised the first such flag.
- *Ever*: a flag on the dominant at any check-in of the follow-up (26-52 weeks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.recovery.generator import KINDS, Population
from tracking.instrument import DYNAMICS
from tracking.recovery import NotOnTrack

BY_CHECKIN = 10


@dataclass(frozen=True)
class KindScore:
    clients: int
    by_tenth: int
    ever: int
    other_dynamic: int
    first_checkins: tuple[int, ...]

    @property
    def share_by_tenth(self) -> float:
        return self.by_tenth / self.clients if self.clients else float("nan")

    @property
    def share_ever(self) -> float:
        return self.ever / self.clients if self.clients else float("nan")

    @property
    def share_other(self) -> float:
        return self.other_dynamic / self.clients if self.clients else float("nan")

    @property
    def median_first(self) -> float:
        return float(np.median(self.first_checkins)) if self.first_checkins else float("nan")

    def plus(self, other: KindScore) -> KindScore:
        return KindScore(self.clients + other.clients, self.by_tenth + other.by_tenth, self.ever + other.ever,
                         self.other_dynamic + other.other_dynamic, self.first_checkins + other.first_checkins)


EMPTY = KindScore(0, 0, 0, 0, ())


def score_events(population: Population, events: list[NotOnTrack],
                 members_of: np.ndarray | None = None) -> dict[str, KindScore]:
    """Per client kind: how many clients were flagged on their dominant, how early, and on other dynamics.

    `members_of` (a boolean per client) limits the count to some clients, for example those with
    one dominant.
    """
    n_clients = population.kinds.size
    among = np.ones(n_clients, dtype=bool) if members_of is None else members_of
    first_row = np.searchsorted(population.client, np.arange(n_clients), side="left")
    first_on_dominant = np.full(n_clients, np.iinfo(np.int64).max)
    on_other = np.zeros(n_clients, dtype=bool)
    for event in events:
        client = int(population.client[event.row])
        checkin = event.row - int(first_row[client]) + 1
        if DYNAMICS.index(event.dynamic) == population.dominant[client]:
            first_on_dominant[client] = min(first_on_dominant[client], checkin)
        else:
            on_other[client] = True
    flagged = first_on_dominant < np.iinfo(np.int64).max
    scores = {}
    for kind in KINDS:
        members = (population.kinds == kind) & among
        scores[kind] = KindScore(
            clients=int(members.sum()),
            by_tenth=int((members & (first_on_dominant <= BY_CHECKIN)).sum()),
            ever=int((members & flagged).sum()),
            other_dynamic=int((members & on_other).sum()),
            first_checkins=tuple(int(c) for c in first_on_dominant[members & flagged]),
        )
    return scores


def focus_not_improving_share(population: Population, events: list[NotOnTrack]) -> float:
    """Among the first flags on the dominant of non-responders and deteriorators: the share that says the
    focus is not bringing the expected improvement."""
    seen: set[int] = set()
    says = 0
    for event in events:
        client = int(population.client[event.row])
        stuck = population.kinds[client] in ("non_responder", "deteriorator")
        if not stuck or client in seen or DYNAMICS.index(event.dynamic) != population.dominant[client]:
            continue
        seen.add(client)
        says += bool(event.evidence["focus_not_improving"])
    return says / len(seen) if seen else float("nan")
