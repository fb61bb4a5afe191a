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
import zoneinfo
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

TRUTHY = {"1", "true", "yes", "on"}
FALSY = {"0", "false", "no", "off", ""}
# The names PAYMENT_PROVIDERS may list (masthead/billing/providers.py).
PAYMENT_PROVIDER_NAMES = ("local", "stripe")
DEMO_BASE_URL = "http://127.0.0.1:8000"

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


# Small typed readers. Each takes the variable's name and the environment, and
# a bad value stops the process with an error naming both the variable and the
# value (secrets shown only by their first characters, passwords in URLs masked).


def _flag(name: str, environ, default: bool) -> bool:
    return parse_bool(name, environ.get(name), default=default)


def _choice(name: str, environ, choices: tuple[str, ...], default: str, exact: bool = False):
    """One of ``choices``; compared lower-case and trimmed unless ``exact``."""
    raw = environ.get(name)
    if raw is None or (not exact and not raw.strip()):
        return default
    value = raw if exact else raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return value


def _names(name: str, environ, known: tuple[str, ...], default: list[str]) -> list[str]:
    """A comma-separated list drawn from ``known``, in the order given, once each."""
    raw = environ.get(name)
    if raw is None:
        return list(default)
    names = list(dict.fromkeys(item.lower() for item in parse_list(raw)))
    if not names:
        raise ImproperlyConfigured(
            f"{name} must name at least one of {', '.join(known)}, not {raw!r}"
        )
    unknown = [item for item in names if item not in known]
    if unknown:
        raise ImproperlyConfigured(
            f"{name}={raw!r}: unknown {', '.join(map(repr, unknown))}; "
            f"the known ones are {', '.join(known)}"
        )
    return names


def _dotted_path(name: str, environ, default: str) -> str:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip()
    if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", value):
        raise ImproperlyConfigured(
            f"{name} must be a dotted Python path such as "
            f"django.core.mail.backends.smtp.EmailBackend, not {raw!r}"
        )
    return value


def _secret(name: str, environ, prefixes: tuple[str, ...], what: str) -> str:
    """A key that may be empty, or must start as ``prefixes`` say."""
    value = (environ.get(name) or "").strip()
    if value and not value.startswith(prefixes):
        raise ImproperlyConfigured(
            f"{name} must be {what} (starting {' or '.join(prefixes)}), "
            f"not a value starting {value[:3]!r}…"
        )
    return value


def _masked(url: str) -> str:
    """``url`` with any password replaced, for error messages."""
    # Up to the last "@": a password with a stray "@" or "/" is masked whole.
    return re.sub(r"^([a-zA-Z][\w+.-]*://[^:/@]*:).*@", r"\1***@", url)


def _web_address(name: str, raw: str, *, origin_only: bool) -> str:
    """An http(s) URL with a host; with ``origin_only``, nothing after the host and
    port (a trailing slash aside). Returned as given, less a trailing slash."""
    value = raw.strip()
    problem = None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 — raises ValueError on a port that is not a number
    except ValueError:
        parts, problem = None, "is not a URL"
    if problem is None:
        if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
            problem = "must be an http:// or https:// address with a host"
        elif parts.username is not None or re.search(r"\s", value):
            problem = "must be an address without credentials or spaces"
        elif origin_only and (parts.path not in {"", "/"} or parts.query or parts.fragment):
            problem = "must be the scheme, host and port only, like https://news.example.org"
    if problem:
        raise ImproperlyConfigured(f"{name} {problem}, not {_masked(value)!r}")
    return value.rstrip("/")


def _base_url(environ) -> str:
    """The site's public address: scheme, host and port (https://news.example.org).

    The demo's default is where `make run` serves; the Makefile sets BASE_URL
    from its HOST and PORT, so another port gives other addresses.
    """
    raw = environ.get("BASE_URL") or DEMO_BASE_URL
    value = _web_address("BASE_URL", raw, origin_only=True)
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    host = parts.hostname  # lower-case, and without the brackets of an IPv6 address
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[scheme]
    port = "" if parts.port in (None, default_port) else f":{parts.port}"
    return f"{scheme}://{host}{port}"


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
    languages: list
    email: dict
    email_verification: str
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
    log_format: str
    log_level: str
    billing: dict
    ad_slot_html: str
    insights: bool


# The demo's ad: a placeholder box (its word shown in the reader's language).
PLACEHOLDER_AD = '<div class="ad-slot__placeholder">Advertisement</div>'


