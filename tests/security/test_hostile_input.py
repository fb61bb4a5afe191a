"""Hostile input is a clear 4xx, never a 500.

Every public route the resolver knows is fed generated values — quotes and
query operators, NUL and control characters, CR/LF, integers past 64 bits,
malformed URLs, Unicode digits, very long strings — in its path segments, its
query string, the fields of a GET and a POST, and the headers a client
controls (Host, X-Forwarded-*, Referer, cookies), by a stranger and by a
signed-in reader. The suite fails on any 5xx. Routes come from the resolver
(``tests/security/routes.py``), so a new one is fuzzed without being listed.

``HYPOTHESIS_PROFILE=ci`` (set by CI) tries more examples per route.
"""

from __future__ import annotations

import os
import re
from itertools import product

import pytest
from django.http import QueryDict
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from masthead.members.models import ComplimentaryAccess, Plan
from tests import factories
from tests.conftest import fresh
from tests.paywall.helpers import gated_article
from tests.security.routes import Route, Samples, _resolves_to, all_routes

pytestmark = pytest.mark.django_db

settings.register_profile("quick", max_examples=15, deadline=None)
settings.register_profile("ci", max_examples=60, deadline=None)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or (
    "ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "quick"
)

HOSTILE = [
    '"',
    "'",
    '"drone" + "x"',
    "drone*",
    "NEAR(a b)",
    "a OR b",
    "-",
    "^",
    "\x00",
    "\x01\x1f\x7f",
    "\r\n",
    "a\r\nSet-Cookie: taken=1",
    "%",
    "%00",
    "%0d%0a",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "http://[::1",
    "http://[::1]:99999/",
    "http://",
    "//evil.example/",
    "https://evil.example/?next=/",
    "javascript:alert(1)",
    "/world/?q=1&next=//evil.example",
    str(2**63),
    str(2**64),
    "9" * 40,
    "-1",
    "0",
    "00001",
    "²",
    "١٢٣",
    "𝟙",
    "1e10",
    "1.5",
    "NaN",
    "x" * 10_000,
    "\u202e",
    "🙂",
    "' OR 1=1 --",
    "\\",
    "&",
    "=",
    "#",
    " ",
]
# One value of each kind, for the sweep every field and placeholder gets; the
# generated part below draws from all of HOSTILE and beyond.
SWEEP = [
    '"drone" + "x"*',
    "\x00\x01",
    "a\r\nSet-Cookie: taken=1",
    "%0d%0a",
    "http://[::1",
    "//evil.example/",
    str(2**64),
    "9" * 40,
    "0",
    "00001",
    "-1",
    "²",
    "١٢٣",
    "x" * 10_000,
    "🙂\u202e",
    "' OR 1=1 --",
    "",
]
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
PARAMETER_NAMES = [
    "page",
    "q",
    "next",
    "url",
    "format",
    "trial",
    "plan",
    "action",
    "text",
    "parent",
    "token",
    "reason",
    "section",
    "author",
    "tag",
    "since",
    "until",
    "page_size",
    "session_id",
    "login",
    "email",
    "code",
    "csrfmiddlewaretoken",
]
parameters = st.dictionaries(
    st.one_of(st.sampled_from(PARAMETER_NAMES), st.text(min_size=1, max_size=12)),
    values,
    max_size=4,
)


def as_wsgi_sees_it(value: str) -> str:
    """A header value as a WSGI server hands it to Django: bytes read as
    latin-1, never a line break or NUL (the server refuses those itself)."""
    raw = value.encode("utf-8")
    for forbidden in (b"\r", b"\n", b"\x00"):
        raw = raw.replace(forbidden, b"")
    return raw.decode("latin-1")


HEADERS = {
    "HTTP_HOST": st.one_of(st.just("testserver"), values),
    "HTTP_X_FORWARDED_FOR": values,
    "HTTP_X_FORWARDED_PROTO": values,
    "HTTP_X_FORWARDED_HOST": values,
    "HTTP_REFERER": values,
    "HTTP_USER_AGENT": values,
    "HTTP_COOKIE": values.map(lambda v: f"mh_visitor={v}; sessionid={v}; csrftoken={v}"),
}
headers = st.fixed_dictionaries(
    {}, optional={name: strategy.map(as_wsgi_sees_it) for name, strategy in HEADERS.items()}
)

RAISE = bool(os.environ.get("FUZZ_RAISE"))
PUBLIC_ROUTES = [route for route in all_routes() if not route.admin]


def segment_values(regex: str, real: list[str]):
    """Values for one path placeholder that still match it: real ids and slugs,
    hostile ones that fit, and whatever else the pattern admits."""
    fits = [value for value in HOSTILE + SWEEP if re.fullmatch(regex, value)]
    return st.one_of(st.sampled_from(real + fits), st.from_regex(regex, fullmatch=True))


