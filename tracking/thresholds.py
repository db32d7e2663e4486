"""What every group of thresholds (detection, recovery, the safety net) shares: fields that carry their
environment variable, meaning and reason, and the checks that hold for every such field."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import field, fields
from typing import Any


def threshold_field(prefix: str) -> Callable[[str, float, str, str], Any]:
    """A field maker for one group: `field(env, default, doc, reason)`, its variable `prefix + env`."""

    def make(env: str, default: float, doc: str, reason: str) -> Any:
        return field(default=default, metadata={"env": f"{prefix}{env}", "doc": doc, "reason": reason})

    return make


def group_fields(group: Any) -> list[tuple[str, str, str, Any, str]]:
    """(attribute, env key, doc, default, reason) for every field of a group of thresholds."""
    return [(spec.name, spec.metadata["env"], spec.metadata["doc"], spec.default, spec.metadata.get("reason", ""))
            for spec in fields(group) if "env" in spec.metadata]


def common_problems(settings: Any) -> list[str]:
    """Every field a finite number (else ValueError at once), and every whole-number field at least 1."""
    for spec in fields(settings):
        value = getattr(settings, spec.name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{spec.metadata['env']} must be a finite number, not {value!r}")
    return [f"{spec.metadata['env']} must be at least 1" for spec in fields(settings)
            if spec.type == "int" and getattr(settings, spec.name) < 1]
