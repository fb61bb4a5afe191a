"""The standing adversarial suite: a real server, attacked the way an outsider would.

gunicorn serves the demo publication with production settings on PostgreSQL
and Redis. Two articles carry *canaries* — words found nowhere else — in every
block past their teaser: one metered, one for subscribers only. Then every
route the URL resolver knows (so a route added tomorrow is attacked tomorrow),
with real ids and slugs in its placeholders, is requested with every method,
by every kind of reader who may not read those blocks, each with a real
session, real cookies and a real CSRF token (so a POST reaches the view, not a
CSRF failure page). The suite fails if a canary appears in any response body
or header, if any response is a 500, and if searching for a canary word lists
its article.

The legitimate sights of a canary: a reader under the limit who opens the
metered article itself with GET (that read is counted), and a reader who
opened a gift link for the subscribers-only article, on that article's page
alone. Dead gift links (expired, revoked, every place taken, made up) are
walked by everyone like any route. Readers entitled to
everything (a subscriber, an editor) are walked too, for server errors; an
editor only with safe methods, since an editor's POST to the admin is an
editor's work (deleting a page), not an attack on the wall.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import override_settings

from tests.conftest import unavailable
from tests.security.routes import METHODS, Samples, addresses
from tests.servers import (
    SECRET_KEY,
    AppServer,
    Browser,
    collect_static,
    create_shared_database,
    drop_shared_database,
    manage,
    production_env,
    shared_postgres_problem,
    shell,
)

pytestmark = pytest.mark.servers

# Named for this run: another checkout's run on the same server keeps its own.
DATABASE = f"masthead_adversarial_{secrets.token_hex(4)}"
PASSWORD = "an-adversarial-test-password"
SAFE_METHODS = ["GET", "HEAD", "OPTIONS"]
# Every block past the teaser carries one of these; they occur nowhere else.
# The last two articles arrive through the Ghost importer (members → metered,
# paid → subscribers), as a publisher moving in would bring them.
CANARIES = {
    "metered": ["quillfeatherzeta", "marmotlanternqua", "velvetcompassiro"],
    "subscribers": ["obsidianheronvox", "sapphirewaltzkin", "tundralocketmor"],
    "imported-metered": ["lindenquarrypel", "cobaltmeadowrix"],
    "imported-subscribers": ["saffronharbourlux", "pewtergrottonim"],
}


def access_of(key: str) -> str:
    return key.removeprefix("imported-")


SETUP = """
import json
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone
from masthead.api.models import ApiKey
from masthead.discussion.models import Comment
from masthead.members.models import ComplimentaryAccess
from masthead.newsroom.models import ArticleAuthor, ArticlePage, AuthorPage, SectionPage
from masthead.syndication.models import FeedToken

CANARIES = {canaries}
section = SectionPage.objects.live().order_by("path").first()
author = AuthorPage.objects.live().order_by("path").first()
pages = {{}}
for access, words in CANARIES.items():
    if access.startswith("imported-"):
        continue
    body = [{{"type": "paragraph",
              "value": f"<p>Open paragraph {{n}} of the {{access}} canary.</p>"}}
            for n in range(3)]
    body += [{{"type": "paragraph", "value": f"<p>Hidden line: the {{word}} stays home.</p>"}}
             for word in words]
    page = ArticlePage(title=f"The {{access}} canary", slug=f"{{access}}-canary",
                       dek=f"A {{access}} article for the security suite.", access=access,
                       teaser_blocks=3, body=body)
    page.article_authors.add(ArticleAuthor(author=author))
    page.tags.add("canaries")
    section.add_child(instance=page)
    page.save_revision().publish()
    pages[access] = page

def account(kind):
    email = f"{{kind}}@adversary.example"
    user = get_user_model().objects.create_user(kind, email, "{password}")
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user

kinds = ("registered", "spent", "lapsed", "subscriber", "editor")
users = {{kind: account(kind) for kind in kinds}}
ended = timezone.now() - timedelta(days=2)
ComplimentaryAccess.objects.create(user=users["lapsed"], reason="ended",
                                   starts_at=ended - timedelta(days=30), ends_at=ended)