def addresses_for(route: Route, real: dict):
    """A strategy of paths that resolve to ``route``."""
    if route.name == "wagtail_serve":
        return st.one_of(
            st.sampled_from(real["pages"]),
            st.from_regex(r"((?:[\w\-]+/)*)", fullmatch=True).map(lambda p: "/" + p),
        )
    pieces = []
    for segment in route.segments:
        pattern = segment
        route_text = getattr(pattern, "_route", None)
        if route_text is None:  # a regular expression
            pieces.append(
                st.from_regex(str(pattern).lstrip("^").rstrip("$"), fullmatch=True).filter(
                    lambda p: "\n" not in p
                )
            )
            continue
        parts = re.split(r"<(?:([^>:]+):)?(\w+)>", route_text)
        strategies = [st.just(parts[0])]
        for converter, name, text in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
            regex = pattern.converters[name].regex
            kind = Samples.ALIASES.get(converter, converter) or "str"
            strategies.append(segment_values(regex, real.get(kind, [])))
            strategies.append(st.just(text))
        pieces.append(st.tuples(*strategies).map("".join))
    return st.tuples(*pieces).map(lambda parts: "/" + "".join(parts))


@pytest.fixture(scope="module")
def made(module_db):
    """The publication every route is attacked on, made once for the module:
    each test's requests change it only inside that test's own transaction."""
    with module_db():
        return make_world(factories.site())


@pytest.fixture
def world(db, made):
    return fresh(made)


def make_world(home):
    section = factories.section(home, "World")
    author = factories.author(factories.authors_index(home), "Dana Field")
    article = gated_article(section, 1, authors=[author], tags=["drones"])
    gated_article(section, 2, authors=[author], access="subscribers")
    Plan.objects.create(
        name="Weekly", slug="weekly", price_minor=50, interval="week", trial_days=14
    )
    subscriber = factories.reader("subscriber@example.com")
    ComplimentaryAccess.objects.create(user=subscriber, reason="test")
    from masthead.discussion.models import Comment

    comment = Comment.objects.create(
        article=article, user=subscriber, text="A view.", token="seed000000000001"
    )
    return {
        "int": [str(article.pk), str(comment.pk)],
        "slug": ["world", "dana-field", "drones", "weekly"],
        "str": ["world"],
        "pages": ["/", section.url, article.url, author.url],
        "reader": factories.reader("reader@example.com"),
        "subscriber": subscriber,
    }


class Recorder:
    """Which query and form fields a view reads, found by watching QueryDict."""

    def __init__(self):
        self.names: set[str] = set()

    def __enter__(self):
        recorder, originals = self, {}
        for method in ("get", "getlist", "__getitem__", "__contains__"):
            original = getattr(QueryDict, method)
            originals[method] = original

            def watched(self, key, *args, _original=original, **kwargs):
                if isinstance(key, str):
                    recorder.names.add(key)
                return _original(self, key, *args, **kwargs)

            setattr(QueryDict, method, watched)
        self.originals = originals
        return self

    def __exit__(self, *exc):
        for method, original in self.originals.items():
            setattr(QueryDict, method, original)


def fields_read(clients, paths) -> dict[tuple[str, str], list[str]]:
    """The field names the route's view reads, per reader and method."""
    found = {}
    for who, method in product(clients, ("get", "post")):
        with Recorder() as recorder:
            for path in paths:
                getattr(clients[who], method)(path, {})
        names = sorted(recorder.names - {"csrfmiddlewaretoken"})
        if names:
            found[who, method] = names
    return found


def readers(world) -> dict[str, Client]:
    clients = {"stranger": Client(raise_request_exception=RAISE)}
    for who in ("reader", "subscriber"):
        clients[who] = Client(raise_request_exception=RAISE)
        clients[who].force_login(world[who])
    return clients


def send(client, method, path, query, form, headers):
    if method == "post":
        return client.post(path, data=form, QUERY_STRING=_encode(query), **headers)
    return getattr(client, method)(path, data=query, **headers)


def server_errors(clients, attempts):
    return [
        f"{method.upper()} {path} query={query!r} form={form!r} as {who}: {status}"
        for who, method, path, query, form in attempts
        if (status := send(clients[who], method, path, query, form, {}).status_code) >= 500
    ]


@pytest.mark.exhaustive
@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=lambda route: route.label)
def test_no_public_route_answers_hostile_input_with_a_server_error(route, world):
    clients = readers(world)
    real_paths = route.addresses(
        Samples(
            by_converter={k: world[k] for k in ("int", "slug", "str")},
            by_route={"wagtail_serve": world["pages"]},
            most=4,
        )
    )
    read = fields_read(clients, real_paths)
    names = sorted({name for found in read.values() for name in found})

    # First a sweep: each field the view reads, given every hostile value in
    # turn, by the reader and method that reached it; then each placeholder
    # of the address given every hostile value that fits it.
    attempts = []
    for (who, method), found in read.items():
        for name, value in product(found, SWEEP):
            fields = {name: value}
            attempts.append((who, method, real_paths[0], fields, fields))
    for path in hostile_addresses(route, world):
        for who, method in product(clients, ("get", "post")):
            attempts.append((who, method, path, {}, {}))
    assert server_errors(clients, attempts) == []

    # Then generated combinations: several fields, headers, odd addresses.
    field_names = st.one_of(
        st.sampled_from(names or PARAMETER_NAMES), st.sampled_from(PARAMETER_NAMES)
    )

    @settings(
        settings.get_profile(PROFILE),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        path=addresses_for(route, world),
        method=st.sampled_from(["get", "post", "head"]),
        query=st.dictionaries(field_names, values, max_size=4),
        form=st.dictionaries(field_names, values, max_size=4),
        sent=headers,
        who=st.sampled_from(list(clients)),
    )
    def attack(path, method, query, form, sent, who):
        response = send(clients[who], method, path, query, form, sent)
        assert response.status_code < 500, (
            f"{method.upper()} {path} query={query!r} form={form!r} headers={sent!r} "
            f"as {who}: {response.status_code}"
        )

    attack()


