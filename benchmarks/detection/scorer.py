"""Scoring shift flags against the ground truth of a synthetic population.

Definitions (also in docs/detection.md):
- A true switch is found when a `dominant_shift` flag with the right `to` dynamic is raised at a
  check-in between the switch's start (the first check-in at or after the start week) and four
  check-ins after its end (the first check-in at or after the end week, plus four). One flag finds
  at most one switch; the earliest qualifying flag counts.
- Delay, in check-ins: the flag's check-in minus the first check-in at or after the end of the
  transition, clamped at 0 (a flag raised during the transition has delay 0).
- A false alarm is any `dominant_shift` flag that found no switch, whatever the client's kind
  (flags in near-tie and recovering clients all count).
- A client-year is 52 weeks of scheduled time (a client followed for 104 weeks counts as 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.detection.generator import KINDS, Population

FOUND_WITHIN_CHECKINS_AFTER_END = 4


@dataclass(frozen=True)
class Score:
    switches: int
    found: int
    false_alarms: int
    client_years: float
    median_delay_checkins: float
    false_alarms_by_kind: dict[str, int]

    @property
    def recall(self) -> float:
        return self.found / self.switches if self.switches else float("nan")

    @property
    def false_alarms_per_client_year(self) -> float:
        return self.false_alarms / self.client_years

    def meets(self, recall: float, false_alarms: float, delay: float) -> bool:
        return (
            self.recall >= recall
            and self.false_alarms_per_client_year <= false_alarms
            and self.median_delay_checkins <= delay
        )


def score_flags(population: Population, flag_rows: np.ndarray, flag_to: np.ndarray) -> Score:
    """Match flags (row of the check-in that raised each, and its `to` dynamic code) to true switches."""
    flag_rows = np.asarray(flag_rows, dtype=np.int64)
    flag_to = np.asarray(flag_to, dtype=np.int64)
    order = np.argsort(flag_rows, kind="stable")
    flag_rows, flag_to = flag_rows[order], flag_to[order]
    flag_client = population.client[flag_rows]
    used = np.zeros(flag_rows.size, dtype=bool)
    client_start = np.searchsorted(population.client, np.arange(population.kinds.size), side="left")
    client_end = np.searchsorted(population.client, np.arange(population.kinds.size), side="right")
    delays = []
    for switch in population.switches:
        lo, hi = client_start[switch.client], client_end[switch.client]
        weeks = population.weeks[lo:hi]
        first_row = lo + int(np.searchsorted(weeks, switch.start_week, side="left"))
        end_row = lo + int(np.searchsorted(weeks, switch.end_week, side="left"))
        last_row = min(end_row + FOUND_WITHIN_CHECKINS_AFTER_END, hi - 1)
        left = np.searchsorted(flag_rows, first_row, side="left")
        right = np.searchsorted(flag_rows, last_row, side="right")
        for index in range(left, right):
            matches = flag_to[index] == switch.to_dynamic and flag_client[index] == switch.client
            if matches and not used[index]:
                used[index] = True
                delays.append(max(0, int(flag_rows[index]) - end_row))
                break
    false_kinds = population.kinds[flag_client[~used]]
    return Score(
        switches=len(population.switches),
        found=len(delays),
        false_alarms=int((~used).sum()),
        client_years=population.client_years,
        median_delay_checkins=float(np.median(delays)) if delays else float("nan"),
        false_alarms_by_kind={kind: int((false_kinds == kind).sum()) for kind in KINDS},
    )


QUIET_KINDS = ("stable", "near_tie")


@dataclass(frozen=True)
class ChangeScore:
    """Reliable-change flags against the ground truth: rates per client kind and the lasting changes found.

    - flags per client-year, by client kind, counting every reliable-change flag (four dynamics, both
      directions); for `stable` and `near_tie` clients every one of them is a false alarm;
    - a lasting change (a recovering client's dominant, a deteriorating client's dominant) is found by
      a flag of the right kind on that dynamic raised at or after the first check-in at or after the
      change's start; delay in check-ins as for shifts (from the first check-in at or after its end,
      clamped at 0);
    - `early`: changes whose client already had that flag on that dynamic before the change started.
    """

    flags_per_client_year: dict[str, float]
    changes: dict[int, int]
    found: dict[int, int]
    early: dict[int, int]
    median_delay_checkins: dict[int, float]

    def recall(self, direction: int) -> float:
        return self.found[direction] / self.changes[direction] if self.changes[direction] else float("nan")

    @property
    def quiet_false_alarms_per_client_year(self) -> float:
        return max(self.flags_per_client_year[kind] for kind in QUIET_KINDS)

    def meets(self, false_alarms: float, recall: float, delay: float) -> bool:
        return (
            self.quiet_false_alarms_per_client_year <= false_alarms
            and all(self.recall(d) >= recall and self.median_delay_checkins[d] <= delay for d in (1, -1)
                    if self.changes[d])
        )


def score_changes(population: Population, rows: np.ndarray, directions: np.ndarray, dynamics: np.ndarray
                  ) -> ChangeScore:
    """Match reliable-change flags (row, direction +1 deterioration / -1 improvement, dynamic code)."""
    rows = np.asarray(rows, dtype=np.int64)
    directions = np.asarray(directions, dtype=np.int64)
    dynamics = np.asarray(dynamics, dtype=np.int64)
    flag_client = population.client[rows]
    rates = {}
    for kind in KINDS:
        members = np.flatnonzero(population.kinds == kind)
        years = population.span_weeks[members].sum() / 52.0
        rates[kind] = float(np.isin(flag_client, members).sum() / years) if years else float("nan")
    client_start = np.searchsorted(population.client, np.arange(population.kinds.size), side="left")
    client_end = np.searchsorted(population.client, np.arange(population.kinds.size), side="right")
    changes, found, early, delays = {1: 0, -1: 0}, {1: 0, -1: 0}, {1: 0, -1: 0}, {1: [], -1: []}
    for change in population.changes:
        lo, hi = client_start[change.client], client_end[change.client]
        weeks = population.weeks[lo:hi]
        first_row = lo + int(np.searchsorted(weeks, change.start_week, side="left"))
        end_row = lo + int(np.searchsorted(weeks, change.end_week, side="left"))
        mine = rows[(flag_client == change.client) & (directions == change.direction)
                    & (dynamics == change.dynamic)]
        changes[change.direction] += 1
        early[change.direction] += int((mine < first_row).any())
        after = np.sort(mine[mine >= first_row])
        if after.size:
            found[change.direction] += 1
            delays[change.direction].append(max(0, int(after[0]) - end_row))
    return ChangeScore(
        flags_per_client_year=rates, changes=changes, found=found, early=early,
        median_delay_checkins={d: float(np.median(v)) if v else float("nan") for d, v in delays.items()},
    )