ComplimentaryAccess.objects.create(user=users["subscriber"], reason="adversarial suite")
users["editor"].is_staff = True
users["editor"].is_superuser = True
users["editor"].save()
comment = Comment.objects.create(article=pages["metered"], user=users["subscriber"],
                                 text="A subscriber's remark.", token="adversarial0000001")
lapsed_feed = FeedToken.renew(users["lapsed"]).token
from masthead.gifts.models import GiftLink
soon = timezone.now() + timedelta(days=14)
# An editor's gift of the subscribers-only canary, which one reader opens;
# dead links (expired, revoked, every place taken) that every reader tries.
gift = GiftLink.objects.create(article=pages["subscribers"], created_by=users["editor"],
                               expires_at=soon, max_browsers=100)
dead = [GiftLink.objects.create(article=pages[key], giver=users["subscriber"],
                                expires_at=soon, max_browsers=1)
        for key in ("metered", "subscribers", "subscribers")]
GiftLink.objects.filter(pk=dead[0].pk).update(expires_at=timezone.now() - timedelta(days=1))
dead[1].revoke()
GiftLink.objects.filter(pk=dead[2].pk).update(browsers=1)
ordinary_key = ApiKey(name="partner"); ordinary_key.save()
revoked_key = ApiKey(name="old", full_text=True); revoked_key.save()
revoked_key.revoked = True; revoked_key.save()
import io
import tempfile
from pathlib import Path
from django.core.management import call_command
posts = []
for key, visibility in (("imported-metered", "members"), ("imported-subscribers", "paid")):
    body = "".join(f"<p>Open paragraph {{n}} of the {{key}} canary.</p>" for n in range(3))
    body += "".join(f"<p>Hidden line: the {{w}} stays home.</p>" for w in CANARIES[key])
    posts.append({{"id": key, "uuid": key, "title": f"The {{key}} canary",
                   "slug": f"{{key}}-canary", "html": body, "status": "published",
                   "visibility": visibility, "published_at": "2026-01-01T00:00:00.000Z"}})
export = {{"db": [{{"meta": {{"version": "6.4.0"}}, "data": {{
    "posts": posts, "users": [{{"id": "u1", "name": "Imported Desk", "slug": "imported-desk"}}],
    "posts_authors": [{{"post_id": p["id"], "author_id": "u1"}} for p in posts],
    "tags": [{{"id": "t1", "name": "Canaries", "slug": "canaries"}}],
    "posts_tags": [{{"post_id": p["id"], "tag_id": "t1"}} for p in posts]}}}}]}}
folder = Path(tempfile.mkdtemp())
(folder / "ghost.json").write_text(json.dumps(export))
call_command("import_ghost", str(folder / "ghost.json"), no_progress=True, stdout=io.StringIO())
for key in ("imported-metered", "imported-subscribers"):
    pages[key] = ArticlePage.objects.get(imported_from=f"ghost:{{key}}")
    assert pages[key].teaser_blocks == 3 and pages[key].access == key.removeprefix("imported-")
spend = [a.url for a in ArticlePage.objects.live().filter(access="metered")
         .exclude(pk__in=[pages["metered"].pk, pages["imported-metered"].pk]).order_by("pk")[:10]]
# An offer experiment on the subscribe wall, running through the walk: a
# generous variant and a stingy one beside the control, each with its own
# words, offer, plans and allowances. Each walking browser is placed in a
# variant it knows (its visitor id), each account by its kept assignment.
import secrets
from wagtail.models import Site
from masthead.members.models import Plan
from masthead.offers import arms
from masthead.offers.models import Assignment, Experiment, Variant
monthly = Plan.objects.filter(active=True).order_by("price_minor").last()
experiment = Experiment.objects.create(site=Site.objects.get(is_default_site=True),
                                       name="Adversarial offers", wall="subscribe",
                                       status="running", started_at=timezone.now())
variants = {{}}
for order, (name, share, extra) in enumerate([
        ("Control", 40, {{}}),
        ("Generous", 30, {{"anonymous_allowance": 5, "registered_allowance": 8}}),
        ("Stingy", 30, {{"anonymous_allowance": 1, "registered_allowance": 2}})]):
    variants[name] = Variant.objects.create(
        experiment=experiment, name=name, share=share, sort_order=order,
        headline=f"{{name}} headline", pitch=f"The {{name}} pitch.", offer_line=f"{{name}} offer",
        trial_label=f"{{name}} trial", highlighted_plan=monthly, **extra)