def hostile_addresses(route: Route, world) -> list[str]:
    """The route's address with each placeholder in turn given each hostile
    value that still fits it (the others real)."""
    if route.name == "wagtail_serve":
        return [page + "?page=" + value for page in world["pages"][:2] for value in PAGE_NUMBERS]
    found = []
    real = {k: world[k] for k in ("int", "slug", "str")}
    for value in SWEEP:
        samples = Samples(everywhere=[value], most=1)
        for path in route.addresses(samples):
            if path not in found and _resolves_to(path, route):
                found.append(path)
    if not found:
        found = route.addresses(Samples(by_converter=real, most=1))
    return found


PAGE_NUMBERS = ["0", "-1", "00001", "²", "١", "1.0", str(2**64), "99999", "", "1 ", "x"]


def _encode(query: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(query)


def test_every_public_route_is_fuzzed():
    """The parametrised test above takes its routes from the resolver."""
    names = {route.label for route in PUBLIC_ROUTES}
    for expected in ("search", "oembed", "post", "subscribe", "start", "wagtail_serve", "private"):
        assert expected in names


# The cases that were found by hand before this suite existed, kept as plain
# examples: each is one member of a class the sweep above covers.


def test_a_malformed_oembed_url_is_a_400(world):
    for url in ("http://[::1", "javascript:alert(1)", ""):
        assert Client().get("/oembed/", {"url": url}).status_code == 400
    # A well-formed address that is no article of ours: not found.
    assert Client().get("/oembed/", {"url": "http://[::1]:99999/world/"}).status_code == 404
    assert Client().get("/oembed/", {"url": "x", "format": "yaml"}).status_code == 400


def test_oembed_answers_in_json_and_xml(world):
    url = "http://testserver" + world["pages"][2]
    assert Client().get("/oembed/", {"url": url}).json()["type"] == "rich"
    xml = Client().get("/oembed/", {"url": url, "format": "xml"})
    assert xml.status_code == 200 and xml["Content-Type"].startswith("text/xml")
    assert b"<type>rich</type>" in xml.content


@pytest.mark.parametrize("pk", [str(2**63), str(2**64), "9" * 30, "0"])
def test_an_id_past_64_bits_is_no_route_at_all(world, pk):
    client = Client()
    client.force_login(world["subscriber"])
    # No route takes it as an id: the page catch-all answers, and pages take GET only.
    response = client.post(f"/discussion/articles/{pk}/comments/", {"text": "Hello"})
    assert response.status_code == 405
    assert client.get(f"/discussion/comments/{pk}/edit/").status_code == 404
    assert Client().get(f"/api/v1/articles/{pk}/").status_code == 404


def test_next_is_url_encoded_and_control_characters_never_reach_a_header(world, settings):
    settings.MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION = True
    client = Client()
    client.force_login(world["reader"])
    hostile = "/world/\r\nSet-Cookie: taken=1"
    response = client.post("/subscribe/weekly/", {"trial": "1", "next": hostile})
    assert response.status_code == 302 and "\n" not in response["Location"]
    assert "next=" not in response["Location"]  # refused, not passed on

    client = Client()
    client.force_login(factories.reader("second@example.com"))
    response = client.post("/subscribe/weekly/", {"trial": "1", "next": "/world/?a=1&trial=0"})
    # A query string inside `next` stays inside it: no parameter is added.
    assert response["Location"].endswith("?trial=1&next=%2Fworld%2F%3Fa%3D1%26trial%3D0")


@pytest.mark.parametrize("page", ["²", "١", "00001", "01", "0", "-1", "1.0", "99999", "x", ""])
def test_a_page_number_that_is_not_one_is_a_404_and_never_kept(world, page):
    from masthead.newsroom.rendering import recent

    for url in ("/", world["pages"][1], "/tags/drones/", "/search/?q=story"):
        separator = "&" if "?" in url else "?"
        response = Client().get(f"{url}{separator}page={page}")
        assert response.status_code == 404, (url, page)
    assert not [key for key in recent.items if "page=" in key]
    assert Client().get(world["pages"][1] + "?page=1").status_code == 200


@pytest.mark.parametrize("name", ["a" * 300, "images/" + "b" * 300 + ".jpg", "x\x00y"])
def test_a_media_name_the_filesystem_refuses_is_not_found(world, name):
    from urllib.parse import quote

    assert Client().get("/media/" + quote(name)).status_code == 404
