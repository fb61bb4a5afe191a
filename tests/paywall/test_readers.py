"""Reader identification: accounts, verified crawlers, signed visitor cookies, client IPs."""

import ipaddress

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.utils import timezone

from masthead.members.entitlements import is_entitled
from masthead.members.models import ComplimentaryAccess
from masthead.paywall import crawlers, readers
from masthead.paywall.policy import ReaderStatus
from tests.paywall.fakes import FakeResolver, google_crawler_dns

FAKE_RESOLVER = "tests.paywall.fakes.FakeResolver"
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture(autouse=True)
def fake_dns(settings):
    settings.MASTHEAD_CRAWLER_RESOLVER = FAKE_RESOLVER
    crawlers.get_resolver.cache_clear()
    cache.clear()
    google_crawler_dns()
    yield
    crawlers.get_resolver.cache_clear()


def request_from(ip="198.51.100.7", user=None, cookies=None, **headers):
    request = RequestFactory().get("/world/story/", REMOTE_ADDR=ip, **headers)
    request.user = user or AnonymousUser()
    request.COOKIES.update(cookies or {})
    return request


def test_a_new_visitor_gets_a_fresh_id_and_a_cookie():
    reader = readers.identify(request_from())

    assert reader.status == ReaderStatus.ANONYMOUS
    assert reader.new_visitor and len(reader.visitor_id) >= 20
    assert reader.meter_key == f"v:{reader.visitor_id}"


def test_a_returning_visitor_is_recognised_by_the_signed_cookie():
    response = HttpResponse()
    first = readers.identify(request_from())
    readers.remember_visitor(response, first)
    morsel = response.cookies["mh_visitor"]

    again = readers.identify(request_from(cookies={"mh_visitor": morsel.value}))

    assert again.visitor_id == first.visitor_id and not again.new_visitor
    assert morsel["httponly"] and morsel["samesite"] == "Lax"


def test_a_cookie_verified_before_is_known_and_a_tampered_copy_still_refused():
    response = HttpResponse()
    readers.remember_visitor(response, readers.identify(request_from()))
    signed = response.cookies["mh_visitor"].value
    first = readers.identify(request_from(cookies={"mh_visitor": signed}))
    again = readers.identify(request_from(cookies={"mh_visitor": signed}))  # from the memo
    assert first.visitor_id == again.visitor_id and not again.new_visitor
    assert readers.verified_visitors.get(signed) == first.visitor_id

    value, _, signature = signed.rpartition(":")
    changed = "B" if signature.endswith("A") else "A"
    for tampered in (f"{value}:{signature[:-1]}{changed}", f"x{signed}", f"{signed} "):
        reader = readers.identify(request_from(cookies={"mh_visitor": tampered}))
        assert reader.new_visitor and reader.visitor_id != first.visitor_id
        assert readers.verified_visitors.get(tampered) is None


@pytest.mark.parametrize(
    "forged",
    ["someone-elses-id", "abc:def", "", "x" * 4000, "subscriber", "Z29vZA:1tX:bad-signature"],
)
def test_a_forged_or_tampered_cookie_is_a_new_visitor_never_a_subscriber(forged):
    reader = readers.identify(request_from(cookies={"mh_visitor": forged}))

    assert reader.status == ReaderStatus.ANONYMOUS
    assert reader.new_visitor
    assert reader.visitor_id != forged


def test_cookie_is_secure_when_sessions_are(settings):
    settings.SESSION_COOKIE_SECURE = True
    response = HttpResponse()
    readers.remember_visitor(response, readers.identify(request_from()))

    assert response.cookies["mh_visitor"]["secure"]


@pytest.mark.django_db
def test_a_signed_in_reader_without_access_is_registered(django_user_model):
    user = django_user_model.objects.create_user("reader", "reader@example.com", "pw")

    reader = readers.identify(request_from(user=user))

    assert reader.status == ReaderStatus.REGISTERED and reader.meter_key == f"u:{user.pk}"


