"""Write the settings documentation from `tracking.settings`: the tables in README.md and the
example file .streamlit/secrets.toml.example. `tests/test_settings.py` fails when they drift.

    python scripts/settings_docs.py          # rewrite both
    python scripts/settings_docs.py --check  # exit 1 when either is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracking.safety import safety_fields  # noqa: E402
from tracking.settings import detection_fields, recovery_fields, setting_fields  # noqa: E402

README = ROOT / "README.md"
EXAMPLE = ROOT / ".streamlit" / "secrets.toml.example"
START, END = "<!-- settings-table -->", "<!-- /settings-table -->"


def _shown(default) -> str:
    if default is None:
        return "—"
    if isinstance(default, bool):
        return "true" if default else "false"
    return f"`{default}`"


def readme_block() -> str:
    lines = [START, "", "| setting | default | what it does |", "| --- | --- | --- |"]
    for _name, env, doc, default in setting_fields():
        lines.append(f"| `{env}` | {_shown(default)} | {doc} |")
    lines += ["", "Pattern detection thresholds (see [docs/detection.md](docs/detection.md)):", "",
              "| setting | default | what it means | why this default |", "| --- | --- | --- | --- |"]
    for _name, env, doc, default, reason in detection_fields():
        lines.append(f"| `{env}` | {_shown(default)} | {doc} | {reason} |")
    lines += ["", "Expected recovery and the `not_on_track` flag (see [docs/recovery.md](docs/recovery.md) and "
              "\"Not on track\" above):", "",
              "| setting | default | what it means | why this default |", "| --- | --- | --- | --- |"]
    for _name, env, doc, default, reason in recovery_fields():
        lines.append(f"| `{env}` | {_shown(default)} | {doc} | {reason} |")
    lines += ["", "The client's safety net (see \"The client's safety net\" above):", "",
              "| setting | default | what it means | why this default |", "| --- | --- | --- | --- |"]
    for _name, env, doc, default, reason in safety_fields():
        lines.append(f"| `{env}` | {_shown(default)} | {doc} | {reason} |")
    lines += ["", END]
    return "\n".join(lines)


def _toml_value(default) -> str:
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, int | float):
        return repr(default)
    return f'"{default}"'


def example_file() -> str:
    lines = [
        "# Koers settings. Copy this file to .streamlit/secrets.toml (never commit that file) and fill in",
        "# what you need; environment variables with the same names win over this file.",
        "# Every key is optional except KOERS_SECRET_KEY for the dashboard (`koers init` generates one).",
        "",
    ]
    for _name, env, doc, default in setting_fields():
        lines.append(f"# {doc}")
        if env == "KOERS_SECRET_KEY":
            lines.append(f'# {env} = "at least 32 random characters"')
        elif default is None:
            lines.append(f'# {env} = ""')
        else:
            lines.append(f"# {env} = {_toml_value(default)}")
        lines.append("")
    lines.append("# Pattern detection thresholds; see docs/detection.md before changing them.")
    for _name, env, doc, default, _reason in detection_fields():
        lines.append(f"# {doc}")
        lines.append(f"# {env} = {_toml_value(default)}")
    lines.append("")
    lines.append("# Expected recovery and the not_on_track flag; see docs/recovery.md before changing them.")
    for _name, env, doc, default, _reason in recovery_fields():
        lines.append(f"# {doc}")
        lines.append(f"# {env} = {_toml_value(default)}")
    lines.append("")
    lines.append("# The client's safety net: levels of concern, when the coach responds, where to get urgent help.")
    for _name, env, doc, default, _reason in safety_fields():
        lines.append(f"# {doc}")
        lines.append(f"# {env} = {_toml_value(default)}")
    return "\n".join(lines) + "\n"


def updated_readme(text: str) -> str:
    if START not in text:
        raise SystemExit(f"README.md has no {START} marker")
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END) if END in rest else ("", "", rest)
    return before + readme_block() + after


def main() -> int:
    readme = README.read_text(encoding="utf-8")
    new_readme = updated_readme(readme)
    new_example = example_file()
    if "--check" in sys.argv:
        stale = [p.name for p, old, new in ((README, readme, new_readme),
                                           (EXAMPLE, EXAMPLE.read_text(encoding="utf-8") if EXAMPLE.exists() else "",
                                            new_example)) if old != new]
        if stale:
            print(f"out of date: {', '.join(stale)}; run python scripts/settings_docs.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new_readme, encoding="utf-8")
    EXAMPLE.write_text(new_example, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
