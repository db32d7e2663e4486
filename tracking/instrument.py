"""The check-in instrument: items, their dynamic and direction, and their texts in both languages.

The instrument is data (`tracking/instruments/v<N>.toml`), not code. Loading validates it, so a
broken file stops start-up with a message that names the file and the item.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tracking.errors import InstrumentError

DYNAMICS: tuple[str, ...] = ("context", "relational", "physiological", "identity")
DIRECTIONS = ("resource", "strain")
LANGUAGES = ("nl", "en")
CORE_INDICATORS: tuple[str, ...] = ("sleep", "energy", "reactivity", "meaning")
INSTRUMENT_DIR = Path(__file__).parent / "instruments"
CURRENT_VERSION = "1"


@dataclass(frozen=True)
class Item:
    id: str
    dynamic: str
    direction: str
    text: dict[str, str]
    anchors: dict[str, tuple[str, str]]
    core: bool = False

    @property
    def reversed(self) -> bool:
        return self.direction == "resource"


@dataclass(frozen=True)
class Instrument:
    version: str
    items: tuple[Item, ...]
    display_order: tuple[str, ...]
    scale_min: int
    scale_max: int
    contact_request_text: dict[str, str]
    note_text: dict[str, str]
    note_max_length: int

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def items_of(self, dynamic: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.dynamic == dynamic)

    def in_display_order(self) -> tuple[Item, ...]:
        return tuple(self.item(item_id) for item_id in self.display_order)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "scale": {"min": self.scale_min, "max": self.scale_max},
            "items": [
                {
                    "id": item.id,
                    "dynamic": item.dynamic,
                    "direction": item.direction,
                    "core": item.core,
                    "text": dict(item.text),
                    "anchors": {lang: list(pair) for lang, pair in item.anchors.items()},
                }
                for item in self.items
            ],
            "display_order": list(self.display_order),
            "contact_request": {"type": "yes/no", "text": dict(self.contact_request_text)},
            "note": {
                "type": "text",
                "max_length": self.note_max_length,
                "text": dict(self.note_text),
            },
        }


def _texts(where: str, value: object, languages: Sequence[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InstrumentError(f"{where}: expected a table of texts per language")
    missing = [lang for lang in languages if not str(value.get(lang, "")).strip()]
    if missing:
        raise InstrumentError(f"{where}: missing translation for {', '.join(missing)}")
    return {lang: str(value[lang]) for lang in languages}


def parse_instrument(data: dict[str, Any], source: str) -> Instrument:
    """Validate the parsed TOML of an instrument file; `source` names it in messages."""
    version = str(data.get("version", "")).strip()
    if not version:
        raise InstrumentError(f"{source}: no version")
    languages = tuple(data.get("languages", LANGUAGES))
    if set(LANGUAGES) - set(languages):
        raise InstrumentError(f"{source}: languages must include {' and '.join(LANGUAGES)}")
    scale = data.get("scale", {})
    scale_min, scale_max = scale.get("min", 0), scale.get("max", 10)
    if (scale_min, scale_max) != (0, 10):
        raise InstrumentError(f"{source}: scale must run from 0 to 10 (scoring depends on it)")
    items, seen = [], set()
    for index, raw in enumerate(data.get("items", []), start=1):
        item_id = str(raw.get("id", "")).strip()
        where = f"{source}: item {index} ({item_id or 'no id'})"
        if not item_id.isidentifier() or item_id != item_id.lower():
            raise InstrumentError(f"{where}: id must be lower-case letters, digits and underscores")
        if item_id in seen:
            raise InstrumentError(f"{where}: duplicate item id {item_id!r}")
        if item_id in {"client_id", "submitted_at", "contact_request", "note"}:
            raise InstrumentError(f"{where}: {item_id!r} is reserved for a CSV column")
        seen.add(item_id)
        dynamic = raw.get("dynamic")
        if dynamic not in DYNAMICS:
            raise InstrumentError(f"{where}: unknown dynamic {dynamic!r} (one of {', '.join(DYNAMICS)})")
        direction = raw.get("direction")
        if direction not in DIRECTIONS:
            raise InstrumentError(f"{where}: direction must be resource or strain, not {direction!r}")
        text = _texts(f"{where}, text", raw.get("text"), languages)
        raw_anchors = raw.get("anchors")
        if not isinstance(raw_anchors, dict):
            raise InstrumentError(f"{where}: anchors missing")
        anchors = {}
        for lang in languages:
            pair = raw_anchors.get(lang)
            if not (isinstance(pair, list) and len(pair) == 2 and all(str(a).strip() for a in pair)):
                raise InstrumentError(f"{where}: anchors.{lang} must be two texts (low end, high end)")
            anchors[lang] = (str(pair[0]), str(pair[1]))
        items.append(Item(item_id, dynamic, direction, text, anchors, bool(raw.get("core", False))))
    if not items:
        raise InstrumentError(f"{source}: no items")
    for dynamic in DYNAMICS:
        if sum(item.dynamic == dynamic for item in items) < 2:
            raise InstrumentError(f"{source}: dynamic {dynamic} needs at least two items to be scored")
    display_order = tuple(data.get("display_order", [item.id for item in items]))
    if sorted(display_order) != sorted(seen):
        raise InstrumentError(f"{source}: display_order must list every item id exactly once")
    contact = data.get("contact_request", {})
    note = data.get("note", {})
    note_max = note.get("max_length", 2000)
    if not isinstance(note_max, int) or note_max < 1:
        raise InstrumentError(f"{source}: note.max_length must be a positive whole number")
    return Instrument(
        version=version,
        items=tuple(items),
        display_order=display_order,
        scale_min=scale_min,
        scale_max=scale_max,
        contact_request_text=_texts(f"{source}: contact_request.text", contact.get("text"), languages),
        note_text=_texts(f"{source}: note.text", note.get("text"), languages),
        note_max_length=note_max,
    )


def load_instrument_file(path: Path) -> Instrument:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InstrumentError(f"{path}: instrument file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InstrumentError(f"{path}: not a valid instrument file ({exc})") from None
    instrument = parse_instrument(data, str(path))
    if path.stem != f"v{instrument.version}":
        raise InstrumentError(
            f"{path}: declares version {instrument.version}; the file must be v{instrument.version}.toml"
        )
    return instrument


@cache
def load_instrument(version: str = CURRENT_VERSION) -> Instrument:
    """The instrument of a given version, from the files shipped with Koers."""
    return load_instrument_file(INSTRUMENT_DIR / f"v{version}.toml")
