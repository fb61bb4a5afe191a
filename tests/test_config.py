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
    assert alone["session"] == "masthead.members.session_store"

    shared = settings_under({"REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert shared["cache"].endswith("RedisCache")
    assert shared["session"] == "masthead.members.session_store"


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


def test_a_provider_is_one_setting_and_its_webhook_needs_its_secret():
    production = {"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "x"}
    postmark = config.load(
        {**production, "EMAIL_PROVIDER": "Postmark", "ANYMAIL_POSTMARK_SERVER_TOKEN": "tok"},
        base_dir=BASE,
    ).email
    assert postmark["backend"] == "anymail.backends.postmark.EmailBackend"
    assert postmark["anymail"] == {"POSTMARK_SERVER_TOKEN": "tok"}
    # No secret, no webhook: an unchecked one would let anyone suppress readers.
    assert postmark["webhooks"] == []
    hooked = config.load(
        {**production, "EMAIL_PROVIDER": "postmark", "ANYMAIL_WEBHOOK_SECRET": "pm:long-secret"},
        base_dir=BASE,
    ).email
    assert hooked["webhooks"] == ["postmark"]
    with pytest.raises(ImproperlyConfigured, match="user:password") as caught:
        config.load(
            {**production, "EMAIL_PROVIDER": "postmark", "ANYMAIL_WEBHOOK_SECRET": "hunter2"},
            base_dir=BASE,
        )
    assert "hunter2" not in str(caught.value)
    with pytest.raises(ImproperlyConfigured, match="ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY"):
        config.load(
            {**production, "EMAIL_PROVIDER": "mailgun", "ANYMAIL_WEBHOOK_SECRET": "a:b"},
            base_dir=BASE,
        )
    smtp = config.load({**production, "EMAIL_PROVIDER": "smtp"}, base_dir=BASE).email
    assert smtp["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    demo_smtp = config.load({"DEBUG": "true", "EMAIL_PROVIDER": "smtp"}, base_dir=BASE).email
    assert demo_smtp["backend"] == "django.core.mail.backends.smtp.EmailBackend"


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
        "BASE_URL": "https://news.example.org",
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

    no_address = {k: v for k, v in production.items() if k != "BASE_URL"}
    warned = subprocess.run(
        manage, env={**clean, **no_address}, cwd=root, capture_output=True, text=True
    )
    assert warned.returncode != 0 and "masthead.W010" in warned.stderr


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


# Every bad value names the variable and the value ---------------------------------

DEMO = {"DEBUG": "true"}


@pytest.mark.parametrize(
    ("name", "value", "also_said"),
    [
        ("DEBUG", "yes-please", "true/false"),
        ("SERVE_MEDIA", "sometimes", "true/false"),
        ("HTTPS", "2", "true/false"),
        ("HSTS_PRELOAD", "y", "true/false"),
        ("HSTS_INCLUDE_SUBDOMAINS", "nope", "true/false"),
        ("EMAIL_USE_TLS", "starttls", "true/false"),
        ("LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION", "please", "true/false"),
        ("PAST_DUE_GRACE_HOURS", "abc", "whole number"),
        ("PAST_DUE_GRACE_HOURS", "-5", "whole number"),
        ("PAST_DUE_GRACE_HOURS", "72.5", "whole number"),
        ("HSTS_SECONDS", "a year", "whole number"),
        ("EMAIL_PORT", "70000", "whole number from 1 to 65535"),
        ("API_RATE_LIMIT_PER_KEY", "0", "whole number"),
        ("SESSION_LIFETIME", "forever", "whole number"),
        ("PAYMENT_PROVIDERS", "strpe", "local, stripe"),
        ("PAYMENT_PROVIDERS", "stripe,paypal", "local, stripe"),
        ("PAYMENT_PROVIDERS", " , ", "local, stripe"),
        ("STRIPE_SECRET_KEY", "pk_live_published", "sk_"),
        ("STRIPE_WEBHOOK_SECRET", "sk_live_wrong_one", "whsec_"),
        ("EMAIL_VERIFICATION", "sometimes", "mandatory, optional, none"),
        ("LOG_FORMAT", "xml", "json, text"),
        ("LOG_LEVEL", "loud", "debug, info, warning"),
        ("METER_STORE", "memcached", "redis, database"),
        ("MEDIA_STORAGE", "ftp", "local, s3"),
        ("EMAIL_BACKEND", "smtp please", "dotted Python path"),
        ("EMAIL_PROVIDER", "carrier-pigeon", "amazon_ses, brevo"),
        ("TIME_ZONE", "Mars/Olympus_Mons", "time zone"),
        ("BASE_URL", "news.example.org", "http:// or https://"),
        ("BASE_URL", "ftp://news.example.org", "http:// or https://"),
        ("BASE_URL", "https://news.example.org/news/", "scheme, host and port only"),
        ("BASE_URL", "https://news.example.org:https", "not a URL"),
        ("BASE_URL", "https://", "with a host"),
        ("ALLOWED_HOSTS", "https://news.example.org", "host names"),
        ("ALLOWED_HOSTS", "news.example.org:8000", "no scheme or port"),
        ("DEFAULT_FROM_EMAIL", "Ridgeline newsroom", "address like"),
        ("TRUSTED_PROXIES", "the-proxy", "address or network"),
        ("REDIS_URL", "127.0.0.1:6379", "redis://"),
        ("DATABASE_URL", "nosuchscheme://x", "database URL"),
        ("CSP_SCRIPT_SOURCES", "https://ads.example; script-src *", "source"),
        ("CSP_REPORT_URI", "javascript:alert(1)", "http:// or https://"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_variable_and_the_value(name, value, also_said):
    with pytest.raises(ImproperlyConfigured) as caught:
        config.load({**DEMO, name: value}, base_dir=BASE)
    message = str(caught.value)
    # Secrets are shown by their first characters only (enough to tell a
    # publishable key from a secret one).
    shown = value[:3] if name.startswith("STRIPE_") else value
    assert name in message and repr(shown) in message
    assert also_said in message


def test_an_unknown_payment_provider_is_named_with_the_known_ones():
    with pytest.raises(ImproperlyConfigured) as caught:
        config.load({**DEMO, "PAYMENT_PROVIDERS": "stripe,strpe"}, base_dir=BASE)
    assert str(caught.value) == (
        "PAYMENT_PROVIDERS='stripe,strpe': unknown 'strpe'; the known ones are local, stripe"
    )


def test_the_known_payment_providers_are_the_ones_billing_can_make():
    """config's list and billing's providers are the same names."""
    from pathlib import Path

    providers = (Path(config.__file__).parent / "billing" / "providers.py").read_text()
    for name in config.PAYMENT_PROVIDER_NAMES:
        assert f'"{name}":' in providers


def test_secrets_and_passwords_are_never_repeated_in_full():
    with pytest.raises(ImproperlyConfigured) as caught:
        config.load({**DEMO, "STRIPE_SECRET_KEY": "pk_live_abcdef123456"}, base_dir=BASE)
    assert "abcdef123456" not in str(caught.value) and "'pk_'" in str(caught.value)
    with pytest.raises(ImproperlyConfigured) as caught:
        config.load({**DEMO, "DATABASE_URL": "nosuch://ed:hunter2@db/x"}, base_dir=BASE)
    assert "hunter2" not in str(caught.value) and "ed:***@db" in str(caught.value)
    with pytest.raises(ImproperlyConfigured) as caught:
        config.load({**DEMO, "REDIS_URL": "http://:hunter2@cache:6379"}, base_dir=BASE)
    assert "hunter2" not in str(caught.value)
    with pytest.raises(ImproperlyConfigured) as caught:
        config.load({**DEMO, "BASE_URL": "https://ed:p@ss/w@news.example.org"}, base_dir=BASE)
    assert "p@ss" not in str(caught.value) and "ss/w" not in str(caught.value)


def test_the_defaults_of_the_settings_read_from_the_environment_are_unchanged():
    demo = config.load(DEMO, base_dir=BASE)
    # The demo writes each message to a file of its own (and says so).
    assert demo.email["backend"] == "masthead.newsletters.mailfiles.EmailBackend"
    assert demo.email["file_path"] == str(BASE / "var" / "mail")
    assert (demo.email["provider"], demo.email["webhooks"]) == ("smtp", [])
    assert (demo.log_format, demo.log_level) == ("text", "INFO")
    assert demo.email_verification == "mandatory"
    assert demo.billing == {
        "providers": ["local"],
        "local_without_payment_in_production": False,
        "stripe_secret_key": "",
        "stripe_webhook_secret": "",
        "past_due_grace_hours": 72,
    }
    assert demo.ad_slot_html == '<div class="ad-slot__placeholder">Advertisement</div>'
    assert demo.base_url == "http://127.0.0.1:8000"
    assert demo.time_zone == "UTC"

    production = config.load({"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "x"}, base_dir=BASE)
    assert production.email["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert production.log_format == "json"


def test_values_read_from_the_environment_are_used():
    loaded = config.load(
        {
            **DEMO,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_FORMAT": "JSON",
            "LOG_LEVEL": "warning",
            "EMAIL_VERIFICATION": "optional",
            "PAYMENT_PROVIDERS": "Stripe, local, stripe",
            "STRIPE_SECRET_KEY": "sk_test_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_y",
            "PAST_DUE_GRACE_HOURS": "0",
            "LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION": "on",
            "AD_SLOT_HTML": "",
            "TIME_ZONE": "Europe/Vienna",
            "HSTS_SECONDS": "63072000",
            "CSP_REPORT_URI": "/csp-reports/",
        },
        base_dir=BASE,
    )
    assert loaded.email["backend"] == "django.core.mail.backends.locmem.EmailBackend"
    assert (loaded.log_format, loaded.log_level) == ("json", "WARNING")
    assert loaded.email_verification == "optional"
    assert loaded.billing["providers"] == ["stripe", "local"]  # in order, once each
    assert loaded.billing["stripe_secret_key"] == "sk_test_x"
    assert loaded.billing["stripe_webhook_secret"] == "whsec_y"
    assert loaded.billing["past_due_grace_hours"] == 0
    assert loaded.billing["local_without_payment_in_production"] is True
    assert loaded.ad_slot_html == ""  # set but empty: no ads
    assert loaded.time_zone == "Europe/Vienna"
    assert loaded.hsts_seconds == 63072000
    assert loaded.csp["report-uri"] == ["/csp-reports/"]


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("https://news.example.org", "https://news.example.org"),
        ("https://News.Example.org/", "https://news.example.org"),
        ("https://news.example.org:443", "https://news.example.org"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("http://localhost:80/", "http://localhost"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_base_url_is_the_sites_address(given, used):
    assert config.load({**DEMO, "BASE_URL": given}, base_dir=BASE).base_url == used


def test_settings_take_the_environment_through_config():
    """settings.py reads the environment through config.load alone (one
    exception left: ACCOUNT_EMAIL_VERIFICATION, which config checks first)."""
    import re

    source = (Path(config.__file__).parent / "settings.py").read_text()
    reads = re.findall(r"os\.environ\.get\(\s*\"(\w+)\"|getenv\(", source)
    assert set(reads) <= {"EMAIL_VERIFICATION"}
    assert "config.load(os.environ" in source


def test_a_bad_value_stops_manage_py_with_the_variable_named():
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**clean, "DEBUG": "true", "PAYMENT_PROVIDERS": "strpe"},
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "PAYMENT_PROVIDERS='strpe': unknown 'strpe'" in result.stderr
