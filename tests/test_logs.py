"""Request ids and JSON log lines."""

import ipaddress
import json
import logging

import pytest
from django.utils import timezone

from masthead.logs import JsonFormatter, request_id
from masthead.members import lifecycle
from masthead.members.models import Plan, Subscription
from tests import factories
from tests.paywall.helpers import gated_article


def test_every_response_carries_a_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_request_id_is_taken_only_from_a_trusted_proxy(client, settings):
    settings.MASTHEAD_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    theirs = client.get("/healthz", HTTP_X_REQUEST_ID="abc12345-proxy")["X-Request-ID"]
    assert theirs != "abc12345-proxy"  # the test client is 127.0.0.1: not a proxy of ours
    proxied = client.get("/healthz", HTTP_X_REQUEST_ID="abc12345-proxy", REMOTE_ADDR="10.1.2.3")
    assert proxied["X-Request-ID"] == "abc12345-proxy"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="<script>", REMOTE_ADDR="10.1.2.3")
    assert forged["X-Request-ID"] != "<script>"


def test_json_lines_carry_the_request_id_and_the_extra_fields():
    token = request_id.set("rid-1234")
    try:
        record = logging.getLogger("masthead.subscriptions").makeRecord(
            "masthead.subscriptions",
            logging.INFO,
            __file__,
            1,
            "subscription %s: %s -> %s",
            (7, "active", "past_due"),
            None,
            extra={"subscription": 7, "cause": "Stripe invoice.payment_failed"},
        )
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert line["message"] == "subscription 7: active -> past_due"
    assert line["request_id"] == "rid-1234" and line["level"] == "INFO"
    assert line["subscription"] == 7 and line["cause"] == "Stripe invoice.payment_failed"


@pytest.mark.django_db
def test_a_paywall_decision_is_logged_with_the_request_id(client, home, caplog):
    section = factories.section(home, "World")
    article = gated_article(section, 1)
    with caplog.at_level(logging.INFO, logger="masthead.paywall"):
        response = client.get(article.url)
    decisions = [r for r in caplog.records if r.name == "masthead.paywall"]
    assert len(decisions) == 1
    record = decisions[0]
    assert record.request_id == response["X-Request-ID"]
    assert (record.article, record.access, record.reader) == (article.pk, "metered", "anonymous")
    assert record.full_text is True and record.reason


@pytest.mark.django_db(transaction=True)
def test_a_subscription_change_is_logged_once_it_has_committed(caplog):
    reader = factories.reader("logged@example.com")
    plan = Plan.objects.create(name="Monthly", slug="monthly", price_minor=200, interval="month")
    now = timezone.now()
    with caplog.at_level(logging.INFO, logger="masthead.subscriptions"):
        sub = lifecycle.start(reader, plan, provider="local", now=now, trial=False, cause="paid")
        lifecycle.change(sub, Subscription.PAST_DUE, cause="card declined", at=now)
    lines = [(r.from_status, r.to_status, r.cause) for r in caplog.records]
    assert lines == [("", "active", "paid"), ("active", "past_due", "card declined")]
    assert all(r.subscription == sub.pk and r.user == reader.pk for r in caplog.records)


def production_log():
    """A handler that formats as production does (JSON, request ids, masking)."""
    import io

    from masthead.logs import RequestIdFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    return stream, handler


@pytest.mark.django_db
def test_no_secret_from_a_path_or_query_reaches_the_log(home, settings):
    """Every route whose pattern names a secret (a feed token, a reset key) is
    requested with a recognisable one, signed in and not; the log, whoever
    wrote each line, never holds it, and every line has its request id."""
    from django.test import Client

    from masthead.logs import SECRET_NAMES
    from tests.security.routes import Samples, addresses, all_routes

    secret = "SeCrEt0Token0Value0XyZ"
    routes = [
        route
        for route in all_routes()
        if any(
            set(segment.regex.groupindex) & SECRET_NAMES
            for segment in route.segments
            if hasattr(segment, "regex")
        )
    ]
    assert {"private", "account_reset_password_from_key"} <= {r.label for r in routes}
    samples = Samples(by_name={name: [secret, "424242"] for name in SECRET_NAMES}, most=2)
    paths = [path for _, path in addresses(samples, routes)]
    paths += [
        f"/billing/stripe/return/?session_id={secret}&next=/",
        f"/accounts/login/code/confirm/?code={secret}",
        f"/no/such/page/?token={secret}",
    ]
    settings.MASTHEAD_STRIPE_SECRET_KEY = ""
    stream, handler = production_log()
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    try:
        signed_in = Client(raise_request_exception=False)
        signed_in.force_login(factories.reader("logged-in@example.com"))
        for client in (Client(raise_request_exception=False), signed_in):
            for path in paths:
                client.get(path)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) >= len(paths)
    assert [line for line in lines if secret.lower() in json.dumps(line).lower()] == []
    assert [line for line in lines if line["request_id"] == "-"] == []


def test_runserver_and_gunicorn_access_lines_are_masked_too(settings):
    """Lines outside Django's request handling: runserver's own access line
    (``django.server``) and gunicorn's access log, when it is switched on."""
    import datetime as dt
    import types

    from gunicorn.config import Config

    from masthead.access_log import RedactingLogger

    secret = "SeCrEt0Token0Value0XyZ"
    django_logger = logging.getLogger("django")
    assert all(
        getattr(h, "formatter", None) is None or "masthead" in type(h.formatter).__module__
        for h in django_logger.handlers
    )
    from django.utils.log import ServerFormatter

    from masthead.logs import TextFormatter

    handlers = logging.getLogger("django.server").handlers
    assert not [h for h in handlers if isinstance(h.formatter, ServerFormatter)]
    server = next(h for h in handlers if isinstance(h.formatter, TextFormatter))
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"GET /feed/private/%s/ HTTP/1.1" 200 5',
        (secret,),
        None,
    )
    assert secret not in server.format(record)

    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/feed/private/{secret}/?token={secret}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": f"/feed/private/{secret}/",
        "QUERY_STRING": f"token={secret}",
        "HTTP_REFERER": f"https://example.com/feed/private/{secret}/",
    }
    response = types.SimpleNamespace(status="200 OK", sent=5, headers=[])
    request = types.SimpleNamespace(headers=[("REFERER", f"/feed/private/{secret}/")])
    atoms = logger.atoms(response, request, environ, dt.timedelta(seconds=0))
    assert [key for key, value in atoms.items() if secret in str(value)] == []
    assert atoms["r"].startswith("GET /feed/private/")