def load(environ, *, base_dir) -> Config:
    """Build the configuration from ``environ`` (usually ``os.environ``).

    The defaults run the demo: SQLite in the checkout, no Redis. With DEBUG
    off, a SECRET_KEY and ALLOWED_HOSTS must be given explicitly.
    """
    debug = _flag("DEBUG", environ, default=False)

    secret_key = environ.get("SECRET_KEY", "")
    if not secret_key:
        if not debug:
            raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
        secret_key = dev_secret_key(Path(base_dir) / DEV_SECRET_KEY_FILE)

    allowed_hosts = _hosts("ALLOWED_HOSTS", environ)
    if not allowed_hosts:
        if not debug:
            raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
        allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]

    redis_url = environ.get("REDIS_URL") or None
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"REDIS_URL must start with redis://, rediss:// or unix://, not {_masked(redis_url)!r}"
        )

    media_storage = _media_storage(environ)
    return Config(
        debug=debug,
        secret_key=secret_key,
        allowed_hosts=allowed_hosts,
        database=_database(environ, base_dir),
        redis_url=redis_url,
        base_url=_base_url(environ),
        time_zone=_time_zone("TIME_ZONE", environ),
        # The languages readers may read the site in; the first is the site's
        # own (served without a prefix), the others under /<code>/.
        languages=_languages("SITE_LANGUAGES", environ),
        # Uploaded images are served by the web server in production; a
        # single-box install or the demo can let Django serve them.
        serve_media=_flag("SERVE_MEDIA", environ, default=debug),
        meter_store=_meter_store(environ, redis_url),
        trusted_proxies=_networks("TRUSTED_PROXIES", environ.get("TRUSTED_PROXIES")),
        email=_email(environ, debug, base_dir),
        # `mandatory`: a reader enters the emailed code before the account signs
        # in; `optional`: the code still goes, but they may sign in at once.
        email_verification=_choice(
            "EMAIL_VERIFICATION",
            environ,
            ("mandatory", "optional", "none"),
            "mandatory",
            exact=True,
        ),
        media_storage=media_storage,
        csp=_csp(environ, media_storage),
        api_rate_per_key=_whole("API_RATE_LIMIT_PER_KEY", environ, 600),
        api_rate_per_address=_whole("API_RATE_LIMIT_PER_ADDRESS", environ, 120),
        sessions=_sessions(environ),
        account_answer_floor_ms=_whole("ACCOUNT_ANSWER_FLOOR_MS", environ, 400, low=0),
        log_format=_choice("LOG_FORMAT", environ, ("json", "text"), "text" if debug else "json"),
        log_level=_choice(
            "LOG_LEVEL", environ, ("debug", "info", "warning", "error", "critical"), "info"
        ).upper(),
        billing=_billing(environ),
        # Ad markup for readers who are not subscribers; set but empty for no ads.
        ad_slot_html=environ.get("AD_SLOT_HTML", PLACEHOLDER_AD),
        # Count reads and walls for Insights (conversions and revenue are
        # counted from their own records either way).
        insights=_flag("INSIGHTS", environ, default=True),
        **_https(environ, debug),
    )


def _hosts(name: str, environ) -> list[str]:
    """Host names (ALLOWED_HOSTS). Django compares them with the request's host
    less its port, so a scheme, path or port in one would never match."""
    hosts = parse_list(environ.get(name))
    for host in hosts:
        if re.search(r"[/\s@]", host) or (":" in host and not host.startswith("[")):
            raise ImproperlyConfigured(
                f"{name} lists host names such as news.example.org (no scheme or port), "
                f"not {host!r}"
            )
    return hosts


def _database(environ, base_dir) -> dict:
    default_sqlite = f"sqlite:///{Path(base_dir) / 'db.sqlite3'}"
    database_url = environ.get("DATABASE_URL") or default_sqlite
    try:
        database = dj_database_url.parse(database_url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL ({exc}): {_masked(database_url)!r}"
        ) from exc
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
    return database


def _languages(name: str, environ) -> list[str]:
    """Language codes Django knows (``ar``, ``fr``, ``pt-br``…), the site's own first."""
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return ["en"]
    codes = list(dict.fromkeys(item.lower() for item in parse_list(raw)))
    unknown = [code for code in codes if code not in LANG_INFO or "fallback" in LANG_INFO[code]]
    if unknown:
        raise ImproperlyConfigured(
            f"{name}={raw!r}: {', '.join(map(repr, unknown))} is not a language code "
            "Django knows, such as en, ar, fr or pt-br"
        )
    return codes


