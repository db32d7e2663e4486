"""The address personal links start with for `make run` and `make link`: KOERS_BASE_URL when it is set
(in the environment or .streamlit/secrets.toml), else the dashboard's own port on this machine
(with --lan: at the address a phone on the same network reaches this machine at).

    python scripts/base_url.py --port 8600 [--lan]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracking.cli.run import base_url_is_set, default_base_url  # noqa: E402
from tracking.errors import SettingsError  # noqa: E402
from tracking.settings import load_settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--lan", action="store_true", help="listen on every address, for a phone on this network")
    args = parser.parse_args()
    if base_url_is_set():
        try:
            print(load_settings().base_url)
        except SettingsError as problem:
            print(problem, file=sys.stderr)
            return 2
        return 0
    print(default_base_url(args.port, "0.0.0.0" if args.lan else "127.0.0.1"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
