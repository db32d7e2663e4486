"""One settings object, parsed strictly from the environment or `.streamlit/secrets.toml`.

The environment wins over the secrets file; both use the same `KOERS_*` keys. A bad value stops
start-up with a message that names the key and where it came from. Every key is documented in
README.md and in `.streamlit/secrets.toml.example` (a test checks both).
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from platformdirs import user_data_path

from tracking.detection import DetectionSettings
from tracking.errors import SettingsError
from tracking.recovery import RecoverySettings
from tracking.safety import SafetySettings, parse_safety, safety_fields
from tracking.thresholds import group_fields

SECRETS_FILE = Path(".streamlit") / "secrets.toml"


def default_db_path() -> Path:
    """A per-user file: ~/.local/share/koers/koers.duckdb on Linux."""
    return user_data_path("koers", appauthor=False) / "koers.duckdb"


def _path(raw: str) -> Path:
    if not raw.strip():
        raise ValueError("is empty; give a file path")
    try:
        return Path(raw).expanduser()
    except RuntimeError:  # '~someone' for a user this machine does not know
        raise ValueError(f"{raw!r}: no such user's home folder") from None


SERVER_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class DatabaseURL:
    """A PostgreSQL database as KOERS_DB names it, `postgresql://user:password@host:port/dbname?options`
    (libpq's URI form). Printed, logged or repr'd, it never shows its password."""

    url: str = field(repr=False)

    def __post_init__(self) -> None:
        self._parts()  # refuse a malformed URL here, with a message that leaves the password out

    def _parts(self) -> tuple[str, str | None, str, str, list[tuple[str, str]]]:
        """(user, password, hosts, dbname, query pairs), checked."""
        scheme, sep, rest = self.url.strip().partition("://")
        if not sep or scheme.lower() not in SERVER_SCHEMES:
            raise ValueError("a server address starts with postgresql://")
        if any(ch.isspace() for ch in rest):
            raise ValueError("the address contains a space; percent-encode it (%20)")
        rest, _hash, _fragment = rest.partition("#")
        rest, _q, query = rest.partition("?")
        netloc, _slash, dbname = rest.partition("/")
        if netloc.count("@") > 1 or "@" in dbname:
            # libpq ends the user name and password at the first @ or /: what follows would be taken
            # for the host (and repeated in its messages).
            raise ValueError("the user name or password holds an @ or a /: percent-encode them (@ as %40, "
                             "/ as %2F), as in postgresql://koers:p%40ss@db.example.org/koers")
        userinfo, at, hosts = netloc.rpartition("@")
        if not at:
            userinfo, hosts = "", netloc
        user, colon, password = userinfo.partition(":")
        for host in filter(None, hosts.split(",")):
            port = host.rpartition("]")[2].rpartition(":")[2] if ":" in host.rpartition("]")[2] else ""
            if port and not (port.isdigit() and 1 <= int(port) <= 65535):
                raise ValueError(f"{self}: the port after {host.rpartition(':')[0]!r} is not a port number")
        if not unquote(dbname):
            raise ValueError(f"{self}: name the database at the end, as in postgresql://koers@db.example.org/koers")
        try:
            pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
        except ValueError:
            raise ValueError(f"{self}: the options after ? are not name=value pairs joined by &") from None
        return user, (password if colon else None), hosts, unquote(dbname), pairs

    @property
    def dbname(self) -> str:
        return self._parts()[3]

    def passwords(self) -> list[str]:
        """Every form the password takes in the address (as written and decoded), to keep out of messages."""
        _user, password, _hosts, _dbname, pairs = self._parts()
        found = [value for key, value in pairs if key == "password"] + ([password] if password else [])
        forms = {form for secret in found if secret for form in (secret, unquote(secret))}
        return sorted(forms, key=len, reverse=True)

    @property
    def redacted(self) -> str:
        """The address without its password (in the user part or as a `password` option)."""
        scheme, _sep, rest = self.url.strip().partition("://")
        rest = rest.partition("#")[0]
        head, _q, query = rest.partition("?")
        netloc, slash, dbname = head.partition("/")
        userinfo, at, hosts = netloc.rpartition("@")
        user = userinfo.partition(":")[0] if at else ""
        shown = f"{scheme}://{user + '@' if user else ''}{hosts if at else netloc}{slash}{dbname}"
        kept = [pair for pair in query.split("&") if pair and unquote(pair.partition("=")[0]) != "password"]
        return shown + ("?" + "&".join(kept) if kept else "")

    def __str__(self) -> str:
        return self.redacted

    def __repr__(self) -> str:
        return f"DatabaseURL({self.redacted!r})"


# Forms of a server address that Koers does not read (another scheme, libpq's key=value list): a
# path like these would become a DuckDB file named after the address, password and all.
_OTHER_ADDRESS = re.compile(r"^[a-z][a-z0-9+.-]*://|(^|\s)(host|hostaddr|port|dbname|user|password|service)\s*=",
                            re.IGNORECASE)


def _database(raw: str) -> Path | DatabaseURL:
    """A DuckDB file path, or a PostgreSQL server's postgresql:// address."""
    if raw.strip().lower().startswith(tuple(f"{scheme}:" for scheme in SERVER_SCHEMES)):
        return DatabaseURL(raw.strip())
    if _OTHER_ADDRESS.search(raw.strip()):
        raise ValueError("looks like a database address, but Koers reads a server's address only as "
                         "postgresql://user:password@host:port/dbname (a path names a DuckDB file)")
    return _path(raw)


def _text(raw: str) -> str:
    return raw.strip()


def _optional_text(raw: str) -> str | None:
    return raw.strip() or None


def _url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", value):
        raise ValueError(f"{raw!r} is not an http(s) address such as https://koers.example.org")
    return value


def _secret(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if len(value) < 32:
        raise ValueError("is too short: use at least 32 random characters (koers init can generate one)")
    return value


def _port(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise ValueError(f"{value} is not a port number (1-65535)")
    return value


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{raw!r} is not true or false")


def _email(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", value):
        raise ValueError(f"{raw!r} is not an email address")
    return value


def _seconds(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise ValueError(f"{value} is out of range (more than 0, at most 3600 seconds)")
    return value


def _number(low: float, high: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise ValueError(f"{raw!r} is not a number") from None
        if not low <= value <= high:
            raise ValueError(f"{value} is out of range ({low:g} to {high:g})")
        return value

    return parse


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError(f"{raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise ValueError(f"{value} is out of range ({low} to {high})")
        return value

    return parse


def _is_loopback(host: str) -> bool:
    return host in {"localhost", "127.0.0.1", "::1", "[::1]"}


def _metadata_url(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    parsed = urlsplit(value)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise ValueError(f"{raw!r} is not an https address such as "
                         "https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration")
    if parsed.scheme == "http" and not _is_loopback(parsed.hostname):
        raise ValueError(f"{raw!r} must use https (plain http only for a provider on this machine)")
    return value


def _redirect_uri(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    _url(value)
    if not value.endswith("/oauth2callback"):
        raise ValueError(f"{raw!r} must end with /oauth2callback, the address Streamlit answers the provider at")
    return value


def _setting(env: str, parse: Callable[[str], object], default: Any, doc: str) -> Any:
    return field(default=default, metadata={"env": env, "parse": parse, "doc": doc})


@dataclass(frozen=True)
class Settings:
    """Everything an operator can configure. Each field's `doc` is what README.md says of it."""

    db: Path | DatabaseURL = _setting(
        "KOERS_DB", _database, None,
        "The DuckDB file, or a PostgreSQL database as postgresql://user:password@host:port/dbname. "
        "Default: koers.duckdb in the user's data directory.",
    )
    base_url: str = _setting(
        "KOERS_BASE_URL", _url, "http://localhost:8501",
        "The address clients and coaches reach the dashboard at; personal links start with it.",
    )
    secret_key: str | None = _setting(
        "KOERS_SECRET_KEY", _secret, None,
        "Signs personal links and sessions; at least 32 random characters. `koers init` writes one "
        "into .streamlit/secrets.toml when none is set.",
    )
    smtp_host: str | None = _setting(
        "KOERS_SMTP_HOST", _optional_text, None,
        "Mail server. Without it, emails are written as .eml files into the outbox folder.",
    )
    smtp_port: int = _setting("KOERS_SMTP_PORT", _port, 587, "Mail server port.")
    smtp_user: str | None = _setting(
        "KOERS_SMTP_USER", _optional_text, None, "User name for the mail server, if it needs one."
    )
    smtp_password: str | None = _setting(
        "KOERS_SMTP_PASSWORD", _optional_text, None, "Password for the mail server, if it needs one."
    )
    smtp_starttls: bool = _setting(
        "KOERS_SMTP_STARTTLS", _bool, True, "Upgrade the mail connection with STARTTLS (true/false)."
    )
    smtp_tls: bool = _setting(
        "KOERS_SMTP_TLS", _bool, False,
        "Connect to the mail server over TLS from the start, usually port 465 (true/false).",
    )
    mail_from: str | None = _setting(
        "KOERS_MAIL_FROM", _email, None, "Sender address of every email Koers sends."
    )
    busy_timeout_seconds: float = _setting(
        "KOERS_BUSY_TIMEOUT_SECONDS", _seconds, 30.0,
        "How long to wait for another Koers process that is using the database before giving up.",
    )
    window_days: int = _setting(
        "KOERS_WINDOW_DAYS", _whole(1, 6), 5,
        "Days a weekly check-in stays open after its scheduled time.",
    )
    followup_hours: float = _setting(
        "KOERS_FOLLOWUP_HOURS", _number(1, 144), 48.0,
        "Hours after the invitation before one follow-up is sent to a client who has not checked in.",
    )
    digest_grace_hours: float = _setting(
        "KOERS_DIGEST_GRACE_HOURS", _number(1, 144), 24.0,
        "A coach's weekly digest that could not go out for this many hours after its time is skipped that week.",
    )
    contact_lookback_days: int = _setting(
        "KOERS_CONTACT_LOOKBACK_DAYS", _whole(1, 60), 7,
        "Contact requests from check-ins older than this many days (say, imported from paper) email no coach.",
    )
    claim_timeout_minutes: int = _setting(
        "KOERS_CLAIM_TIMEOUT_MINUTES", _whole(2, 1440), 15,
        "An email claimed by a sender that did not finish within this many minutes is queued again "
        "(see docs/mail.md for the trade-off).",
    )
    smtp_timeout_seconds: float = _setting(
        "KOERS_SMTP_TIMEOUT_SECONDS", _seconds, 30.0,
        "How long to wait for the mail server before the attempt counts as failed and is retried.",
    )
    session_minutes: int = _setting(
        "KOERS_SESSION_MINUTES", _whole(5, 24 * 60), 30,
        "A dashboard session ends after this many minutes without activity.",
    )
    outbox_dir: Path | None = _setting(
        "KOERS_OUTBOX_DIR", _path, None,
        "Where emails are written as .eml files when no mail server is set. Default: an `outbox` "
        "folder beside the DuckDB file; on PostgreSQL, in the user's data directory (give every process "
        "the same folder).",
    )
    oidc_server_metadata_url: str | None = _setting(
        "KOERS_OIDC_SERVER_METADATA_URL", _metadata_url, None,
        "Sign-in with the practice's own accounts: the OpenID Connect discovery address of its provider "
        "(…/.well-known/openid-configuration). Set it with the client id and secret below; see "
        "\"Signing in with Microsoft Entra ID or Google\".",
    )
    oidc_client_id: str | None = _setting(
        "KOERS_OIDC_CLIENT_ID", _optional_text, None, "The client (application) id Koers has at the provider."
    )
    oidc_client_secret: str | None = _setting(
        "KOERS_OIDC_CLIENT_SECRET", _optional_text, None, "The client secret Koers has at the provider."
    )
    oidc_cookie_secret: str | None = _setting(
        "KOERS_OIDC_COOKIE_SECRET", _secret, None,
        "Signs the sign-in cookie of provider accounts; at least 32 random characters. Default: derived "
        "from KOERS_SECRET_KEY.",
    )
    oidc_redirect_uri: str | None = _setting(
        "KOERS_OIDC_REDIRECT_URI", _redirect_uri, None,
        "The address the provider sends coaches back to, registered there. Default: KOERS_BASE_URL "
        "followed by /oauth2callback.",
    )
    oidc_provider_name: str | None = _setting(
        "KOERS_OIDC_PROVIDER_NAME", _optional_text, None,
        "The provider's name on the sign-in button (\"Sign in with Microsoft\"). Default: \"your work account\".",
    )
    oidc_max_age_hours: int = _setting(
        "KOERS_OIDC_MAX_AGE_HOURS", _whole(1, 30 * 24), 12,
        "A coach signed in through the provider signs in there again after this many hours.",
    )
    password_signin: bool = _setting(
        "KOERS_PASSWORD_SIGNIN", _bool, True,
        "Coaches may sign in with a Koers password (true/false). Turn it off only with a provider configured.",
    )
    detection: DetectionSettings = field(default_factory=DetectionSettings)
    recovery: RecoverySettings = field(default_factory=RecoverySettings)
    safety: SafetySettings = field(default_factory=SafetySettings)

    def outbox_folder(self) -> Path:
        """Where emails are written as .eml files without a mail server: KOERS_OUTBOX_DIR, or `outbox`
        beside the database."""
        if self.outbox_dir:
            return Path(self.outbox_dir)
        beside = default_db_path() if isinstance(self.db, DatabaseURL) else Path(self.db)
        return beside.parent / "outbox"

    def database_setting(self) -> str:
        """KOERS_DB as a process that Koers starts needs it: the path, or the whole server address with
        its password (which `str(self.db)` leaves out, for messages)."""
        return self.db.url if isinstance(self.db, DatabaseURL) else str(self.db)

    def require_secret_key(self) -> str:
        if not self.secret_key:
            raise SettingsError(
                "KOERS_SECRET_KEY is not set. Run `koers init` to generate one into "
                ".streamlit/secrets.toml, or set the environment variable to at least 32 random characters."
            )
        return self.secret_key


def setting_fields() -> list[tuple[str, str, str, Any]]:
    """(attribute, env key, doc, default) for every general setting."""
    return [
        (f.name, f.metadata["env"], f.metadata["doc"], f.default)
        for f in fields(Settings)
        if "env" in f.metadata
    ]


def detection_fields() -> list[tuple[str, str, str, Any, str]]:
    """(attribute, env key, doc, default, reason) for every threshold of pattern detection."""
    return group_fields(DetectionSettings)


def recovery_fields() -> list[tuple[str, str, str, Any, str]]:
    """(attribute, env key, doc, default, reason) for every threshold of expected recovery and `not_on_track`."""
    return group_fields(RecoverySettings)


def _setting_groups() -> list[tuple[str, Any, list[tuple[str, str, str, Any, str]], Callable[[str, Any, str], Any]]]:
    """(Settings attribute, group, its fields, how a value is read) for each group of thresholds."""
    return [
        ("detection", DetectionSettings, detection_fields(), _detection_value),
        ("recovery", RecoverySettings, recovery_fields(), _detection_value),
        ("safety", SafetySettings, safety_fields(), lambda env, _default, raw: parse_safety(env, raw)),
    ]


def _setting_group(group: Any, specs: Any, parse: Callable[[str, Any, str], Any], environ: Mapping[str, str],
                   from_file: Mapping[str, str], secrets_file: Path | None) -> Any:
    """A group of settings (DetectionSettings, RecoverySettings, SafetySettings) from the environment or
    the secrets file, `parse(env, default, raw)` reading each; a wrong value is named with where it
    came from, and the group's own checks name their variable."""
    values: dict[str, Any] = {}
    for name, env, _doc, default, _reason in specs:
        source_map = environ if env in environ else from_file if env in from_file else None
        if source_map is None:
            continue
        source = "environment" if source_map is environ else str(secrets_file)
        try:
            values[name] = parse(env, default, source_map[env])
        except ValueError as exc:
            raise SettingsError(f"{env} (from the {source}): {exc}") from None
    try:
        return group(**values)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _detection_value(env: str, default: Any, raw: str) -> int | float:
    text = raw.strip()
    try:
        value = int(text) if isinstance(default, int) and not isinstance(default, bool) else float(text)
    except ValueError:
        kind = "a whole number" if isinstance(default, int) else "a number"
        raise ValueError(f"{raw!r} is not {kind}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{raw!r} must be a finite number of at least 0")
    return value


def read_secrets_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror})") from None
    values = {}
    for key, value in data.items():
        if not key.startswith("KOERS_"):
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        elif not isinstance(value, str):
            raise SettingsError(f"{path}: {key} must be a string, number or true/false")
        values[key] = value
    return values


def load_settings(
    environ: Mapping[str, str] | None = None,
    secrets_file: Path | None = SECRETS_FILE,
    **overrides: Any,
) -> Settings:
    """Parse settings; `overrides` (for example `db` from `--db`) win over everything else."""
    environ = os.environ if environ is None else environ
    from_file = read_secrets_file(secrets_file) if secrets_file is not None else {}
    known = {env: name for name, env, _doc, _default in setting_fields()}
    groups = _setting_groups()
    for _attribute, _group, specs, _parse in groups:
        known.update({env: name for name, env, _doc, _default, _reason in specs})
    for source, mapping in (("environment", environ), (str(secrets_file), from_file)):
        for key in mapping:
            if key.startswith("KOERS_") and key not in known:
                raise SettingsError(
                    f"{key} (in the {source}) is not a Koers setting. Known settings: "
                    + ", ".join(sorted(known))
                )
    values: dict[str, Any] = {}
    for name, env, _doc, _default in setting_fields():
        if overrides.get(name) is not None:
            values[name] = overrides[name]
            if name == "db" and isinstance(values[name], str):  # `--db` takes what KOERS_DB takes
                try:
                    values[name] = _database(values[name])
                except ValueError as exc:
                    raise SettingsError(f"--db: {exc}") from None
            continue
        if env in environ:
            raw, source = environ[env], "environment"
        elif env in from_file:
            raw, source = from_file[env], str(secrets_file)
        else:
            continue
        parse = next(f.metadata["parse"] for f in fields(Settings) if f.name == name)
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            raise SettingsError(f"{env} (from the {source}): {exc}") from None
    for attribute, group, specs, parse in groups:
        values[attribute] = _setting_group(group, specs, parse, environ, from_file, secrets_file)
    settings = Settings(**values)
    if settings.db is None:
        settings = Settings(**{**values, "db": default_db_path()})
    if settings.smtp_tls and settings.smtp_starttls and "KOERS_SMTP_STARTTLS" in {**from_file, **environ}:
        raise SettingsError("KOERS_SMTP_TLS and KOERS_SMTP_STARTTLS are both true: choose one.")
    _check_sign_in(settings, auth_in_file=secrets_file is not None and has_auth_section(secrets_file))
    return settings


OIDC_REQUIRED = ("KOERS_OIDC_SERVER_METADATA_URL", "KOERS_OIDC_CLIENT_ID", "KOERS_OIDC_CLIENT_SECRET")


def has_auth_section(path: Path) -> bool:
    """Whether the secrets file configures Streamlit's own sign-in ([auth]) directly."""
    if not path.exists():
        return False
    try:
        return isinstance(tomllib.loads(path.read_text(encoding="utf-8")).get("auth"), dict)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return False  # read_secrets_file has already said what is wrong with the file


def _check_sign_in(settings: Settings, *, auth_in_file: bool) -> None:
    """Provider settings come as a whole, from one place, and someone must be able to sign in."""
    given = [env for env, value in zip(OIDC_REQUIRED, (
        settings.oidc_server_metadata_url, settings.oidc_client_id, settings.oidc_client_secret)) if value]
    if given and len(given) < len(OIDC_REQUIRED):
        missing = [env for env in OIDC_REQUIRED if env not in given]
        raise SettingsError(f"{', '.join(missing)} missing: sign-in with a provider needs "
                            f"{', '.join(OIDC_REQUIRED)} together.")
    if given and auth_in_file:
        raise SettingsError("KOERS_OIDC_* settings and an [auth] section in .streamlit/secrets.toml both "
                            "configure sign-in with a provider: keep one of them.")
    if not settings.password_signin and not given and not auth_in_file:
        raise SettingsError("KOERS_PASSWORD_SIGNIN is false but no provider is configured (KOERS_OIDC_* or "
                            "[auth] in .streamlit/secrets.toml): nobody could sign in.")