def _time_zone(name: str, environ) -> str:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return "UTC"
    value = raw.strip()
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"{name} must be a time zone name such as Europe/Vienna or UTC, not {raw!r}"
        ) from exc
    return value


def _billing(environ) -> dict:
    """Reader revenue: the payment providers readers may use (the first is the
    one they check out with), Stripe's keys, and the grace after a failed payment."""
    return {
        "providers": _names("PAYMENT_PROVIDERS", environ, PAYMENT_PROVIDER_NAMES, ["local"]),
        # The local provider takes no payment; with DEBUG off it refuses to run
        # unless this says otherwise (for test servers, never for readers).
        "local_without_payment_in_production": _flag(
            "LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION", environ, default=False
        ),
        "stripe_secret_key": _secret(
            "STRIPE_SECRET_KEY",
            environ,
            ("sk_", "rk_"),
            "a Stripe secret or restricted key (sk_live_…, sk_test_…, rk_…)",
        ),
        "stripe_webhook_secret": _secret(
            "STRIPE_WEBHOOK_SECRET", environ, ("whsec_",), "a webhook signing secret"
        ),
        "past_due_grace_hours": _whole("PAST_DUE_GRACE_HOURS", environ, 72, low=0),
    }


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


def _whole(name: str, environ, default: int, low: int = 1, high: int = 999_999_999) -> int:
    """A whole-number setting, named in the error when it is not one."""
    raw = (environ.get(name) or "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,12}", raw) or not low <= int(raw) <= high:
        raise ImproperlyConfigured(
            f"{name} must be a whole number from {low} to {high}, not {raw!r}"
        )
    return int(raw)


def _media_storage(environ) -> dict:
    """Where uploaded images go: the local ``media/`` folder, or an S3-compatible bucket.

    ``MEDIA_STORAGE=s3`` needs ``S3_BUCKET``; the rest are optional (AWS's own
    endpoint and the machine's credentials chain when left empty). Files are
    private with signed URLs unless ``S3_CUSTOM_DOMAIN`` names a public CDN
    host in front of the bucket.
    """
    if _choice("MEDIA_STORAGE", environ, ("local", "s3"), "local") == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    bucket = environ.get("S3_BUCKET", "")
    if not bucket:
        raise ImproperlyConfigured("S3_BUCKET must be set when MEDIA_STORAGE is s3.")
    custom_domain = environ.get("S3_CUSTOM_DOMAIN") or None
    if custom_domain:
        # A host name that also goes into the Content-Security-Policy.
        _source("S3_CUSTOM_DOMAIN", custom_domain)
    endpoint_url = environ.get("S3_ENDPOINT_URL") or None
    if endpoint_url:
        endpoint_url = _web_address("S3_ENDPOINT_URL", endpoint_url, origin_only=False)
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url,
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


def _source(name: str, item: str) -> str:
    """One Content-Security-Policy source: a semicolon, comma or space in it would
    end the directive and start another."""
    if not item or re.search(r"[\s;,]", item):
        raise ImproperlyConfigured(
            f"{name}: {item!r} is not a source such as https://ads.example or 'self'"
        )
    return item


def _sources(name: str, environ) -> list[str]:
    return [_source(name, item) for item in parse_list(environ.get(name))]


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
        _sources("CSP_FRAME_SOURCES", environ) if "CSP_FRAME_SOURCES" in environ else ["https:"]
    )
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *_sources("CSP_SCRIPT_SOURCES", environ)],
        "style-src": ["'self'"],
        "img-src": [*images, *_sources("CSP_IMG_SOURCES", environ)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": frames or ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", "https://checkout.stripe.com", "https://billing.stripe.com"],
        # The editor frames the site's own pages (previews, checks); no one else may.
        "frame-ancestors": ["'self'"],
    }
    report_uri = (environ.get("CSP_REPORT_URI") or "").strip()
    if report_uri:
        # An address on this site (/csp-reports/) or anywhere (https://…).
        if report_uri.startswith("/") and not report_uri.startswith("//"):
            _source("CSP_REPORT_URI", report_uri)
        else:
            report_uri = _web_address("CSP_REPORT_URI", report_uri, origin_only=False)
        directives["report-uri"] = [report_uri]
    return directives


def _https(environ, debug: bool) -> dict:
    """HTTPS only, by default, in production: redirect plain HTTP and send HSTS."""
    https = _flag("HTTPS", environ, default=not debug)
    return {
        "https": https,
        "hsts_seconds": _whole(
            "HSTS_SECONDS", environ, 31536000 if https else 0, low=0, high=9_999_999_999
        ),
        "hsts_include_subdomains": _flag("HSTS_INCLUDE_SUBDOMAINS", environ, default=True),
        "hsts_preload": _flag("HSTS_PRELOAD", environ, default=False),
    }


