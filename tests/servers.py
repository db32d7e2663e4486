"""The real app as a process for the tests: Streamlit serving dashboard/app.py on a free port, with
its own working folder (and Koers' committed config.toml), ready once its health endpoint answers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def koers_env(db: Path, secret_key: str, **extra: str) -> dict:
    """The environment of a Koers process: the machine's, without its KOERS_* settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KOERS_")}
    env.update({"KOERS_DB": str(db), "KOERS_SECRET_KEY": secret_key, "PYTHONPATH": str(ROOT), **extra})
    return env


class Server:
    """`streamlit run dashboard/app.py`; personal links point at it (KOERS_BASE_URL)."""

    def __init__(self, workdir: Path, env: dict, *, wait: bool = True, port: int | None = None,
                 script: str = "app.py"):
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "KOERS_BASE_URL": self.url}  # for `koers` commands whose links must open here
        (workdir / ".streamlit").mkdir(exist_ok=True)
        shutil.copy(ROOT / ".streamlit" / "config.toml", workdir / ".streamlit" / "config.toml")
        self.log_path = workdir / "streamlit.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / script),
             "--server.port", str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true"],
            env=self.env, cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT,
        )
        if wait:
            self.wait_until_healthy()

    def healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"streamlit exited: {self.log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self.healthy():
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not become healthy in time")
            time.sleep(0.2)  # polling a server that is starting, bounded by the deadline above

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
