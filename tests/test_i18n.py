"""Every text a client or coach sees exists in Dutch and English, with the same placeholders."""

from __future__ import annotations

import pytest

from tracking.i18n import TEXTS, placeholders, t
from tracking.instrument import DYNAMICS
from tracking.models import FLAG_KINDS


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_both_languages_with_the_same_placeholders(key):
    entry = TEXTS[key]
    assert set(entry) == {"nl", "en"}, key
    assert entry["nl"].strip() and entry["en"].strip(), key
    assert placeholders(entry["nl"]) == placeholders(entry["en"]), key


def test_every_dynamic_state_and_flag_kind_has_a_name():
    for dynamic in DYNAMICS:
        assert t(f"dynamic.{dynamic}", "en") and t(f"focus.{dynamic}", "nl")
    for kind in FLAG_KINDS:
        assert t(f"flag.{kind}", "nl") and t(f"flag.{kind}", "en")
