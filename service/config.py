"""The service's settings: where it listens, its token, its intake log and reservations.

Each comes from the environment (a PLANLINE_* variable set and not empty), else its default;
``orchestration.settings_check`` refuses a value that does not parse, naming the variable:

- PLANLINE_SERVICE_HOST (127.0.0.1) and PLANLINE_SERVICE_PORT (8000): where ``make serve`` listens.
  Another host than the loopback is for a reverse proxy in front (docs/service.md, TLS);
- the token every write needs (``Authorization: Bearer <token>``), and every read unless
  PLANLINE_SERVICE_OPEN_READS is true: PLANLINE_SERVICE_TOKEN (a secret the deployment sets), else
  the SHA-256 digest kept in ``$PLANLINE_HOME/service/token.sha256`` (PLANLINE_SERVICE_TOKEN_FILE),
  written by ``python -m service token``. The token itself is never stored;
- the intake folder (``Settings.intake``, PLANLINE_INTAKE_DIR, ``$PLANLINE_HOME/intake``): the append-only log of the events received;
  a segment of it is sealed and handed to the landing folder after PLANLINE_INTAKE_SEGMENT_SECONDS
  (60) or PLANLINE_INTAKE_SEGMENT_EVENTS (50,000 events);
- PLANLINE_INTAKE_RETENTION_DAYS (7): segments sealed and folded longer ago are deleted (their
  events are in the warehouse: the landing folder's processed copy and the raw tables keep them);
- PLANLINE_RESERVATION_MINUTES (30): how long a reservation holds stock unless confirmed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import Settings, SettingsError, load_settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}
# Checked by orchestration.settings_check (VALUE_CHECKS) with the others; parsed here.
VARIABLES = (
    "PLANLINE_SERVICE_HOST",
    "PLANLINE_SERVICE_PORT",
    "PLANLINE_SERVICE_TOKEN",
    "PLANLINE_SERVICE_TOKEN_FILE",
    "PLANLINE_SERVICE_OPEN_READS",
    "PLANLINE_INTAKE_SEGMENT_SECONDS",
    "PLANLINE_INTAKE_SEGMENT_EVENTS",
    "PLANLINE_INTAKE_RETENTION_DAYS",
    "PLANLINE_RESERVATION_MINUTES",
)


def digest(token: str) -> str:
    """The SHA-256 hex digest a token is kept and compared as."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ServiceSettings:
    planline: Settings
    host: str
    port: int
    token_digest: str | None  # None: no token configured (every request that needs one is refused)
    token_origin: str  # where the token comes from, for messages (never the token)
    open_reads: bool
    intake_dir: Path
    segment_seconds: float
    segment_events: int
    retention_days: float
    reservation_minutes: float

    def token_matches(self, presented: str) -> bool:
        """Whether ``presented`` is the token (compared in constant time, as digests)."""
        return self.token_digest is not None and hmac.compare_digest(digest(presented), self.token_digest)


def token_file(settings: Settings, environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("PLANLINE_SERVICE_TOKEN_FILE") or settings.home / "service" / "token.sha256")


def new_token(path: Path) -> str:
    """A new random token: its digest replaces the one in ``path`` (mode 600); the token is returned, never stored."""
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(digest(token) + "\n")
    os.replace(staging, path)
    return token


def _number(environ: Mapping[str, str], name: str, default: float, parse, low: float, high: float, expected: str, problems: list) -> float:
    value = environ.get(name)
    if not value:
        return default
    try:
        number = parse(value)
        if not low <= number <= high:
            raise ValueError
    except ValueError:
        problems.append((name, value, expected))
        return default
    return number


def _flag(environ: Mapping[str, str], name: str, problems: list) -> bool:
    value = (environ.get(name) or "false").strip().lower()
    if value not in TRUE_VALUES | FALSE_VALUES:
        problems.append((name, environ[name], "true or false"))
    return value in TRUE_VALUES


def load_service_settings(environ: Mapping[str, str] | None = None) -> ServiceSettings:
    """The service's settings; a ``SettingsError`` lists every value that does not parse."""
    environ = os.environ if environ is None else environ
    settings = load_settings(environ)
    problems: list[tuple[str, str, str]] = []
    port = int(_number(environ, "PLANLINE_SERVICE_PORT", DEFAULT_PORT, int, 1, 65535, "a TCP port number", problems))
    seconds = _number(environ, "PLANLINE_INTAKE_SEGMENT_SECONDS", 60.0, float, 0.1, 86_400, "seconds, 0.1 to 86400", problems)
    events = int(_number(environ, "PLANLINE_INTAKE_SEGMENT_EVENTS", 50_000, int, 1, 10_000_000, "a whole number of events, 1 to 10,000,000", problems))
    retention = _number(environ, "PLANLINE_INTAKE_RETENTION_DAYS", 7.0, float, 0.01, 3_650, "days, 0.01 to 3650", problems)
    minutes = _number(environ, "PLANLINE_RESERVATION_MINUTES", 30.0, float, 0.01, 525_600, "minutes, 0.01 to 525600", problems)
    open_reads = _flag(environ, "PLANLINE_SERVICE_OPEN_READS", problems)
    if environ.get("PLANLINE_SERVICE_TOKEN"):
        token_digest, origin = digest(environ["PLANLINE_SERVICE_TOKEN"]), "PLANLINE_SERVICE_TOKEN"
    else:
        path = token_file(settings, environ)
        token_digest, origin = None, str(path)
        if path.exists():
            stored = path.read_text().strip()
            if len(stored) == 64 and all(c in "0123456789abcdef" for c in stored):
                token_digest = stored
            else:
                problems.append(("PLANLINE_SERVICE_TOKEN_FILE", str(path), "a file holding a SHA-256 hex digest (python -m service token writes one)"))
    if problems:
        raise SettingsError(problems)
    return ServiceSettings(
        planline=settings,
        host=environ.get("PLANLINE_SERVICE_HOST") or DEFAULT_HOST,
        port=port,
        token_digest=token_digest,
        token_origin=origin,
        open_reads=open_reads,
        intake_dir=settings.intake,
        segment_seconds=seconds,
        segment_events=events,
        retention_days=retention,
        reservation_minutes=minutes,
    )
