"""Who is reading: identified once per request, from facts the reader cannot forge.

- A signed-in user: subscriber if the one entitlement question says so (or an
  editor, who reads everything), otherwise registered.
- A claimed search crawler whose address passes reverse+forward DNS.
- Everyone else: an anonymous visitor, known by a signed first-party cookie.
  A missing, forged or tampered cookie makes a new visitor — never a
  subscriber, because entitlement only ever comes from an account.

Every browser but a crawler's carries the visitor cookie, signed in or not:
the meter belongs to the browser, so signing out hands back the window it
had, not a fresh one (``paywall.signals``).

The ``Reader`` carries every fact about the reader that an output may show
differently — full text or not, ads or none, staff or not, what kind of
commenter, banned from commenting or not — so that nothing else asks, and a
cached render can be keyed by exactly those facts (``Reader.variant``). The
facts about an account come from its standing (``members.standing``), kept in
the shared cache until something about the account changes. What the meter
says about this reader and an article (read before, allowance left) is the
gate's answer for that article, not a fact about the reader.
"""

from __future__ import annotations

import ipaddress
import secrets
import time
from dataclasses import dataclass

from django.conf import settings

from masthead import inputs
from masthead.localcache import LocalCache
from masthead.members import standing
from masthead.newsroom import freshness
from masthead.paywall import crawlers
from masthead.paywall.policy import ReaderStatus

VISITOR_SALT = "masthead.paywall.visitor"
GIFT_SALT = "masthead.paywall.gift"
GIFTS_KEPT = 20  # the most gifts one browser holds at once (the newest)
ANONYMOUS, REGISTERED, SUBSCRIBER, STAFF = "anonymous", "registered", "subscriber", "staff"


@dataclass(frozen=True)
class Reader:
    status: ReaderStatus
    meter_key: str | None = None
    visitor_id: str | None = None
    new_visitor: bool = False
    user_id: int | None = None
    crawler: str | None = None
    staff: bool = False  # an editor: reads everything, like a subscriber
    entitled: bool = False  # a subscription or complimentary grant in good standing
    comment_banned: bool = False  # a moderator took away this account's right to post
    # Gift links this browser opened: (article id, gift id, until), from the
    # signed gift cookie. Whether a gift still stands is the gate's question.
    gifts: tuple = ()

    def gift_for(self, article_id: int) -> int | None:
        """The gift this browser holds for this article, if any."""
        for article, gift, _until in self.gifts:
            if article == article_id:
                return gift
        return None

    @property
    def kind(self) -> str:
        """Which kind of reader, in the discussion's terms: anonymous (and
        crawlers), registered, subscriber, or staff (an editor)."""
        if self.status in (ReaderStatus.ANONYMOUS, ReaderStatus.CRAWLER):
            return ANONYMOUS
        if self.status == ReaderStatus.REGISTERED:
            return REGISTERED
        return STAFF if self.staff else SUBSCRIBER

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def ad_free(self) -> bool:
        """Subscribers get no ad markup at all. Editors without a subscription
        see the ads their readers see."""
        return self.entitled

    @property
    def variant(self) -> str:
        """Everything about this reader that a render shared between readers may
        differ by. Cached renders are keyed by it; a template may show readers
        differently only by a fact named here (or in a slot filled per request)."""
        return "-".join(
            [
                self.status.value,
                "staff" if self.staff else "reader",
                "no-ads" if self.ad_free else "ads",
            ]
        )


def client_ip(request) -> str:
    """The client's address. X-Forwarded-For is believed only from trusted proxies,
    read from the right: the first address not a trusted proxy is the client."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not from_trusted_proxy(request):
        return remote
    trusted = settings.MASTHEAD_TRUSTED_PROXIES
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([part for part in forwarded if part]):
        if not _valid(address):
            return remote
        if not _in(address, trusted):
            return address
    return remote


def from_trusted_proxy(request) -> bool:
    """Whether the request came straight from one of our reverse proxies."""
    trusted = settings.MASTHEAD_TRUSTED_PROXIES
    return bool(trusted) and _in(request.META.get("REMOTE_ADDR", ""), trusted)


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _in(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def works_in_admin(user) -> bool:
    """An account that can open the back office (staff, or any role with
    admin access): it signs in with its password and gets shorter sessions."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin"))
    )


# Visitor cookies this worker has verified, by their exact text: a cookie that
# verified once verifies again (it carries no time), so a returning browser's
# signature is checked once per worker, not on every page. Only cookies that
# verified are kept; a forged one is checked, and refused, every time.
verified_visitors = LocalCache(8192)


