"""A real OpenID Connect provider for the tests: panva's certified oidc-provider (tests/oidc/) under
Node.js on a free loopback port, with the clients and users a test gives it."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tests.servers import free_port

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc"
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class User:
    email: str
    password: str
    name: str
    email_verified: bool = True


class OidcProvider:
    """`node tests/oidc/server.mjs` until `stop()`; `issuer` and `metadata_url` say where it is."""

    def __init__(self, workdir: Path, clients: list[Client], users: list[User]):
        node = shutil.which("node")
        if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
            raise RuntimeError("the test OpenID Connect provider is not installed: run `make test`, which "
                               "installs it (scripts/ensure-oidc-provider)")
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.metadata_url = f"{self.issuer}/.well-known/openid-configuration"
        config = workdir / "oidc-provider.json"
        config.write_text(json.dumps({
            "port": self.port,
            "clients": [asdict(client) for client in clients],
            "users": [asdict(user) for user in users],
        }), encoding="utf-8")
        self.log_path = workdir / "oidc-provider.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([node, str(PROVIDER_DIR / "server.mjs"), str(config)],
                                        cwd=PROVIDER_DIR, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_until_serving()

    def _serving(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"the OpenID Connect provider exited: {self.log_path.read_text()}")
        try:
            with urllib.request.urlopen(self.metadata_url, timeout=2) as response:
                return json.load(response).get("issuer") == self.issuer
        except OSError:
            return False

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._serving():
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the OpenID Connect provider did not start in time")
            time.sleep(0.1)  # polling a server that is starting, bounded by the deadline above

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
