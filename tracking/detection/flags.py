"""Flags as found in a batch: one columnar table per kind, with the numbers of their evidence.

Every rule that raises or retires a flag lives in `tracking.detection` (this package): dominant
shifts and reliable change from the scores, focus mismatches from the focus history and the
established dominant, missed check-ins from the scheduled windows, contact requests from the
check-ins. A table holds for each flag the client, when and by what it was raised (a check-in row,
or only a moment: a focus change, a closed window), when and why it retired (or -1 while it still
describes the client) and the evidence as numbers, texts and moments. Storage turns the tables into
rows and JSON in bulk; `FlagTable.events` gives the same flags as Python objects for small batches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from tracking.detection.batch import Floats, Ints
from tracking.instrument import DYNAMICS

SHIFT_RULE = "dominant_shift.v1"
DETERIORATION_RULE = "reliable_change.deterioration.v2"
IMPROVEMENT_RULE = "reliable_change.improvement.v2"
FOCUS_RULE = "focus_mismatch"
MISSED_RULE = "missed_checkins"
CONTACT_RULE = "contact_request"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Why a flag no longer describes the client (flags.retired_reason).
SUPERSEDED = "superseded"                # a later dominant shift
BACK_WITHIN_NOISE = "back_within_noise"  # the recent mean is back near the baseline
FOCUS_MATCHES = "focus_matches"          # the focus was set to the dominant
DOMINANT_MATCHES = "dominant_matches"    # the dominant moved to the focus
FOCUS_CHANGED = "focus_changed"          # the focus moved to another dynamic, still not the dominant
DOMINANT_CHANGED = "dominant_changed"    # the dominant moved to another dynamic, still not the focus
FOCUS_CLEARED = "focus_cleared"          # no focus is set any more
CHECKED_IN = "checked_in"                # the client checked in again
RETIRE_REASONS = (SUPERSEDED, BACK_WITHIN_NOISE, FOCUS_MATCHES, DOMINANT_MATCHES, FOCUS_CHANGED,
                  DOMINANT_CHANGED, FOCUS_CLEARED, CHECKED_IN)


def moment_of(microseconds: int) -> datetime:
    """A moment given as microseconds since the epoch, as an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=int(microseconds))


@dataclass(frozen=True)
class Event:
    """One flag as Python objects: the row of the check-in that raised it (-1 when a moment did)."""

    row: int
    kind: str
    from_dynamic: str | None
    to_dynamic: str | None
    dynamic: str | None
    evidence: dict[str, Any]
    at: datetime | None = None
    retired_row: int = -1
    retired_at: datetime | None = None
    retired_reason: str | None = None


def _codes_to_names(codes: Ints) -> npt.NDArray[np.object_]:
    names = np.array([None, *DYNAMICS], dtype=object)
    return np.asarray(names[np.asarray(codes, dtype=np.int64) + 1], dtype=object)


@dataclass(frozen=True)
class FlagTable:
    """Flags of one kind. `raised_row`/`retired_row` index the batch's check-ins (-1: none); moments are
    microseconds since the epoch (-1: not retired). Evidence columns: `numbers` (rounded to 0.1 unless
    named in `exact`), `counts` (whole numbers), `texts`, `moments` (written as ISO 8601); a dotted
    name nests (`scores.context`), a name ending in `[i]` makes a list."""

    kind: str
    rule: npt.NDArray[np.object_]
    client: Ints
    raised_row: Ints
    raised_us: Ints
    retired_row: Ints
    retired_us: Ints
    retired_reason: npt.NDArray[np.object_]
    from_code: Ints
    to_code: Ints
    dynamic_code: Ints
    numbers: dict[str, Floats] = field(default_factory=dict)
    counts: dict[str, Ints] = field(default_factory=dict)
    texts: dict[str, npt.NDArray[np.object_]] = field(default_factory=dict)
    moments: dict[str, Ints] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.client.size)

    @property
    def from_dynamic(self) -> npt.NDArray[np.object_]:
        return _codes_to_names(self.from_code)

    @property
    def to_dynamic(self) -> npt.NDArray[np.object_]:
        return _codes_to_names(self.to_code)

    @property
    def dynamic(self) -> npt.NDArray[np.object_]:
        return _codes_to_names(self.dynamic_code)

    def take(self, index: Ints) -> FlagTable:
        """The flags at `index`, in that order."""
        def pick(columns: dict[str, Any]) -> dict[str, Any]:
            return {name: values[index] for name, values in columns.items()}

        return FlagTable(
            self.kind, self.rule[index], self.client[index], self.raised_row[index], self.raised_us[index],
            self.retired_row[index], self.retired_us[index], self.retired_reason[index], self.from_code[index],
            self.to_code[index], self.dynamic_code[index], pick(self.numbers), pick(self.counts), pick(self.texts),
            pick(self.moments),
        )

    def evidence(self, index: int) -> dict[str, Any]:
        """The evidence of flag `index` as a JSON-ready dict (the same shape storage writes)."""
        evidence: dict[str, Any] = {"rule": self.rule[index]}
        for name, numbers in self.numbers.items():
            value = float(numbers[index])
            _put(evidence, name, value if math.isfinite(value) else None)
        for name, counts in self.counts.items():
            _put(evidence, name, int(counts[index]))
        for name, texts in self.texts.items():
            _put(evidence, name, texts[index])
        for name, moments in self.moments.items():
            moment = int(moments[index])
            _put(evidence, name, None if moment < 0 else moment_of(moment).isoformat(timespec="seconds"))
        return evidence

    def events(self) -> list[Event]:
        from_names, to_names, dynamic_names = self.from_dynamic, self.to_dynamic, self.dynamic
        return [
            Event(
                row=int(self.raised_row[i]), kind=self.kind, from_dynamic=from_names[i], to_dynamic=to_names[i],
                dynamic=dynamic_names[i], evidence=self.evidence(i),
                at=moment_of(int(self.raised_us[i])) if self.raised_us[i] >= 0 else None,
                retired_row=int(self.retired_row[i]),
                retired_at=moment_of(int(self.retired_us[i])) if self.retired_us[i] >= 0 else None,
                retired_reason=self.retired_reason[i],
            )
            for i in range(len(self))
        ]


def _put(evidence: dict[str, Any], name: str, value: Any) -> None:
    if name.endswith("]"):
        base, _, position = name[:-1].partition("[")
        items = evidence.setdefault(base, [])
        while len(items) <= int(position):
            items.append(None)
        items[int(position)] = value
        return
    head, dot, rest = name.partition(".")
    if dot:
        _put(evidence.setdefault(head, {}), rest, value)
    else:
        evidence[head] = value


def empty_texts(size: int, value: str | None = None) -> npt.NDArray[np.object_]:
    return np.full(size, value, dtype=object)


def rounded(values: npt.ArrayLike) -> Floats:
    """Evidence numbers as shown: to 0.1 point, the same in every front end."""
    return np.asarray(np.round(np.asarray(values, dtype=np.float64), 1), dtype=np.float64)


def take_rows(values: Ints, rows: Ints, missing: int = -1) -> Ints:
    """`values` at `rows`, and `missing` where a row is -1 (also when there are no values at all)."""
    found = np.full(rows.size, missing, dtype=np.int64)
    present = rows >= 0
    found[present] = values[rows[present]]
    return found


def retired_moments(retired_row: Ints, checkin_us: Ints) -> Ints:
    return take_rows(checkin_us, retired_row)
