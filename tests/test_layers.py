"""The layers keep to their places: pages, commands and the scheduler call use cases; only the
application layer opens units of work and records audit actions; only the store imports DuckDB."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENTRY_POINTS = [*sorted((ROOT / "dashboard").rglob("*.py")), *sorted((ROOT / "tracking" / "cli").rglob("*.py")),
                *sorted((ROOT / "scheduler").rglob("*.py"))]
TRACKING = sorted((ROOT / "tracking").rglob("*.py"))


def _runtime_imports(path: Path) -> list[str]:
    """Modules imported when the file runs (imports under `if TYPE_CHECKING:` are for the type checker)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skipped.update(id(child) for child in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return found


def _calls(path: Path) -> list[str]:
    """Every call as dotted text, e.g. `ctx.db.write` or `audit.record`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found.append(ast.unparse(node.func))
    return found


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", ENTRY_POINTS, ids=_name)
def test_pages_commands_and_the_scheduler_never_touch_the_store(path):
    store = [name for name in _runtime_imports(path) if name == "tracking.store" or name.startswith("tracking.store.")]
    assert not store, f"{_name(path)} imports {store}: call a use case in tracking.usecases instead"


@pytest.mark.parametrize("path", ENTRY_POINTS, ids=_name)
def test_pages_commands_and_the_scheduler_open_no_unit_of_work_and_record_no_audit_action(path):
    calls = [call for call in _calls(path)
             if call.endswith((".write", ".read")) and "db" in call.split(".")[-2].lower()
             or call.endswith("audit.record") or call.endswith(".database")]
    assert not calls, f"{_name(path)} calls {calls}: that belongs in a use case"


@pytest.mark.parametrize("path", TRACKING, ids=_name)
def test_only_the_store_imports_duckdb(path):
    imports = _runtime_imports(path)
    if "tracking/store" in _name(path):
        return
    assert "duckdb" not in imports, f"{_name(path)} imports duckdb"


def test_only_the_application_layer_and_the_mail_steps_record_audit_actions():
    recorders = {_name(path) for path in TRACKING if "audit.record" in _calls(path)}
    allowed = {"tracking/usecases/", "tracking/mail/outbox.py"}
    assert recorders and all(any(name.startswith(prefix) for prefix in allowed) for name in recorders), recorders
