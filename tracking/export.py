"""Exports: a client's check-ins as CSV in the import format (so they round-trip), and a printable
report. Text that a spreadsheet would read as a formula is made inert; text in HTML is escaped."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from tracking.clock import iso
from tracking.instrument import Instrument

if TYPE_CHECKING:  # the record only: this module stays free of the database
    from tracking.store.checkins import ExportRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(text: str | None) -> str:
    """A cell a spreadsheet shows as text: a leading formula character (or apostrophe) gets an
    apostrophe before it."""
    if not text:
        return ""
    return "'" + text if text.startswith((*FORMULA_STARTS, "'")) else text


def unescape_cell(text: str | None) -> str | None:
    """The inverse of `escape_cell`, applied by the import so exported files round-trip."""
    if text and len(text) > 1 and text[0] == "'" and text[1] in "".join(FORMULA_STARTS) + "'":
        return text[1:]
    return text


def checkins_csv(rows: Iterable[ExportRow], instrument: Instrument) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["client_id", "submitted_at", *instrument.item_ids, "contact_request", "note"])
    for row in rows:
        answers = row.answers
        writer.writerow([
            escape_cell(row.client_id),
            iso(row.submitted_at, exact=True),  # to the microsecond, as stored: the import reads it back
            *("" if answers.get(item_id) is None else answers[item_id] for item_id in instrument.item_ids),
            "1" if row.contact_request else "0",
            escape_cell(row.note),
        ])
    return buffer.getvalue()


def text(value: object) -> str:
    """Any value as HTML-escaped text."""
    return html.escape("" if value is None else str(value), quote=True)