@pytest.mark.django_db
def test_complimentary_access_makes_a_subscriber_until_it_ends(django_user_model):
    user = django_user_model.objects.create_user("comp", "comp@example.com", "pw")
    grant = ComplimentaryAccess.objects.create(user=user, reason="Contributor")

    assert readers.identify(request_from(user=user)).status == ReaderStatus.SUBSCRIBER

    grant.ends_at = timezone.now()
    grant.save()
    assert not is_entitled(user)
    assert readers.identify(request_from(user=user)).status == ReaderStatus.REGISTERED


@pytest.mark.django_db
def test_staff_read_everything(django_user_model):
    editor = django_user_model.objects.create_user("ed", "ed@example.com", "pw", is_staff=True)

    assert readers.identify(request_from(user=editor)).status == ReaderStatus.SUBSCRIBER


def test_googlebot_from_googles_address_is_a_verified_crawler():
    reader = readers.identify(request_from("66.249.66.1", HTTP_USER_AGENT=GOOGLEBOT_UA))

    assert reader.status == ReaderStatus.CRAWLER and reader.crawler == "Googlebot"


@pytest.mark.parametrize(
    "ip, why",
    [
        ("198.51.100.7", "no reverse DNS"),
        ("203.0.113.9", "reverse DNS outside Google's domains"),
        ("203.0.113.10", "a googlebot.com lookalike suffix"),
        ("203.0.113.11", "forward DNS does not come back to the address"),
    ],
)
def test_a_crawler_user_agent_alone_is_an_ordinary_visitor(ip, why):
    reader = readers.identify(request_from(ip, HTTP_USER_AGENT=GOOGLEBOT_UA))

    assert reader.status == ReaderStatus.ANONYMOUS, why


def test_crawler_verification_is_cached():
    for _ in range(3):
        readers.identify(request_from("66.249.66.1", HTTP_USER_AGENT=GOOGLEBOT_UA))

    assert FakeResolver.questions == [
        ("reverse", "66.249.66.1"),
        ("forward", "crawl-66-249-66-1.googlebot.com"),
    ]


PROXIES = [ipaddress.ip_network("10.0.0.0/8")]


@pytest.mark.parametrize(
    "trusted, remote, forwarded, client",
    [
        ([], "198.51.100.7", "66.249.66.1", "198.51.100.7"),  # no proxy trusted: header ignored
        (PROXIES, "198.51.100.7", "66.249.66.1", "198.51.100.7"),  # not from our proxy
        (PROXIES, "10.0.0.5", "198.51.100.7", "198.51.100.7"),  # our proxy, one hop
        # The client prepended a fake address; our proxy appended the real one.
        (PROXIES, "10.0.0.5", "66.249.66.1, 198.51.100.7", "198.51.100.7"),
        (PROXIES, "10.0.0.5", "198.51.100.7, 10.0.0.9", "198.51.100.7"),  # two of our proxies
        (PROXIES, "10.0.0.5", "not-an-ip", "10.0.0.5"),
        (PROXIES, "10.0.0.5", "", "10.0.0.5"),
    ],
)
def test_client_ip_believes_forwarded_for_only_from_trusted_proxies(
    settings, trusted, remote, forwarded, client
):
    settings.MASTHEAD_TRUSTED_PROXIES = trusted
    request = request_from(remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert readers.client_ip(request) == client


@override_settings(MASTHEAD_TRUSTED_PROXIES=PROXIES)
def test_spoofed_forwarded_for_cannot_borrow_a_crawlers_address():
    request = request_from(
        "10.0.0.5", HTTP_USER_AGENT=GOOGLEBOT_UA, HTTP_X_FORWARDED_FOR="66.249.66.1, 198.51.100.7"
    )

    assert readers.identify(request).status == ReaderStatus.ANONYMOUS