def read_visitor_id(request) -> str | None:
    raw = request.COOKIES.get(settings.MASTHEAD_VISITOR_COOKIE)
    if raw is None:
        return None
    visitor_id = verified_visitors.get(raw)
    if visitor_id is None:
        visitor_id = request.get_signed_cookie(
            settings.MASTHEAD_VISITOR_COOKIE, default=None, salt=VISITOR_SALT
        )
        if visitor_id is not None:
            verified_visitors.set(raw, visitor_id)
    return visitor_id


def identify(request) -> Reader:
    cached = getattr(request, "_masthead_reader", None)
    if cached is not None:
        return cached
    reader = _identify(request)
    request._masthead_reader = reader
    return reader


def _identify(request) -> Reader:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    if not signed_in:
        crawler = crawlers.claimed_crawler(request.META.get("HTTP_USER_AGENT", ""))
        if crawler is not None and crawlers.is_verified(crawler, client_ip(request)):
            return Reader(ReaderStatus.CRAWLER, crawler=crawler.name)

    visitor_id = read_visitor_id(request)
    new_visitor = visitor_id is None
    if new_visitor:
        visitor_id = secrets.token_urlsafe(16)
    gifts = () if new_visitor else read_gifts(request, visitor_id)
    browser = {"visitor_id": visitor_id, "new_visitor": new_visitor, "gifts": gifts}

    if signed_in:
        return _account_reader(user, generation=freshness.current(request), **browser)
    return Reader(ReaderStatus.ANONYMOUS, meter_key=f"v:{visitor_id}", **browser)


def for_account(user) -> Reader:
    """The reader an account is when it is not behind a request: a private
    feed's token, an email, a background job. The same facts as ``identify``
    gives for that account signed in, without a browser or a meter window."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Reader(ReaderStatus.ANONYMOUS)
    return _account_reader(user)


def _account_reader(user, generation: str | None = None, **browser) -> Reader:
    facts = standing.of(user, generation=generation)
    entitled = facts.entitled
    if user.is_staff or entitled:
        status, meter_key = ReaderStatus.SUBSCRIBER, None
    else:
        status, meter_key = ReaderStatus.REGISTERED, f"u:{user.pk}"
    return Reader(
        status,
        meter_key=meter_key,
        user_id=user.pk,
        staff=user.is_staff,
        entitled=entitled,
        comment_banned=facts.comment_banned,
        **browser,
    )


def read_gifts(request, visitor_id: str) -> tuple:
    """The gifts in this browser's signed gift cookie that are its own (the
    cookie names the visitor it was given to) and not yet run out."""
    if settings.MASTHEAD_GIFT_COOKIE not in request.COOKIES:
        return ()
    value = request.get_signed_cookie(settings.MASTHEAD_GIFT_COOKIE, default=None, salt=GIFT_SALT)
    if not value:
        return ()
    owner, _, entries = value.partition("|")
    if owner != visitor_id:
        return ()
    now, found = time.time(), []
    for entry in entries.split(","):
        numbers = [inputs.whole_number(part) for part in entry.split(".")]
        if len(numbers) == 3 and None not in numbers and numbers[2] > now:
            found.append(tuple(numbers))
    return tuple(found[-GIFTS_KEPT:])


def grant_gift(response, reader: Reader, article_id: int, gift_id: int, until: float) -> None:
    """Let this browser read ``article_id`` by ``gift_id`` until ``until`` (a
    Unix time), without the link: set with the redirect that takes the token
    out of the address bar. Its other gifts are kept."""
    kept = [grant for grant in reader.gifts if grant[0] != article_id]
    grants = [*kept, (article_id, gift_id, int(until))][-GIFTS_KEPT:]
    value = reader.visitor_id + "|" + ",".join(".".join(map(str, grant)) for grant in grants)
    response.set_signed_cookie(
        settings.MASTHEAD_GIFT_COOKIE,
        value,
        salt=GIFT_SALT,
        max_age=max(int(max(grant[2] for grant in grants) - time.time()), 0),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def remember_visitor(response, reader: Reader) -> None:
    """Set the signed visitor cookie on a new visitor's response."""
    if reader.new_visitor and reader.visitor_id:
        response.set_signed_cookie(
            settings.MASTHEAD_VISITOR_COOKIE,
            reader.visitor_id,
            salt=VISITOR_SALT,
            max_age=365 * 24 * 3600,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
