"""The input of detection: the check-ins of many clients as arrays, and helpers to walk them by client."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tracking.instrument import DYNAMICS

N_DYNAMICS = len(DYNAMICS)
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SeriesBatch:
    """Check-ins of many clients: rows grouped by client, in time order within each client.

    `weeks` may have any origin (only differences within a client matter; a decrease or a NaN
    counts as no time passing); `scores` are 0-100 in DYNAMICS order, NaN for a dynamic that was
    not scored.
    """

    client: Ints
    weeks: Floats
    scores: Floats

    @classmethod
    def of(cls, client: npt.ArrayLike, weeks: npt.ArrayLike, scores: npt.ArrayLike) -> SeriesBatch:
        """A batch from array-likes, converted to the documented dtypes and checked for grouping."""
        client_array = np.asarray(client, dtype=np.int64).reshape(-1)
        weeks_array = np.asarray(weeks, dtype=np.float64).reshape(-1)
        scores_array = np.asarray(scores, dtype=np.float64).reshape(-1, N_DYNAMICS)
        if not client_array.size == weeks_array.size == scores_array.shape[0]:
            raise ValueError("client, weeks and scores need one entry per check-in")
        if np.any(np.diff(client_array) < 0):
            raise ValueError("rows must be grouped by client, in non-decreasing client order")
        return cls(client_array, weeks_array, scores_array)

    @property
    def n_clients(self) -> int:
        return int(np.count_nonzero(client_starts(self.client)))


def client_starts(client: Ints) -> Bools:
    """True at each client's first row."""
    if not client.size:
        return np.zeros(0, dtype=bool)
    return np.asarray(np.r_[True, client[1:] != client[:-1]], dtype=bool)


def within_client_cumsum(values: npt.NDArray[np.float64] | Ints, starts: Bools) -> Floats:
    """Running sum of `values` that starts again at every client's first row."""
    total = np.cumsum(values, dtype=np.float64)
    if not total.size:
        return total
    index = np.cumsum(starts) - 1
    before = (total - values)[starts]
    return np.asarray(total - before[index], dtype=np.float64)


def rows_by_step(client: Ints) -> list[Ints]:
    """Row indices of every client's first check-in, then of every client's second, and so on.

    Clients are ordered longest first, so the clients that still have a check-in at a step are a
    prefix of that order: per-client state lives in arrays sliced `[:len(rows)]`, with no padding.
    """
    n_rows = client.size
    if n_rows == 0:
        return []
    starts = np.flatnonzero(np.r_[True, client[1:] != client[:-1]])
    lengths = np.diff(np.r_[starts, n_rows])
    order = np.argsort(-lengths, kind="stable")
    starts, lengths = starts[order], lengths[order]
    active_by_step = np.searchsorted(-lengths, -np.arange(int(lengths[0])), side="left")
    return [np.asarray(starts[:active] + step, dtype=np.int64) for step, active in enumerate(active_by_step)]


def first_in_segments(segment: Ints, hit: Bools) -> Ints:
    """Rows where `hit` holds for the first time within each segment (segment ids non-decreasing, so
    a hit opens its segment when the previous hit lay in an earlier one)."""
    hit_rows = np.flatnonzero(hit)
    owner = segment[hit_rows]
    opens = np.ones(hit_rows.size, dtype=bool)
    opens[1:] = owner[1:] != owner[:-1]
    return np.asarray(hit_rows[opens], dtype=np.int64)


def next_row_within_client(client: Ints, rows: Ints, candidates: Ints) -> Ints:
    """For each of `rows`, the first of the sorted `candidates` after it with the same client; -1 if none."""
    if not rows.size:
        return np.zeros(0, dtype=np.int64)
    if not candidates.size:
        return np.full(rows.size, -1, dtype=np.int64)
    position = np.searchsorted(candidates, rows, side="right")
    found = np.where(position < candidates.size, candidates[np.minimum(position, candidates.size - 1)], -1)
    same = (found >= 0) & (client[np.maximum(found, 0)] == client[rows])
    return np.asarray(np.where(same, found, -1), dtype=np.int64)


def run_lengths(client: Ints, hit: Bools) -> Ints:
    """How many rows in a row, up to and including this one, `hit` has held for the client (0 where not)."""
    if not hit.size:
        return np.zeros(0, dtype=np.int64)
    index = np.arange(hit.size)
    starts = client_starts(client)
    last_break = np.where(~hit, index, np.where(starts, index - 1, -1))
    return np.asarray(index - np.maximum.accumulate(last_break), dtype=np.int64)


def held_for(client: Ints, hit: Bools, checkins: int) -> Bools:
    """Whether `hit` holds at a row and at the client's previous `checkins - 1` rows."""
    return np.asarray(hit & (run_lengths(client, hit) >= checkins), dtype=bool)


def first_at_or_after(client: Ints, moment: Ints, query_client: Ints, query_moment: Ints) -> Ints:
    """For each query, the index of the first entry (client, moment) with the same client and a moment at
    or after the query's; -1 if none. The entries need not be sorted."""
    n_entries, n_queries = client.size, query_client.size
    if not n_queries:
        return np.zeros(0, dtype=np.int64)
    all_client = np.r_[client, query_client]
    all_moment = np.r_[moment, query_moment]
    is_query = np.r_[np.zeros(n_entries, dtype=bool), np.ones(n_queries, dtype=bool)]
    order = np.lexsort((~is_query, all_moment, all_client))  # a query sorts before an entry at its moment
    entry_here = np.where(is_query[order], np.iinfo(np.int64).max, np.arange(order.size))
    next_entry = np.minimum.accumulate(entry_here[::-1])[::-1]
    position = np.empty(order.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    found = next_entry[position[n_entries:]]
    valid = found < order.size
    entry = order[np.minimum(found, order.size - 1)]
    same = valid & (all_client[entry] == query_client)
    return np.asarray(np.where(same, entry, -1), dtype=np.int64)
