"""The instrument file: the 16 items of DESIGN.md, validated when loaded."""

from __future__ import annotations

import tomllib

import pytest

from tracking.errors import InstrumentError
from tracking.instrument import DYNAMICS, INSTRUMENT_DIR, load_instrument, load_instrument_file, parse_instrument

DESIGN_ITEMS = {
    "sleep": ("physiological", "resource"), "energy": ("physiological", "resource"),
    "concentration": ("physiological", "resource"), "physical_exhaustion": ("physiological", "strain"),
    "work_safety": ("context", "resource"), "predictability": ("context", "resource"),
    "autonomy_support": ("context", "resource"), "alert_at_rest": ("context", "strain"),
    "reactivity": ("relational", "strain"), "feedback_as_rejection": ("relational", "strain"),
    "boundary_risk": ("relational", "strain"), "guilt_at_rest": ("relational", "strain"),
    "meaning": ("identity", "resource"), "worth_from_performance": ("identity", "strain"),
    "idle_threat": ("identity", "strain"), "self_apart_from_work": ("identity", "resource"),
}


def raw():
    return tomllib.loads((INSTRUMENT_DIR / "v1.toml").read_text(encoding="utf-8"))


def test_version_1_has_the_sixteen_items_of_the_design():
    instrument = load_instrument("1")
    assert {item.id: (item.dynamic, item.direction) for item in instrument.items} == DESIGN_ITEMS
    assert [item.id for item in instrument.items if item.core] == ["sleep", "energy", "reactivity", "meaning"]
    assert instrument.item("sleep").text["nl"] == "Hoe goed sliep je de afgelopen week?"
    assert instrument.note_max_length == 2000


def test_clients_see_the_dynamics_mixed():
    order = load_instrument().in_display_order()
    for first, second in zip(order, order[1:]):
        assert first.dynamic != second.dynamic


def test_every_item_has_both_languages_and_anchors():
    for item in load_instrument().items:
        for lang in ("nl", "en"):
            assert item.text[lang].strip()
            assert all(anchor.strip() for anchor in item.anchors[lang])


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["items"][0].update(dynamic="mood"), "unknown dynamic 'mood'"),
    (lambda d: d["items"][1].update(id="sleep"), "duplicate item id 'sleep'"),
    (lambda d: d["items"][2]["text"].pop("nl"), "missing translation for nl"),
    (lambda d: d["items"][3]["anchors"].pop("en"), "anchors.en must be two texts"),
    (lambda d: d["items"][4].update(direction="up"), "direction must be resource or strain"),
    (lambda d: d["note"]["text"].pop("en"), "note.text: missing translation for en"),
    (lambda d: d.update(display_order=d["display_order"][:-1]), "display_order must list every item"),
    (lambda d: d.update(items=[i for i in d["items"] if i["dynamic"] != "identity"][:12]), "dynamic identity"),
])
def test_a_broken_instrument_is_refused_with_a_message(mutate, message):
    data = raw()
    mutate(data)
    with pytest.raises(InstrumentError, match=message):
        parse_instrument(data, "v1.toml")


def test_a_corrupted_file_is_refused(tmp_path):
    path = tmp_path / "v1.toml"
    path.write_text("version = \n[[items", encoding="utf-8")
    with pytest.raises(InstrumentError, match="not a valid instrument file"):
        load_instrument_file(path)


def test_dynamics_are_the_four_of_the_design():
    assert DYNAMICS == ("context", "relational", "physiological", "identity")
