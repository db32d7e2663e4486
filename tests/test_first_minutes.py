"""A newcomer's first minutes: links follow the port the app runs on unless KOERS_BASE_URL is set, a
phone on the same network can be given a link, runtime files stay out of git, and the package
declares its licence the way current setuptools accepts without a warning."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tracking.cli.run import base_url_is_set, default_base_url

ROOT = Path(__file__).resolve().parents[1]


def test_links_follow_the_dashboards_own_port_on_this_machine():
    assert default_base_url(8600, "127.0.0.1") == "http://localhost:8600"
    assert default_base_url(8501, "localhost") == "http://localhost:8501"


def test_listening_on_every_address_gives_links_on_the_machines_network_address():
    url = default_base_url(8600, "0.0.0.0")
    assert url.startswith("http://") and url.endswith(":8600") and "0.0.0.0" not in url


def test_a_base_url_set_in_the_environment_or_the_secrets_file_wins(tmp_path):
    secrets = tmp_path / "secrets.toml"
    assert not base_url_is_set({}, secrets)
    assert base_url_is_set({"KOERS_BASE_URL": "https://koers.example.org"}, secrets)
    secrets.write_text('KOERS_BASE_URL = "https://koers.example.org"\n', encoding="utf-8")
    assert base_url_is_set({}, secrets)


def test_make_link_prints_a_link_on_the_port_it_is_given(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "base_url.py"), "--port", "8600"], env=env,
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "http://localhost:8600"
    env["KOERS_BASE_URL"] = "https://koers.example.org"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "base_url.py"), "--port", "8600"], env=env,
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.stdout.strip() == "https://koers.example.org"


@pytest.mark.parametrize("path", ["outbox/20261130-080000-000001-invitation.eml", "koers.duckdb",
                                  "koers.duckdb.wal", "koers.duckdb.lock", "koers.duckdb.writer.lock",
                                  "outbox/.tmpab12.tmp", ".koers-20261130.duckdb.x1.tmp",
                                  "koers-20261130-120000.duckdb", ".streamlit/secrets.toml"])
def test_runtime_files_beside_a_database_in_the_checkout_are_ignored_by_git(path):
    done = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT, timeout=30)
    assert done.returncode == 0, f"{path} is not ignored"


def test_the_licence_is_an_spdx_expression_that_setuptools_takes_without_a_warning():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert isinstance(project["project"]["license"], str)
    assert any(req.replace(" ", "").startswith("setuptools>=77") for req in project["build-system"]["requires"])