running = arms.load(experiment.site_id)
visitors = {{name: [] for name in variants}}
while any(len(found) < 12 for found in visitors.values()):
    visitor = secrets.token_urlsafe(16)
    visitors[running.for_browser(visitor).name].append(visitor)
for kind, name in (("registered", "Control"), ("spent", "Control"), ("lapsed", "Control"),
                   ("generous", "Generous"), ("stingy", "Stingy")):
    user = users.get(kind) or account(kind)
    users[kind] = user
    Assignment.objects.create(experiment=experiment, variant=variants[name], user=user,
                              reader=secrets.token_hex(16), at=timezone.now())
from django.core import signing
from masthead.newsletters import sending, signup
from masthead.newsletters.models import Issue, IssueArticle, Newsletter, Recipient
newsletter = Newsletter.objects.create(name="Canaries", slug="canaries", sender_name="Desk")
issue = Issue.objects.create(newsletter=newsletter, subject="The canaries")
for order, page in enumerate(pages.values()):
    IssueArticle.objects.create(issue=issue, article=page, sort_order=order)
listed = Recipient.objects.create(newsletter=newsletter, email=users["registered"].email,
                                  user=users["registered"], status="active")
asked = timezone.now()
Recipient.objects.create(newsletter=newsletter, email="pending@adversary.example",
                         confirmation_sent_at=asked)
confirm_token = signing.dumps({{"email": "pending@adversary.example", "lists": [newsletter.pk],
                               "sent": asked.isoformat()}}, salt=signup.CONFIRM_SALT)
