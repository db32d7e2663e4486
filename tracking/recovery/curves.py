"""The expected recovery curve of each dynamic: the share of its starting excess strain left after w weeks.

A dynamic that starts at level `b` is expected to be at `floor + (b - floor) * remaining(w)` after
`w` weeks. Every curve is a table of `remaining` on a grid of weeks (a quarter week apart, up to
three years; read by linear interpolation, 1 before the start and the last value after the end):

- the *default* curve of a dynamic comes from two settings, the weeks until half of its excess
  strain is gone and the share that goes in time: `remaining(w) = 1 - share * (1 - 2 ** (-w / tau))`,
  with `tau` such that `remaining(half_weeks) = 0.5`;
- a practice's *estimated* curve is the median path of its own recovering clients
  (`tracking.recovery.estimate`).

Clients who recover differ in pace: a client `pace_spread` slower than the curve (one standard
deviation) follows the same curve stretched in time, `remaining(w / (1 + pace_spread))`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tracking.instrument import DYNAMICS
from tracking.recovery.settings import DEFAULT_SETTINGS, RecoverySettings

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DEFAULT = "default"
ESTIMATED = "estimated"
GRID_STEP_WEEKS = 0.25
GRID_WEEKS: FloatArray = np.arange(0.0, 156.0 + GRID_STEP_WEEKS / 2, GRID_STEP_WEEKS)


@dataclass(frozen=True, eq=False)  # holds arrays: compare their fields, not the objects
class Curves:
    """Per dynamic (rows in DYNAMICS order): the remaining share at every grid week, and the pace spread;
    and the week-to-week noise of a score (points) that the band allows for.

    `source` per dynamic is "estimated" (from the practice's clients), "default" (too few clients)
    or "default (implausible estimate)"; `clients` is how many clients the estimate rests on;
    `noise_source` is "estimated" or "default".
    """

    remaining: FloatArray
    pace_spread: dict[str, float]
    source: dict[str, str]
    clients: dict[str, int]
    checkin_noise: float
    noise_source: str = DEFAULT

    def at(self, dynamic: int, weeks: FloatArray, stretch: float = 1.0) -> FloatArray:
        """Remaining share of `dynamic` after `weeks` (1 before the start), on the curve stretched in time."""
        result: FloatArray = np.interp(np.asarray(weeks, dtype=np.float64) / stretch, GRID_WEEKS,
                                       self.remaining[dynamic], left=1.0)
        return result

    def half_weeks(self, dynamic: str) -> float | None:
        """Weeks until half of the starting excess strain is expected to be gone (None: not within the grid)."""
        below = np.flatnonzero(self.remaining[DYNAMICS.index(dynamic)] <= 0.5)
        return float(GRID_WEEKS[below[0]]) if below.size else None

    def share_gone(self, dynamic: str, weeks: float) -> float:
        """Share of the starting excess strain expected to be gone after `weeks`."""
        return 1.0 - float(self.at(DYNAMICS.index(dynamic), np.asarray([weeks]))[0])

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready) to store the curves; `from_dict` reads it back exactly."""
        return {
            "grid_step_weeks": GRID_STEP_WEEKS,
            "remaining": {d: self.remaining[i].tolist() for i, d in enumerate(DYNAMICS)},
            "pace_spread": dict(self.pace_spread),
            "source": dict(self.source),
            "clients": dict(self.clients),
            "checkin_noise": self.checkin_noise,
            "noise_source": self.noise_source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Curves:
        """Curves stored with `as_dict`; a different grid or a missing dynamic is refused."""
        if data.get("grid_step_weeks") != GRID_STEP_WEEKS or set(data["remaining"]) != set(DYNAMICS):
            raise ValueError("stored recovery curves do not match this version's grid of weeks or dynamics")
        table = np.array([data["remaining"][d] for d in DYNAMICS], dtype=np.float64)
        if table.shape != (len(DYNAMICS), GRID_WEEKS.size):
            raise ValueError("stored recovery curves do not match this version's grid of weeks")
        return cls(remaining=table, pace_spread={d: float(data["pace_spread"][d]) for d in DYNAMICS},
                   source={d: str(data["source"][d]) for d in DYNAMICS},
                   clients={d: int(data["clients"][d]) for d in DYNAMICS},
                   checkin_noise=float(data["checkin_noise"]), noise_source=str(data["noise_source"]))


def exponential_remaining(weeks: FloatArray, half_weeks: float, share: float) -> FloatArray:
    """`1 - share * (1 - 2 ** (-w / tau))`, with tau such that half the excess is gone at `half_weeks`."""
    tau = -half_weeks / math.log2(1.0 - 0.5 / share)
    result: FloatArray = 1.0 - share * (1.0 - np.exp2(-np.maximum(weeks, 0.0) / tau))
    return result


def default_curves(settings: RecoverySettings = DEFAULT_SETTINGS) -> Curves:
    """The documented default curve of every dynamic."""
    table = np.stack([exponential_remaining(GRID_WEEKS, settings.half_weeks(d), settings.recoverable_share)
                      for d in DYNAMICS])
    return Curves(
        remaining=table,
        pace_spread={d: settings.pace_spread for d in DYNAMICS},
        source={d: DEFAULT for d in DYNAMICS},
        clients={d: 0 for d in DYNAMICS},
        checkin_noise=settings.checkin_noise_points,
    )