# The providers django-anymail sends through (EMAIL_PROVIDER), each with its
# delivery webhook at /anymail/<provider>/tracking/.
EMAIL_PROVIDERS = (
    "amazon_ses",
    "brevo",
    "mailersend",
    "mailgun",
    "mailjet",
    "mandrill",
    "postal",
    "postmark",
    "resend",
    "sendgrid",
    "sparkpost",
    "unisender_go",
)
# Providers whose webhook views need their own signing key as well as the
# shared secret (anymail refuses to start the view without it).
WEBHOOK_KEYS = {
    "mailgun": ("MAILGUN_WEBHOOK_SIGNING_KEY", "MAILGUN_API_KEY"),
    "mandrill": ("MANDRILL_WEBHOOK_KEY",),
    "postal": ("POSTAL_WEBHOOK_KEY",),
    "mailersend": ("MAILERSEND_SIGNING_SECRET",),
    "resend": ("RESEND_SIGNING_SECRET",),
}


def _email(environ, debug: bool, base_dir) -> dict:
    """How mail leaves: EMAIL_PROVIDER (``smtp``, or one of django-anymail's
    providers, its credentials as ANYMAIL_* variables), or any EMAIL_BACKEND;
    the SMTP settings (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
    EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL) and DEFAULT_FROM_EMAIL.
    With DEBUG on and nothing set, each message is written to a file under
    EMAIL_FILE_PATH (and announced in the terminal)."""
    use_tls = _flag("EMAIL_USE_TLS", environ, default=False)
    use_ssl = _flag("EMAIL_USE_SSL", environ, default=False)
    if use_tls and use_ssl:
        raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
    provider = _choice("EMAIL_PROVIDER", environ, ("smtp", *EMAIL_PROVIDERS), "")
    if provider in EMAIL_PROVIDERS:
        backend = f"anymail.backends.{provider}.EmailBackend"
    elif provider == "smtp" or not debug:
        backend = "django.core.mail.backends.smtp.EmailBackend"
    else:
        backend = "masthead.newsletters.mailfiles.EmailBackend"
    anymail = {
        name.removeprefix("ANYMAIL_"): value
        for name, value in environ.items()
        if name.startswith("ANYMAIL_") and value
    }
    webhooks = []
    if provider in EMAIL_PROVIDERS and anymail.get("WEBHOOK_SECRET"):
        if ":" not in anymail["WEBHOOK_SECRET"]:
            raise ImproperlyConfigured(
                "ANYMAIL_WEBHOOK_SECRET is the webhook's user and password, "
                "as user:password (give the provider https://user:password@host/anymail/...)"
            )
        keys = WEBHOOK_KEYS.get(provider, ())
        if keys and not any(anymail.get(key) for key in keys):
            raise ImproperlyConfigured(
                f"The {provider} webhook also needs ANYMAIL_{keys[0]} "
                "(the key the provider signs its events with)."
            )
        webhooks = [provider]
    return {
        "backend": _dotted_path("EMAIL_BACKEND", environ, backend),
        "provider": provider or "smtp",
        "anymail": anymail,
        # Delivery webhooks are served only for the provider in use, and only
        # with a secret to check them against: an unchecked webhook would let
        # anyone mark an address bounced.
        "webhooks": webhooks,
        "file_path": environ.get("EMAIL_FILE_PATH") or str(base_dir / "var" / "mail"),
        "host": environ.get("EMAIL_HOST") or "localhost",
        "port": _whole(
            "EMAIL_PORT", environ, 465 if use_ssl else 587 if use_tls else 25, high=65535
        ),
        "user": environ.get("EMAIL_HOST_USER", ""),
        "password": environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": use_tls,
        "use_ssl": use_ssl,
        "from": _sender("DEFAULT_FROM_EMAIL", environ, "Masthead <noreply@localhost>"),
    }


def _sender(name: str, environ, default: str) -> str:
    """An address to send from: news@example.org or Name <news@example.org>."""
    raw = environ.get(name) or default
    _, address = parseaddr(raw)
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ImproperlyConfigured(
            f"{name} must be an address like News <news@example.org>, not {raw!r}"
        ) from exc
    return raw


def _meter_store(environ, redis_url: str | None) -> str:
    default = "redis" if redis_url else "database"
    choice = _choice("METER_STORE", environ, ("redis", "database"), default)
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