print(json.dumps({{
    **{{key: {{"pk": page.pk, "url": page.url}} for key, page in pages.items()}},
    "section": section.slug, "section_url": section.url, "section_pk": section.pk,
    "author": author.slug, "author_url": author.url,
    "comment": comment.pk,
    "users": {{kind: user.pk for kind, user in users.items()}},
    "lapsed_feed": lapsed_feed,
    "gift": gift.token, "dead_gifts": [link.token for link in dead],
    "ordinary_key": ordinary_key.new_key, "revoked_key": revoked_key.new_key,
    "spend": spend,
    "experiment": experiment.pk,
    "variants": {{name: variant.pk for name, variant in variants.items()}},
    "visitors": {{name: found[:12] for name, found in visitors.items()}},
    "issue": issue.pk,
    "unsubscribe": signing.dumps(listed.pk, salt=sending.UNSUBSCRIBE_SALT),
    "preferences": signing.dumps(listed.email, salt=sending.PREFERENCES_SALT),
    "confirm": confirm_token,
}}))
"""


@dataclass
class Reader:
    """One kind of reader: how to make their browser, and what they may see."""

    name: str
    login: str | None = None  # the account's email
    spend: int = 0  # metered articles read before the walk (to be over the limit)
    fresh_visitor: bool = False  # a new visitor at every request: always under the limit
    headers: dict = field(default_factory=dict)
    may_read_metered_page: bool = False  # under the limit: GET of the article itself
    gift: str | None = None  # opened a gift link for this canary: GET of its page
    entitled: bool = False  # reads everything: walked for server errors only
    # The offer experiment's variant this browser is placed in (by its visitor
    # id; an account keeps the one assigned to it).
    variant: str = "Control"
    methods: list = field(default_factory=lambda: list(METHODS))

    @property
    def identity(self) -> str:
        """Who this reader is to the admin, which asks one thing: is there a
        session, and may its account use the admin? The meter, the visitor
        cookie, an API key or a subscription mean nothing there."""
        if self.login is None:
            return "stranger"
        return "editor" if self.login == "editor" else "reader"


def readers(facts) -> list[Reader]:
    bearer = {"Authorization": f"Bearer {facts['ordinary_key']}"}
    revoked = {"Authorization": f"Bearer {facts['revoked_key']}"}
    return [
        Reader("anonymous, under the limit", fresh_visitor=True, may_read_metered_page=True),
        Reader("anonymous, over the limit", spend=3),
        Reader("anonymous, over the limit, holding a gift", spend=3, gift="subscribers"),
        Reader("anonymous with an ordinary API key", spend=3, headers=bearer),
        Reader("anonymous with a revoked full-text key", spend=3, headers=revoked),
        Reader("registered, under the limit", login="registered", may_read_metered_page=True),
        Reader("registered, over the limit", login="spent", spend=5),
        Reader("anonymous, over a generous variant's limit", spend=5, variant="Generous"),
        Reader("anonymous, over a stingy variant's limit", spend=1, variant="Stingy"),
        Reader(
            "registered, over a generous variant's limit",
            login="generous",
            spend=8,
            variant="Generous",
        ),
        Reader(
            "registered, over a stingy variant's limit", login="stingy", spend=2, variant="Stingy"
        ),
        Reader("lapsed subscriber", login="lapsed", spend=5),
        Reader("subscriber", login="subscriber", entitled=True),
        Reader("editor", login="editor", entitled=True, methods=SAFE_METHODS),
    ]


@pytest.fixture(scope="module")
def server(redis_url, tmp_path_factory):
    problem = shared_postgres_problem()
    if problem:
        unavailable(problem)
    import redis

    redis_db = redis_url.rsplit("/", 1)[0] + "/12"
    redis.Redis.from_url(redis_db).flushdb()
    url = create_shared_database(DATABASE, migrated=True)
    # Behind a proxy, as in production: each reader below comes from an address
    # of its own, so allauth's per-address rate limits apply to each apart.
    # No way to pay: the local provider refuses in production, so no reader
    # can become a subscriber halfway through the walk (by posting to
    # /subscribe/… and the checkout, as an attacker would try).
    env = production_env(
        url,
        redis_db,
        TRUSTED_PROXIES="127.0.0.1",
        LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION="false",
        # A provider's delivery webhook is served (the sending itself stays
        # in memory: EMAIL_BACKEND says so), and walked like every route.
        EMAIL_PROVIDER="mailgun",
        ANYMAIL_WEBHOOK_SECRET="hooks:adversarial-webhook-secret",
        ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY="adversarial-signing-key",
    )
    log = tmp_path_factory.mktemp("adversarial") / "server.log"
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo")
        collect_static(env)
        code = SETUP.format(canaries=repr(CANARIES), password=PASSWORD)
        facts = json.loads(shell(env, code))
        with AppServer(env, workers=4, log=log) as app:
            yield app, facts, log
    finally:
        drop_shared_database(DATABASE)
        redis.Redis.from_url(redis_db).flushdb()


def signed_visitor(visitor_id: str) -> str:
    """A visitor cookie as the server signs it (the tests know the server's key)."""
    response = HttpResponse()
    with override_settings(SECRET_KEY=SECRET_KEY):
        response.set_signed_cookie("mh_visitor", visitor_id, salt="masthead.paywall.visitor")
    return response.cookies["mh_visitor"].value


class Attacker:
    """A reader's browser for the walk: real session, real CSRF token."""

    addresses = iter(range(10, 250))
    # A signed-out reader signs in again from a fresh address (2001:db8::/32,
    # for documentation): the walk signs out under every language's prefix,
    # more often than allauth's login limit per address allows in a minute.
    fresh_addresses = itertools.count(1)
    placing = threading.Lock()

    def __init__(self, reader: Reader, app: AppServer, facts: dict):
        self.reader, self.app, self.facts = reader, app, facts
        self.lock = threading.Lock()
        self.address = f"198.51.100.{next(Attacker.addresses)}"
        self.browser = self._new_browser()

    def _new_browser(self) -> Browser:
        browser = Browser(self.app.base)
        browser.headers = {"X-Forwarded-For": self.address}
        if self.reader.fresh_visitor:
            browser.cookies["mh_visitor"] = signed_visitor(secrets.token_urlsafe(16))
        elif not self.reader.login:  # an account's variant is the one it keeps
            with Attacker.placing:
                visitor = self.facts["visitors"][self.reader.variant].pop()
            browser.cookies["mh_visitor"] = signed_visitor(visitor)
        if self.reader.login:
            browser.log_in(f"{self.reader.login}@adversary.example", PASSWORD)
        # Over the limit: other metered articles read first, each in full.
        for path in self.facts["spend"][: self.reader.spend]:
            assert browser.get(path).full_text, f"{self.reader.name} could not spend"
        if self.reader.spend:
            assert browser.get(self.facts["spend"][self.reader.spend]).walled, self.reader.name
        if not self.reader.entitled and not self.reader.fresh_visitor:
            # The experiment is running, and this browser meets its variant's wall.
            walled = browser.get(self.facts["subscribers"]["url"])
            assert walled.walled and f"{self.reader.variant} offer" in walled.text, self.reader
        if self.reader.gift:
            opened = browser.get(f"/gift/{self.facts['gift']}/")
            assert opened.status == 302 and self.facts["gift"] not in opened.headers["Location"]
            assert browser.get(self.facts[self.reader.gift]["url"]).full_text
        browser.get("/accounts/login/")  # the csrftoken cookie a form would carry
        return browser

    def request(self, method: str, path: str):
        with self.lock:
            if self.reader.fresh_visitor:
                self.browser.cookies["mh_visitor"] = signed_visitor(secrets.token_urlsafe(16))
            token = self.browser.cookies.get("csrftoken", "")
            headers = {**self.reader.headers, "X-CSRFToken": token, **self.browser.headers}
            data = None
            if method not in SAFE_METHODS:
                data = {"csrfmiddlewaretoken": token, "text": "Hello", "q": "canary", "next": "/"}
            response = self.browser.request(method, path, data=data, headers=headers)
            if self.reader.login and self.browser.cookies.get("sessionid", "x") == "":
                # Signed out by that request: sign in again.
                self.address = f"2001:db8::{next(Attacker.fresh_addresses):x}"
                self.browser = self._new_browser()
            return response


def leaks(reader: Reader, facts, method, path, response) -> list[str]:
    exposed = []
    haystack = (response.text + "\n" + str(response.headers)).lower()
    address = path.split("?")[0]
    for key, words in CANARIES.items():
        # The article itself, at its own address or under a language's
        # prefix that has no translation of it (the same page, the same meter).
        own_page = method == "GET" and address in (
            facts[key]["url"],
            *(f"/{code}{facts[key]['url']}" for code, _ in settings.LANGUAGES[1:]),
        )
        if access_of(key) == "metered" and reader.may_read_metered_page and own_page:
            continue
        if key == reader.gift and own_page:
            continue
        exposed += [word for word in words if word in haystack]
    return exposed


def samples(facts, most=4) -> Samples:
    ids = [str(facts[key]["pk"]) for key in CANARIES] + [str(facts["comment"])]
    return Samples(
        by_converter={
            "int": ids,
            "slug": [facts["section"], facts["author"], "canaries", "monthly"],
            "str": [facts["lapsed_feed"], facts["section"]],
            "path": ["original_images/none.png"],
        },
        by_route={
            "wagtail_serve": [
                "/",
                facts["section_url"],
                facts["author_url"],
                facts["metered"]["url"],
                facts["subscribers"]["url"],
                facts["metered"]["url"] + "?amp=1&format=json&page=2",
                facts["subscribers"]["url"] + "?print=1",
                facts["imported-metered"]["url"],
                facts["imported-subscribers"]["url"],
            ],
            # Every table Insights downloads, and one it has not.
            "insights_csv": [
                f"/admin/insights/{table}.csv?since=2026-01-01&section={facts['section_pk']}"
                for table in ("funnel", "revenue", "movements", "cohorts", "articles", "sections")
            ]
            + ["/admin/insights/secrets.csv"],
            "insights": ["/admin/insights/?since=2026-01-01&window=30"],
            # Newsletters: real tokens for a listed reader and a pending
            # address, and an issue made of the two canary articles.
            "newsletter_unsubscribe": [f"/newsletters/unsubscribe/{facts['unsubscribe']}/"],
            "newsletter_preferences": [f"/newsletters/preferences/{facts['preferences']}/"],
            "newsletter_confirm": [f"/newsletters/confirm/{facts['confirm']}/"],
            "newsletter_issue": [f"/admin/newsletters/issue/{facts['issue']}/"],
            "newsletter_preview": [
                f"/admin/newsletters/issue/{facts['issue']}/preview/{audience}/"
                for audience in ("free", "full")
            ],
            "newsletter_send_test": [f"/admin/newsletters/issue/{facts['issue']}/send-test/"],
            "newsletter_send_issue": [f"/admin/newsletters/issue/{facts['issue']}/send/"],
            "newsletter_schedule_issue": [f"/admin/newsletters/issue/{facts['issue']}/schedule/"],
            # Gift links: every dead one, and one made up (the live one is
            # opened by its own reader alone, above).
            "open": [f"/gift/{token}/" for token in [*facts["dead_gifts"], "A" * 32]],
            "open_unslashed": [f"/gift/{token}" for token in facts["dead_gifts"]],
            # The running experiment's report and actions, and one that is not.
            **{
                name: [f"/admin/insights/experiments/{number}/{tail}" for number in numbers]
                for name, tail in (
                    ("experiment_report", ""),
                    ("experiment_start", "start/"),
                    ("experiment_stop", "stop/"),
                )
                for numbers in [[facts["experiment"], 99999, "x"]]
            },
            "experiment_default": [
                f"/admin/insights/experiments/{facts['experiment']}/default/{variant}/"
                for variant in [*facts["variants"].values(), 99999]
            ],
        },
        most=most,
    )


def test_no_canary_leaves_the_server_by_any_route_method_or_reader(server):
    app, facts, log = server
    public = [target for target in addresses(samples(facts)) if not target[0].admin]
    # The admin's three hundred routes, each at one address (the admin asks for
    # a session before it reads any id).
    admin = [target for target in addresses(samples(facts, most=1)) if target[0].admin]
    targets = public + admin
    # Routes that end a session go last for each reader (they sign in again anyway).
    targets.sort(key=lambda target: "logout" in target[1])

    everyone = readers(facts)
    admin_walkers = {}
    for reader in everyone:  # the first reader of each identity walks the admin
        admin_walkers.setdefault(reader.identity, reader.name)
    sent = []

    def walk(reader: Reader) -> list[str]:
        attacker = Attacker(reader, app, facts)
        problems = []
        for route, path in targets:
            if route.admin and admin_walkers[reader.identity] != reader.name:
                continue
            if reader.entitled and route.admin and reader.methods == SAFE_METHODS:
                methods = ["GET"]  # an editor: the admin's own pages, looked at
            else:
                methods = reader.methods
            for method in methods:
                sent.append(1)
                response = attacker.request(method, path)
                # Wagtail's deliberate error page, for testing error reports.
                deliberate = route.name == "wagtailadmin_error_test"
                if response.status >= 500 and response.status != 503 and not deliberate:
                    problems.append(f"{reader.name}: {method} {path} -> {response.status}")
                if not reader.entitled:
                    for word in leaks(reader, facts, method, path, response):
                        problems.append(f"{reader.name}: {method} {path} showed {word}")
        return problems

    with ThreadPoolExecutor(max_workers=4) as pool:
        found = [problem for result in pool.map(walk, everyone) for problem in result]
    print(f"{len(sent)} requests to {len(targets)} addresses by {len(everyone)} readers")
    assert found == [], "\n".join(found[:50])
    errors = [
        line
        for line in log.read_text().splitlines()
        if '"level": "ERROR"' in line
        and '"exception"' in line
        and "emergency broadcast system" not in line
    ]
    assert errors == []


def test_searching_for_a_hidden_word_lists_nothing_for_readers_who_may_not_read_it(server):
    app, facts, _ = server
    for reader in readers(facts):
        attacker = Attacker(reader, app, facts)
        for words in CANARIES.values():
            for word in words:
                for query in (word, f'"{word}"', f"{word[:5]}*", f"open {word}"):
                    page = attacker.request("GET", "/search/?q=" + query.replace(" ", "+"))
                    assert page.status == 200
                    listed = re.findall(
                        r'class="search-result__headline"><a href="([^"]+)"', page.text
                    )
                    canary_pages = {facts[key]["url"] for key in CANARIES}
                    if reader.entitled:
                        if query == word:
                            assert set(listed) & canary_pages, (reader.name, query)
                    else:
                        assert not set(listed) & canary_pages, (reader.name, query)
