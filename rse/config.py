"""Configuration from ``RSE_*`` environment variables.

Every variable is listed with its default in the README. With nothing set, the app runs on the
embedded default: SQLite and a Whoosh index inside the instance folder, and a secret key generated
once and kept there.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_INSTANCE_DIR = Path.cwd() / "instance"

# Largest request body accepted (bytes). Documented in the README; bigger bodies get a 413.
MAX_CONTENT_LENGTH = 1 * 1024 * 1024


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete for the chosen environment."""


@dataclass(frozen=True)
class EnvVar:
    name: str
    default: str | None
    help: str


# The single list of supported variables: read by ``load_config`` and printed in the README.
ENV_VARS: tuple[EnvVar, ...] = (
    EnvVar("RSE_ENV", "development", "`development`, `production` or `testing`."),
    EnvVar("RSE_INSTANCE_DIR", "./instance", "Folder for the SQLite file, search index and secret key."),
    EnvVar("RSE_DATABASE_URL", "sqlite:///<instance>/rse.sqlite3", "SQLAlchemy URL of the database."),
    EnvVar("RSE_SECRET_KEY", "generated into <instance>/secret_key", "Signs sessions and CSRF tokens."),
    EnvVar(
        "RSE_SEARCH_DIR",
        "<instance>/search",
        "Search index folder (Whoosh; tantivy in its `tantivy` subfolder).",
    ),
    EnvVar(
        "RSE_SEARCH_BACKEND",
        "whoosh",
        "Search backend: `whoosh` (embedded index), `tantivy` (embedded index for large volumes) or"
        " `postgresql` (full-text search in a PostgreSQL database).",
    ),
    EnvVar(
        "RSE_SEARCH_WORKER",
        "background",
        "`background`: a thread in each server process updates the index after its commits;"
        " `inline`: the committing request does before it answers; `external`: only"
        " `rse search worker` does.",
    ),
    EnvVar(
        "RSE_SQLITE_CHECKPOINTS",
        "background",
        "SQLite only. `background`: a thread in each process copies the write-ahead log into the"
        " database file; `commit`: SQLite's default, the commit that fills the log does it.",
    ),
    EnvVar(
        "RSE_REDIS_URL",
        "",
        "Redis URL; when set, login throttling counters and Socket.IO events are shared by every process.",
    ),
    EnvVar(
        "RSE_SOCKETIO_ORIGINS",
        "",
        "Comma-separated origins allowed to open a Socket.IO connection; unset: the page's own origin.",
    ),
    EnvVar("RSE_SOCKETIO_CHANNEL", "rse-socketio", "Redis channel (and key prefix) of the Socket.IO events."),
    EnvVar("RSE_DEBUG", "0", "Flask debug mode (refused in production)."),
    EnvVar("RSE_LOGIN_LIMIT_ACCOUNT", "5 per minute;30 per hour", "Failed logins per account."),
    EnvVar("RSE_LOGIN_LIMIT_ADDRESS", "20 per minute;200 per hour", "Failed logins per address."),
)


def _env(name: str, environ: dict[str, str]) -> str | None:
    value = environ.get(name)
    return value if value not in (None, "") else None


def _secret_key(instance_dir: Path, environ: dict[str, str], env: str) -> str:
    explicit = _env("RSE_SECRET_KEY", environ)
    if explicit:
        return explicit
    if env == "production":
        raise ConfigError("RSE_SECRET_KEY must be set in production.")
    key_file = instance_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_config(environ: dict[str, str] | None = None) -> dict:
    """Build the Flask configuration mapping from the environment."""
    environ = dict(os.environ if environ is None else environ)
    env = _env("RSE_ENV", environ) or "development"
    if env not in ("development", "production", "testing"):
        raise ConfigError(f"RSE_ENV must be development, production or testing, not {env!r}.")
    instance_dir = Path(_env("RSE_INSTANCE_DIR", environ) or DEFAULT_INSTANCE_DIR).resolve()
    instance_dir.mkdir(parents=True, exist_ok=True)
    debug = (_env("RSE_DEBUG", environ) or "0").lower() in ("1", "true", "yes", "on")
    if env == "production" and debug:
        raise ConfigError("Debug mode is refused in production (unset RSE_DEBUG).")
    database_url = _env("RSE_DATABASE_URL", environ) or f"sqlite:///{instance_dir / 'rse.sqlite3'}"
    redis_url = _env("RSE_REDIS_URL", environ)
    if _env("RSE_SEARCH_BACKEND", environ) == "postgresql" and not database_url.startswith("postgres"):
        raise ConfigError("RSE_SEARCH_BACKEND=postgresql needs a PostgreSQL RSE_DATABASE_URL.")
    production = env == "production"
    origins = [o.strip() for o in (_env("RSE_SOCKETIO_ORIGINS", environ) or "").split(",") if o.strip()]
    if "*" in origins:
        raise ConfigError("RSE_SOCKETIO_ORIGINS lists origins; '*' is refused.")
    return {
        "RSE_ENV": env,
        "DEBUG": debug,
        "TESTING": env == "testing",
        "INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": _secret_key(instance_dir, environ, env),
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(database_url),
        "SEARCH_DIR": _env("RSE_SEARCH_DIR", environ) or str(instance_dir / "search"),
        "SEARCH_BACKEND": _choice(environ, "RSE_SEARCH_BACKEND", ("whoosh", "tantivy", "postgresql")),
        "SEARCH_WORKER": _choice(environ, "RSE_SEARCH_WORKER", ("background", "inline", "external")),
        "SQLITE_CHECKPOINTS": _choice(environ, "RSE_SQLITE_CHECKPOINTS", ("background", "commit")),
        "REDIS_URL": redis_url,
        "SOCKETIO_ORIGINS": origins,
        "SOCKETIO_CHANNEL": _env("RSE_SOCKETIO_CHANNEL", environ) or "rse-socketio",
        "MAX_CONTENT_LENGTH": MAX_CONTENT_LENGTH,
        "LOGIN_LIMIT_ACCOUNT": _env("RSE_LOGIN_LIMIT_ACCOUNT", environ) or "5 per minute;30 per hour",
        "LOGIN_LIMIT_ADDRESS": _env("RSE_LOGIN_LIMIT_ADDRESS", environ) or "20 per minute;200 per hour",
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_CHECK_DEFAULT": False,  # checked in rse.auth after the 401 decision
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "fr",
        # Times are stored in UTC and shown in the administrations' home time zone.
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "LANGUAGES": ["fr", "en"],
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
    }


def _choice(environ: dict[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = _env(name, environ) or allowed[0]
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}.")
    return value


def _normalise_database_url(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgresql:// URLs would ask for psycopg2.
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}
