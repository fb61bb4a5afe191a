"""Read Masthead's configuration from the environment.

Kept apart from ``settings.py`` as a pure function of a mapping so that the
rules (what is required in production, what the demo defaults are) can be
tested without reloading Django's settings.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUTHY = {"1", "true", "yes", "on"}
FALSY = {"0", "false", "no", "off", ""}

# With DEBUG on and no SECRET_KEY, the checkout keeps a key of its own here
# (git ignores it): every demo signs its cookies with a different key, and no
# key is ever published in the repository.
DEV_SECRET_KEY_FILE = ".dev-secret-key"


def parse_bool(name: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUTHY:
        return True
    if value in FALSY:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no, not {raw!r}")


def dev_secret_key(path: Path) -> str:
    """The checkout's own development key, made on first use (readable by its owner only)."""
    if not path.exists():
        # Written whole to a temporary name, then linked into place: a process
        # starting at the same moment finds either no file or the whole key,
        # and the first link wins.
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(50) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable key; delete it to make a new one.")
    return key


def parse_list(raw: str | None) -> list[str]:
    if not raw:
        return []
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class Config:
    debug: bool
    secret_key: str
    allowed_hosts: list[str]
    database: dict
    redis_url: str | None
    base_url: str
    serve_media: bool
    meter_store: str
    trusted_proxies: list
    time_zone: str
    email: dict
    https: bool
    hsts_seconds: int
    hsts_include_subdomains: bool
    hsts_preload: bool
    media_storage: dict
    csp: dict
    api_rate_per_key: int
    api_rate_per_address: int
    sessions: dict
    account_answer_floor_ms: int


