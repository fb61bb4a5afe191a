"""Settings come from the environment; the defaults run the demo on SQLite."""

import os
import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from masthead import config

# A checkout of its own: with DEBUG on, config keeps the development key there.
BASE = Path(tempfile.mkdtemp(prefix="masthead-config-"))


def test_defaults_with_debug_run_the_demo_on_sqlite():
    loaded = config.load({"DEBUG": "true"}, base_dir=BASE)

    assert loaded.debug is True
    assert loaded.database["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded.database["NAME"] == str(BASE / "db.sqlite3")
    # Kept open between requests: reconnecting costs more than a cached page.
    assert loaded.database["CONN_MAX_AGE"] == 60
    assert loaded.database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert loaded.redis_url is None
    assert "127.0.0.1" in loaded.allowed_hosts
    assert loaded.serve_media is True


def test_debug_is_off_unless_asked_for():
    loaded = config.load({"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "news.example"}, base_dir=BASE)

    assert loaded.debug is False
    assert loaded.serve_media is False


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        config.load({"ALLOWED_HOSTS": "news.example"}, base_dir=BASE)


def test_production_refuses_to_start_without_allowed_hosts():
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        config.load({"SECRET_KEY": "k" * 50}, base_dir=BASE)


def test_the_demo_signs_with_a_key_of_its_own_checkout_never_a_published_one(tmp_path):
    (tmp_path / "other").mkdir()
    first = config.load({"DEBUG": "1"}, base_dir=tmp_path).secret_key
    again = config.load({"DEBUG": "1"}, base_dir=tmp_path).secret_key
    elsewhere = config.load({"DEBUG": "1"}, base_dir=tmp_path / "other").secret_key

    assert first == again  # kept: sessions survive a restart
    assert len(first) >= 50 and elsewhere != first  # each checkout its own
    key_file = tmp_path / config.DEV_SECRET_KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first not in Path(config.__file__).read_text()
    # An explicit key always wins, and production never falls back to the file.
    loaded = config.load(
        {"SECRET_KEY": "real-key", "ALLOWED_HOSTS": "a.example"}, base_dir=tmp_path
    )
    assert loaded.secret_key == "real-key"


def test_an_unusable_development_key_file_is_a_clear_error(tmp_path):
    (tmp_path / config.DEV_SECRET_KEY_FILE).write_text("short\n")
    with pytest.raises(ImproperlyConfigured, match="delete it"):
        config.load({"DEBUG": "1"}, base_dir=tmp_path)


def test_the_development_key_file_is_ignored_by_git():
    root = Path(__file__).resolve().parents[1]
    ignored = (root / ".gitignore").read_text().split()
    assert "/" + config.DEV_SECRET_KEY_FILE in ignored


def test_allowed_hosts_is_a_comma_separated_list():
    loaded = config.load(
        {"DEBUG": "0", "SECRET_KEY": "x", "ALLOWED_HOSTS": " news.example, www.news.example ,"},
        base_dir=BASE,
    )
    assert loaded.allowed_hosts == ["news.example", "www.news.example"]


def test_database_url_selects_postgresql():
    loaded = config.load(
        {"DEBUG": "1", "DATABASE_URL": "postgres://editor:pw@db.internal:6432/masthead"},
        base_dir=BASE,
    )
    assert loaded.database["ENGINE"] == "django.db.backends.postgresql"
    assert loaded.database["HOST"] == "db.internal"
    assert loaded.database["PORT"] == 6432
    assert loaded.database["NAME"] == "masthead"
    assert loaded.database["CONN_MAX_AGE"] == 60


def test_redis_url_is_read_and_checked():
    loaded = config.load({"DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/2"}, base_dir=BASE)
    assert loaded.redis_url == "redis://127.0.0.1:6379/2"
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        config.load({"DEBUG": "1", "REDIS_URL": "127.0.0.1:6379"}, base_dir=BASE)


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_an_unreadable_boolean_is_an_error_not_a_guess(value):
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        config.load({"DEBUG": value}, base_dir=BASE)


def test_a_malformed_database_url_is_a_clear_error():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        config.load({"DEBUG": "1", "DATABASE_URL": "nosuchscheme://x"}, base_dir=BASE)


def settings_under(env: dict) -> dict:
    """Import masthead.settings in a fresh interpreter under ``env``; a few values back."""
    import json
    import subprocess
    import sys

    code = (
        "import json, masthead.settings as s;"
        "print(json.dumps({'session': s.SESSION_ENGINE, 'cache': s.CACHES['default']['BACKEND']}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    output = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DEBUG": "true", **env},
        cwd=Path(__file__).resolve().parents[1],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_the_cache_is_always_shared_between_workers():
    """Redis when configured, else the database: never memory of one process,
    in which rate limits would count once per worker."""
    alone = settings_under({})
    assert alone["cache"].endswith("DatabaseCache")
    assert alone["session"] == "django.contrib.sessions.backends.db"

    shared = settings_under({"REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert shared["cache"].endswith("RedisCache")
    assert shared["session"] == "django.contrib.sessions.backends.cached_db"


def test_production_is_https_only_with_hsts_unless_told_otherwise():
    production = config.load({"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "x.example"}, base_dir=BASE)
    assert production.https and production.hsts_seconds == 31536000
    assert production.hsts_include_subdomains and not production.hsts_preload
    demo = config.load({"DEBUG": "true"}, base_dir=BASE)
    assert not demo.https and demo.hsts_seconds == 0
    plain = config.load(
        {"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "x", "HTTPS": "false"}, base_dir=BASE
    )
    assert not plain.https and plain.hsts_seconds == 0
    with pytest.raises(ImproperlyConfigured, match="HSTS_SECONDS"):
        config.load({"DEBUG": "true", "HSTS_SECONDS": "a year"}, base_dir=BASE)


def test_smtp_settings_come_from_the_environment():
    email = config.load(
        {
            "DEBUG": "true",
            "EMAIL_HOST": "smtp.example.org",
            "EMAIL_USE_TLS": "true",
            "EMAIL_HOST_USER": "news",
            "EMAIL_HOST_PASSWORD": "s3cret",
            "DEFAULT_FROM_EMAIL": "Ridgeline <news@example.org>",
        },
        base_dir=BASE,
    ).email
    assert (email["host"], email["port"], email["use_tls"]) == ("smtp.example.org", 587, True)
    assert email["from"] == "Ridgeline <news@example.org>"
    with pytest.raises(ImproperlyConfigured, match="not both"):
        config.load({"DEBUG": "1", "EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, base_dir=BASE)
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT"):
        config.load({"DEBUG": "1", "EMAIL_PORT": "smtp"}, base_dir=BASE)


def test_check_deploy_is_clean_with_production_settings_and_stripe():
    """`manage.py check --deploy` with what a real deployment sets: no warnings."""
    import subprocess
    import sys

    leave_out = {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "HTTPS", "EMAIL_BACKEND"}
    leave_out |= {"DJANGO_ALLOW_ASYNC_UNSAFE"}  # set for the browser tests; a warning here
    clean = {k: v for k, v in os.environ.items() if k not in leave_out}
    production = {
        "DEBUG": "false",
        "SECRET_KEY": "production-like-" + "q7" * 30,
        "ALLOWED_HOSTS": "news.example.org",
        "PAYMENT_PROVIDERS": "stripe",
        "STRIPE_SECRET_KEY": "sk_live_example",
        "STRIPE_WEBHOOK_SECRET": "whsec_example",
    }
    root = Path(__file__).resolve().parents[1]
    manage = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    ok = subprocess.run(
        manage, env={**clean, **production}, cwd=root, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "no issues" in ok.stdout

    unsigned = {**production, "STRIPE_WEBHOOK_SECRET": ""}
    bad = subprocess.run(
        manage, env={**clean, **unsigned}, cwd=root, capture_output=True, text=True
    )
    assert bad.returncode != 0 and "masthead.billing.E003" in bad.stderr


def test_uploaded_media_stay_on_local_disk_unless_s3_is_chosen():
    local = config.load({"DEBUG": "1"}, base_dir=BASE)
    assert local.media_storage == {"BACKEND": "django.core.files.storage.FileSystemStorage"}

    s3 = config.load(
        {
            "DEBUG": "1",
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": "ridgeline-media",
            "S3_ENDPOINT_URL": "https://minio.internal:9000",
            "S3_ACCESS_KEY_ID": "key",
            "S3_SECRET_ACCESS_KEY": "secret",
        },
        base_dir=BASE,
    ).media_storage
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3["OPTIONS"]
    assert options["bucket_name"] == "ridgeline-media"
    assert options["endpoint_url"] == "https://minio.internal:9000"
    assert options["querystring_auth"] is True and options["file_overwrite"] is False


def test_s3_needs_a_bucket_and_storage_a_known_name():
    with pytest.raises(ImproperlyConfigured, match="S3_BUCKET"):
        config.load({"DEBUG": "1", "MEDIA_STORAGE": "s3"}, base_dir=BASE)
    with pytest.raises(ImproperlyConfigured, match="MEDIA_STORAGE"):
        config.load({"DEBUG": "1", "MEDIA_STORAGE": "ftp"}, base_dir=BASE)


def test_the_public_policy_allows_the_sites_own_files_and_what_the_publisher_names():
    policy = config.load({"DEBUG": "1"}, base_dir=BASE).csp
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'self'"]
    assert "https://checkout.stripe.com" in policy["form-action"]

    opened = config.load(
        {
            "DEBUG": "1",
            "CSP_SCRIPT_SOURCES": "https://ads.example",
            "CSP_IMG_SOURCES": "https://pixels.example",
            "CSP_FRAME_SOURCES": "https://video.example",
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": "b",
            "S3_CUSTOM_DOMAIN": "media.ridgeline.example",
        },
        base_dir=BASE,
    ).csp
    assert opened["script-src"] == ["'self'", "https://ads.example"]
    assert opened["img-src"] == [
        "'self'",
        "data:",
        "https://media.ridgeline.example",
        "https://pixels.example",
    ]
    assert opened["frame-src"] == ["https://video.example"]