def load(environ, *, base_dir) -> Config:
    """Build the configuration from ``environ`` (usually ``os.environ``).

    The defaults run the demo: SQLite in the checkout, no Redis. With DEBUG
    off, a SECRET_KEY and ALLOWED_HOSTS must be given explicitly.
    """
    debug = parse_bool("DEBUG", environ.get("DEBUG"), default=False)

    secret_key = environ.get("SECRET_KEY", "")
    if not secret_key:
        if not debug:
            raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
        secret_key = dev_secret_key(Path(base_dir) / DEV_SECRET_KEY_FILE)

    allowed_hosts = parse_list(environ.get("ALLOWED_HOSTS"))
    if not allowed_hosts:
        if not debug:
            raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
        allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]

    default_sqlite = f"sqlite:///{base_dir / 'db.sqlite3'}"
    database_url = environ.get("DATABASE_URL") or default_sqlite
    try:
        database = dj_database_url.parse(database_url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # Connections persist like PostgreSQL's: opening one and setting its
        # pragmas cost more than the whole cached article page (measured with
        # bench/paywall.py). Transactions take the write lock when they begin
        # (IMMEDIATE), so concurrent writers queue for up to `timeout` seconds
        # instead of deadlocking; WAL lets readers carry on while one writes.
        database.setdefault("OPTIONS", {}).update(
            {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )

    redis_url = environ.get("REDIS_URL") or None
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")

    media_storage = _media_storage(environ)
    return Config(
        debug=debug,
        secret_key=secret_key,
        allowed_hosts=allowed_hosts,
        database=database,
        redis_url=redis_url,
        base_url=(environ.get("BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
        time_zone=environ.get("TIME_ZONE") or "UTC",
        # Uploaded images are served by the web server in production; a
        # single-box install or the demo can let Django serve them.
        serve_media=parse_bool("SERVE_MEDIA", environ.get("SERVE_MEDIA"), default=debug),
        meter_store=_meter_store(environ.get("METER_STORE"), redis_url),
        trusted_proxies=_networks("TRUSTED_PROXIES", environ.get("TRUSTED_PROXIES")),
        email=_email(environ),
        media_storage=media_storage,
        csp=_csp(environ, media_storage),
        api_rate_per_key=_whole("API_RATE_LIMIT_PER_KEY", environ, 600),
        api_rate_per_address=_whole("API_RATE_LIMIT_PER_ADDRESS", environ, 120),
        sessions=_sessions(environ),
        account_answer_floor_ms=_whole("ACCOUNT_ANSWER_FLOOR_MS", environ, 400, low=0),
        **_https(environ, debug),
    )


HOUR = 60 * 60
DAY = 24 * HOUR


def _sessions(environ) -> dict:
    """How long a signed-in session lasts, in seconds: unused (idle) and at
    most (lifetime, from sign-in). Accounts that open the admin get shorter ones."""
    values = {
        "reader_idle": _whole("SESSION_IDLE_TIMEOUT", environ, 14 * DAY, low=60),
        "reader_lifetime": _whole("SESSION_LIFETIME", environ, 60 * DAY, low=60),
        "editor_idle": _whole("EDITOR_SESSION_IDLE_TIMEOUT", environ, 12 * HOUR, low=60),
        "editor_lifetime": _whole("EDITOR_SESSION_LIFETIME", environ, 7 * DAY, low=60),
    }
    for kind in ("reader", "editor"):
        if values[f"{kind}_idle"] > values[f"{kind}_lifetime"]:
            raise ImproperlyConfigured(
                f"The {kind} session idle timeout cannot be longer than its lifetime."
            )
    return values


def _whole(name: str, environ, default: int, low: int = 1) -> int:
    """A whole-number setting, named in the error when it is not one."""
    raw = (environ.get(name) or "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < low:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least {low}, not {raw!r}")
    return int(raw)


def _media_storage(environ) -> dict:
    """Where uploaded images go: the local ``media/`` folder, or an S3-compatible bucket.

    ``MEDIA_STORAGE=s3`` needs ``S3_BUCKET``; the rest are optional (AWS's own
    endpoint and the machine's credentials chain when left empty). Files are
    private with signed URLs unless ``S3_CUSTOM_DOMAIN`` names a public CDN
    host in front of the bucket.
    """
    choice = (environ.get("MEDIA_STORAGE") or "local").strip().lower()
    if choice == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if choice != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, not {choice!r}")
    bucket = environ.get("S3_BUCKET", "")
    if not bucket:
        raise ImproperlyConfigured("S3_BUCKET must be set when MEDIA_STORAGE is s3.")
    custom_domain = environ.get("S3_CUSTOM_DOMAIN") or None
    options = {
        "bucket_name": bucket,
        "endpoint_url": environ.get("S3_ENDPOINT_URL") or None,
        "region_name": environ.get("S3_REGION") or None,
        "access_key": environ.get("S3_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("S3_SECRET_ACCESS_KEY") or None,
        "custom_domain": custom_domain,
        # Uploads never overwrite one another, and nothing is public by
        # accident: without a CDN domain, links are signed and expire.
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": custom_domain is None,
        "signature_version": "s3v4",  # what every region and S3-compatible store accepts
        "location": environ.get("S3_PREFIX", "media"),
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = url.split("/")
    return "/".join(parts[:3]) if "://" in url else f"https://{parts[0]}"


def _csp(environ, media_storage: dict) -> dict:
    """The public site's Content-Security-Policy: its own files only, no inline code.

    The site runs no JavaScript of its own. What a publisher adds is opened up
    by name: ``CSP_SCRIPT_SOURCES`` and ``CSP_IMG_SOURCES`` (an ad network in
    ``AD_SLOT_HTML``), ``CSP_FRAME_SOURCES`` (embedded video; ``https:`` by
    default, since editors embed from many hosts). Checkout and the billing
    portal are Stripe's pages, reached by form posts that redirect there.
    """
    media = media_storage.get("OPTIONS", {})
    images = ["'self'", "data:"]
    bucket_origin = _origin(media.get("custom_domain") or media.get("endpoint_url"))
    if media and not bucket_origin:
        bucket_origin = "https://*.amazonaws.com"
    if bucket_origin:
        images.append(bucket_origin)
    frames = (
        parse_list(environ.get("CSP_FRAME_SOURCES"))
        if "CSP_FRAME_SOURCES" in environ
        else ["https:"]
    )
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *parse_list(environ.get("CSP_SCRIPT_SOURCES"))],
        "style-src": ["'self'"],
        "img-src": [*images, *parse_list(environ.get("CSP_IMG_SOURCES"))],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": frames or ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", "https://checkout.stripe.com", "https://billing.stripe.com"],
        # The editor frames the site's own pages (previews, checks); no one else may.
        "frame-ancestors": ["'self'"],
    }
    report_uri = environ.get("CSP_REPORT_URI")
    if report_uri:
        directives["report-uri"] = [report_uri]
    return directives


def _https(environ, debug: bool) -> dict:
    """HTTPS only, by default, in production: redirect plain HTTP and send HSTS."""
    https = parse_bool("HTTPS", environ.get("HTTPS"), default=not debug)
    raw = environ.get("HSTS_SECONDS") or ("31536000" if https else "0")
    if not re.fullmatch(r"[0-9]{1,10}", raw):
        raise ImproperlyConfigured(f"HSTS_SECONDS must be a whole number of seconds, not {raw!r}")
    return {
        "https": https,
        "hsts_seconds": int(raw),
        "hsts_include_subdomains": parse_bool(
            "HSTS_INCLUDE_SUBDOMAINS", environ.get("HSTS_INCLUDE_SUBDOMAINS"), default=True
        ),
        "hsts_preload": parse_bool("HSTS_PRELOAD", environ.get("HSTS_PRELOAD"), default=False),
    }


def _email(environ) -> dict:
    """SMTP settings: EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
    EMAIL_USE_TLS / EMAIL_USE_SSL, DEFAULT_FROM_EMAIL."""
    use_tls = parse_bool("EMAIL_USE_TLS", environ.get("EMAIL_USE_TLS"), default=False)
    use_ssl = parse_bool("EMAIL_USE_SSL", environ.get("EMAIL_USE_SSL"), default=False)
    if use_tls and use_ssl:
        raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
    port = environ.get("EMAIL_PORT") or ("465" if use_ssl else "587" if use_tls else "25")
    if not re.fullmatch(r"[0-9]{1,5}", port) or not 0 < int(port) < 65536:
        raise ImproperlyConfigured(f"EMAIL_PORT must be a port number, not {port!r}")
    return {
        "host": environ.get("EMAIL_HOST") or "localhost",
        "port": int(port),
        "user": environ.get("EMAIL_HOST_USER", ""),
        "password": environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": use_tls,
        "use_ssl": use_ssl,
        "from": environ.get("DEFAULT_FROM_EMAIL") or "Masthead <noreply@localhost>",
    }


def _meter_store(raw: str | None, redis_url: str | None) -> str:
    choice = (raw or ("redis" if redis_url else "database")).strip().lower()
    if choice not in {"redis", "database"}:
        raise ImproperlyConfigured("METER_STORE must be 'redis' or 'database'")
    if choice == "redis" and not redis_url:
        raise ImproperlyConfigured("METER_STORE=redis needs REDIS_URL")
    return choice


def _networks(name: str, raw: str | None) -> list:
    """Comma-separated addresses or CIDR ranges, e.g. '10.0.0.0/8,127.0.0.1'."""
    networks = []
    for item in parse_list(raw):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}: {item!r} is not an address or network") from exc
    return networks
