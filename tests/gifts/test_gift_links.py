"""Gift links: a subscriber or an editor gives one article to anyone.

What a recipient reads is the gate's decision, tested here through the
article page as readers meet it: the link opens one article, in full, for a
limited number of browsers and days, never spends the recipient's meter, and
stops the moment it is revoked. Every way a token can be wrong gives the
ordinary page and no byte of the walled text.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from masthead.gifts.models import GiftLink, GiftOpening
from masthead.insights.models import Conversion
from masthead.members.models import ComplimentaryAccess
from masthead.paywall import readers
from masthead.paywall.models import PaywallSettings
from tests import factories
from tests.conftest import fresh
from tests.members.test_accounts import CODE
from tests.paywall.helpers import gated_article, secrets_in, teasers_in

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture(scope="module")
def published(module_db):
    with module_db():
        home = factories.site()
        section = factories.section(home, "World")
        articles = {
            1: gated_article(section, 1),
            2: gated_article(section, 2),
            3: gated_article(section, 3, access="subscribers"),
            **{n: gated_article(section, n) for n in range(4, 9)},
        }
        giver = factories.reader("ana@readers.example")
        giver.first_name = "Ana"
        giver.save()
        ComplimentaryAccess.objects.create(user=giver, reason="gift tests")
        return {"home": home, "articles": articles, "giver": giver}


@pytest.fixture
def newsroom(db, published):
    return fresh(published)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def gift_of(client: Client, article, show_name=True) -> tuple[GiftLink, str]:
    """A subscriber gifts ``article`` as they would: the button, the form, the link."""
    page = client.get(f"/account/gifts/new/?article={article.pk}")
    assert page.status_code == 200
    data = {"article": article.pk}
    if show_name:
        data["show_name"] = "on"
    made = client.post("/account/gifts/new/", data)
    assert made.status_code == 302, made.content
    shown = client.get(made["Location"])
    address = re.search(r'id="gift-address"[^>]*value="([^"]+)"', shown.text).group(1)
    path = address.split("testserver", 1)[1]
    link = GiftLink.objects.get(pk=int(made["Location"].rstrip("/").rsplit("/", 1)[1]))
    return link, path


def sign_up(client: Client, email: str) -> None:
    """Register as a reader does: the form, then the code emailed to them."""
    mail.outbox.clear()
    response = client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302, response.content
    code = CODE.search(mail.outbox[-1].body).group(1)
    assert client.post(response["Location"], {"code": code}).status_code == 302
    assert "_auth_user_id" in client.session


def open_link(client: Client, path: str, **extra):
    """Follow a gift link as a browser does: the cookie check, the redirect
    that takes the token away, then the article."""
    response = client.get(path, **extra)
    hops = 0
    while response.status_code == 302 and hops < 4:
        response = client.get(response["Location"], **extra)
        hops += 1
    return response


def test_a_subscribers_gift_opens_the_article_in_full_for_a_stranger(newsroom):
    article = newsroom["articles"][1]
    _, path = gift_of(signed_in(newsroom["giver"]), article)
    stranger = Client()

    first = stranger.get(path)
    # A browser without our cookie is sent round once to show it keeps cookies.
    assert first.status_code == 302 and first["Location"].endswith("?checked=1")
    second = stranger.get(first["Location"])
    assert second.status_code == 302 and second["Location"] == article.url
    assert "gift" not in second["Location"]
    assert second["Referrer-Policy"] == "no-referrer"
    assert "no-store" in second["Cache-Control"]

    page = stranger.get(article.url)
    assert secrets_in(page.text, 1) == [
        f"Paid line {k} of story 1 stays on the server." for k in (3, 4, 5)
    ]
    assert "Ana gave you this article" in page.text
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    # The token is in no part of the page: not the canonical, not a link.
    token = path.split("/")[2]
    assert token not in page.text and token not in str(page.headers)
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', page.text).group(1)
    assert canonical.endswith(article.url)


def test_a_gifted_read_never_counts_on_the_meter(newsroom):
    articles = newsroom["articles"]
    _, path = gift_of(signed_in(newsroom["giver"]), articles[1])
    stranger = Client()
    assert secrets_in(open_link(stranger, path).text, 1)
    for _ in range(3):
        assert secrets_in(stranger.get(articles[1].url).text, 1)
    # The allowance (3 a day) is whole: three other articles, then the wall.
    for n in (4, 5, 6):
        assert secrets_in(stranger.get(articles[n].url).text, n), n
    assert secrets_in(stranger.get(articles[7].url).text, 7) == []


def test_a_gift_for_one_article_gives_nothing_of_another(newsroom):
    articles = newsroom["articles"]
    link, path = gift_of(signed_in(newsroom["giver"]), articles[3])
    stranger = Client()
    assert secrets_in(open_link(stranger, path).text, 3)
    walled = stranger.get(articles[2].url)  # a metered one: the meter's ordinary answer
    assert "Ana gave you" not in walled.text
    # A grant cookie naming the other article with this gift (signed with the
    # site's key, as only the server could) opens nothing either.
    visitor_id = readers.read_visitor_id(
        RequestFactory(HTTP_COOKIE=stranger.cookies.output(header="", sep=";")).get("/")
    )
    signed = HttpResponse()
    signed.set_signed_cookie(
        settings.MASTHEAD_GIFT_COOKIE,
        f"{visitor_id}|{articles[8].pk}.{link.pk}.{2**40}",
        salt=readers.GIFT_SALT,
    )
    forged = signed.cookies[settings.MASTHEAD_GIFT_COOKIE].value
    stranger.cookies[settings.MASTHEAD_GIFT_COOKIE] = forged
    for _ in range(3):  # spend the meter so that the wall is the ordinary answer
        stranger.get(articles[4 + _].url)
    page = stranger.get(articles[8].url)
    assert secrets_in(page.text, 8) == [] and teasers_in(page.text, 8)


def test_a_grant_cookie_from_another_browser_or_tampered_opens_nothing(newsroom):
    articles = newsroom["articles"]
    _, path = gift_of(signed_in(newsroom["giver"]), articles[3])
    holder = Client()
    assert secrets_in(open_link(holder, path).text, 3)
    grant = holder.cookies[settings.MASTHEAD_GIFT_COOKIE].value
    other = Client()
    other.get("/")  # a visitor cookie of its own
    other.cookies[settings.MASTHEAD_GIFT_COOKIE] = grant
    assert secrets_in(other.get(articles[3].url).text, 3) == []
    other.cookies[settings.MASTHEAD_GIFT_COOKIE] = grant[:-3] + "abc"
    assert secrets_in(other.get(articles[3].url).text, 3) == []


@pytest.mark.parametrize("token", ["", "short", "A" * 32, "A" * 31 + "!", "../" * 11, "%00" * 11])
def test_a_malformed_or_unknown_token_is_a_404_and_grants_nothing(newsroom, token):
    client = Client()
    response = client.get(f"/gift/{token}/")
    assert response.status_code == 404
    assert settings.MASTHEAD_GIFT_COOKIE not in response.cookies


def failing_link(newsroom, how: str) -> str:
    link, path = gift_of(signed_in(newsroom["giver"]), newsroom["articles"][3])
    if how == "expired":
        GiftLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(1))
    elif how == "revoked":
        link.revoke()
    elif how == "used up":
        GiftLink.objects.filter(pk=link.pk).update(max_browsers=1)
        assert secrets_in(open_link(Client(), path).text, 3)
    return path


@pytest.mark.parametrize("how", ["expired", "revoked", "used up"])
def test_an_expired_revoked_or_used_up_link_gives_the_ordinary_page(newsroom, how):
    path = failing_link(newsroom, how)
    stranger = Client()
    page = open_link(stranger, path)
    assert page.status_code == 200
    assert secrets_in(page.text, 3) == [] and teasers_in(page.text, 3)
    assert "This article is for subscribers" in page.text
    assert settings.MASTHEAD_GIFT_COOKIE not in stranger.cookies


def test_revoking_ends_a_gift_at_the_next_request(newsroom):
    giver = signed_in(newsroom["giver"])
    link, path = gift_of(giver, newsroom["articles"][3])
    stranger = Client()
    assert secrets_in(open_link(stranger, path).text, 3)
    listed = giver.get("/account/gifts/")
    assert "1 of 10 browsers" in listed.text
    assert giver.post(f"/account/gifts/{link.pk}/revoke/").status_code == 302
    assert secrets_in(stranger.get(newsroom["articles"][3].url).text, 3) == []
    assert secrets_in(open_link(stranger, path).text, 3) == []


def test_the_same_browser_keeps_its_place_and_the_cap_counts_browsers(newsroom):
    link, path = gift_of(signed_in(newsroom["giver"]), newsroom["articles"][3])
    GiftLink.objects.filter(pk=link.pk).update(max_browsers=2)
    first, second, third = Client(), Client(), Client()
    for _ in range(3):
        assert secrets_in(open_link(first, path).text, 3)
    assert secrets_in(open_link(second, path).text, 3)
    assert secrets_in(open_link(third, path).text, 3) == []
    assert secrets_in(open_link(first, path).text, 3)  # still one of the two
    link.refresh_from_db()
    assert (link.browsers, link.reads) == (2, 5)


def test_previews_heads_and_browsers_without_cookies_take_no_place(newsroom):
    link, path = gift_of(signed_in(newsroom["giver"]), newsroom["articles"][3])
    slack = Client(HTTP_USER_AGENT="Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)")
    assert slack.get(path)["Location"] == newsroom["articles"][3].url
    assert Client().head(path).status_code == 302
    # No cookies kept: the same request twice, each without any.
    first = Client().get(path)
    cookieless = Client().get(first["Location"])
    assert cookieless["Location"] == newsroom["articles"][3].url
    assert settings.MASTHEAD_GIFT_COOKIE not in cookieless.cookies
    link.refresh_from_db()
    assert link.browsers == 0 and not GiftOpening.objects.filter(gift=link).exists()


def test_subscribers_have_ten_gifts_a_month_and_sharing_again_is_free(newsroom):
    giver = signed_in(newsroom["giver"])
    articles = list(newsroom["articles"].values())
    made = [gift_of(giver, article)[0] for article in articles[:7]]
    again, _ = gift_of(giver, articles[0])
    assert again.pk == made[0].pk  # the same link, no gift spent
    section = articles[0].get_parent()
    more = [gated_article(section, n) for n in range(20, 24)]
    for article in more[:3]:
        gift_of(giver, article)
    assert GiftLink.objects.filter(giver=newsroom["giver"]).count() == 10
    page = giver.get(f"/account/gifts/new/?article={more[3].pk}")
    assert "You have used this month's gifts" in page.text
    refused = giver.post("/account/gifts/new/", {"article": more[3].pk, "show_name": "on"})
    assert refused.status_code == 302 and refused["Location"] == "/account/gifts/"
    assert GiftLink.objects.filter(giver=newsroom["giver"]).count() == 10
    # Next month the allowance is whole again.
    GiftLink.objects.update(created_at=timezone.now() - timedelta(days=40))
    assert giver.post("/account/gifts/new/", {"article": more[3].pk}).status_code == 302
    assert GiftLink.objects.filter(giver=newsroom["giver"]).count() == 11


def test_a_giver_may_keep_their_name_to_themselves(newsroom):
    _, path = gift_of(signed_in(newsroom["giver"]), newsroom["articles"][3], show_name=False)
    page = open_link(Client(), path)
    assert "Ana" not in page.text and "A subscriber gave you this article" in page.text


def test_only_subscribers_make_gifts(newsroom):
    article = newsroom["articles"][3]
    reader = signed_in(factories.reader("nobody@readers.example"))
    assert reader.get(f"/account/gifts/new/?article={article.pk}").status_code == 403
    assert reader.post("/account/gifts/new/", {"article": article.pk}).status_code == 403
    assert reader.get("/account/gifts/").status_code == 403
    assert Client().post("/account/gifts/new/", {"article": article.pk}).status_code == 302
    assert not GiftLink.objects.exists()
    # A subscriber's button is on walled articles only.
    subscriber = signed_in(newsroom["giver"])
    assert "Gift this article" in subscriber.get(article.url).text
    assert "Gift this article" not in reader.get(article.url).text


@pytest.mark.parametrize("value", ["", "0", "-1", "abc", "99999999", "1e3", "1" * 40])
def test_gifting_something_that_is_not_a_walled_article_is_a_400(newsroom, value):
    giver = signed_in(newsroom["giver"])
    assert giver.post("/account/gifts/new/", {"article": value}).status_code == 400
    free = factories.article(newsroom["home"], "A free one", access="free")
    assert giver.post("/account/gifts/new/", {"article": free.pk}).status_code == 400
    assert not GiftLink.objects.exists()


def test_one_subscribers_gifts_are_not_anothers(newsroom):
    link, _ = gift_of(signed_in(newsroom["giver"]), newsroom["articles"][3])
    other = factories.reader("bo@readers.example")
    ComplimentaryAccess.objects.create(user=other, reason="another")
    client = signed_in(other)
    assert client.get(f"/account/gifts/{link.pk}/").status_code == 404
    assert client.post(f"/account/gifts/{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_a_site_may_ask_for_an_account_before_the_gift(newsroom):
    site_settings = PaywallSettings.for_site(newsroom["home"].get_site())
    site_settings.gift_needs_account = True
    site_settings.save()
    _, path = gift_of(signed_in(newsroom["giver"]), newsroom["articles"][3])
    stranger = Client()
    page = open_link(stranger, path)
    assert secrets_in(page.text, 3) == []
    assert "Register to read your gift" in page.text and "Ana gave you this article" in page.text
    assert "no-store" in page["Cache-Control"]
    sign_up(stranger, "newcomer@readers.example")
    assert secrets_in(stranger.get(newsroom["articles"][3].url).text, 3)
    # The registration is the gift's in Insights.
    conversion = Conversion.objects.get(kind=Conversion.REGISTRATION)
    assert conversion.gift_id == GiftLink.objects.get().pk


def test_a_gift_never_opens_comments_feeds_or_the_api(newsroom):
    article = newsroom["articles"][3]
    _, path = gift_of(signed_in(newsroom["giver"]), article)
    stranger = Client()
    assert secrets_in(open_link(stranger, path).text, 3)
    for address in (
        "/feed/rss/",
        "/feed/atom/",
        f"/api/v1/articles/{article.pk}/",
        f"/oembed/?url=http://testserver{article.url}",
        "/search/?q=Paid+line",
        article.url + "?amp=1",
    ):
        response = stranger.get(address)
        if address.endswith("?amp=1"):
            continue  # the page itself, another way: the gift's to open
        assert secrets_in(response.content.decode(), 3) == [], address
    # The discussion is the one an anonymous reader gets: no form to post.
    page = stranger.get(article.url)
    assert secrets_in(page.text, 3) and 'name="text"' not in page.text
    subscriber_page = signed_in(newsroom["giver"]).get(article.url)
    assert 'name="text"' in subscriber_page.text


def test_editors_make_links_with_their_own_expiry_and_cap_and_revoke_any(newsroom):
    from tests.factories import admin_client

    article = newsroom["articles"][3]
    editor = admin_client("gift-editor", "add_giftlink", "change_giftlink", "view_giftlink")
    form = editor.get(f"/admin/snippets/gifts/giftlink/add/?article={article.pk}")
    assert form.status_code == 200
    expires = (timezone.localtime() + timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    made = editor.post(
        "/admin/snippets/gifts/giftlink/add/",
        {
            "article": article.pk,
            "label": "Friday newsletter",
            "expires_at": expires,
            "max_browsers": 500,
        },
    )
    assert made.status_code == 302, made.content.decode()[-2000:]
    link = GiftLink.objects.get(label="Friday newsletter")
    assert link.max_browsers == 500 and link.giver is None and link.created_by is not None
    assert made["Location"] == f"/admin/snippets/gifts/giftlink/inspect/{link.pk}/"
    shown = editor.get(made["Location"])
    path = re.search(r"http://testserver(/gift/[A-Za-z0-9_-]{32}/)", shown.text).group(1)
    page = open_link(Client(), path)
    assert secrets_in(page.text, 3) and "A gift from The Test Gazette" in page.text
    # A subscriber's link, revoked by the editor.
    theirs, their_path = gift_of(signed_in(newsroom["giver"]), article)
    edited = editor.post(
        f"/admin/snippets/gifts/giftlink/edit/{theirs.pk}/",
        {"label": "", "expires_at": expires, "max_browsers": 10, "revoked": "on"},
    )
    assert edited.status_code == 302, edited.content.decode()[-2000:]
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None and theirs.article_id == article.pk
    assert secrets_in(open_link(Client(), their_path).text, 3) == []
    # The admin's list names no subscriber.
    listing = editor.get("/admin/snippets/gifts/giftlink/")
    assert "ana@readers.example" not in listing.text and "A subscriber" in listing.text


def test_a_new_editors_link_must_not_be_already_expired(newsroom):
    from tests.factories import admin_client

    editor = admin_client("gift-editor-2", "add_giftlink", "view_giftlink")
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = editor.post(
        "/admin/snippets/gifts/giftlink/add/",
        {"article": newsroom["articles"][3].pk, "expires_at": past, "max_browsers": 0},
    )
    assert response.status_code == 200
    assert not GiftLink.objects.exists()


def test_gifts_in_insights(newsroom):
    from masthead.insights import figures

    giver = signed_in(newsroom["giver"])
    link, path = gift_of(giver, newsroom["articles"][3])
    stranger = Client()
    open_link(stranger, path)
    sign_up(stranger, "gifted@readers.example")
    today = timezone.localdate()
    found = figures.gifts(figures.Filters(since=today - timedelta(days=1), until=today))
    assert found["totals"] == {
        "links": 1,
        "by_subscribers": 1,
        "by_editors": 0,
        "browsers": 1,
        "registrations": 1,
        "trial_starts": 0,
        "paid_starts": 0,
    }
    assert found["articles"][0]["title"] == "Story 3"


def test_a_site_without_subscribers_gifts_shows_no_gift_button(newsroom):
    site_settings = PaywallSettings.for_site(newsroom["home"].get_site())
    site_settings.gifts_per_month = 0
    site_settings.save()
    subscriber = signed_in(newsroom["giver"])
    assert "Gift this article" not in subscriber.get(newsroom["articles"][3].url).text
    response = subscriber.post("/account/gifts/new/", {"article": newsroom["articles"][3].pk})
    assert response.status_code == 302 and not GiftLink.objects.exists()


def test_a_link_that_expires_ends_for_the_browsers_that_opened_it(newsroom):
    link, path = gift_of(signed_in(newsroom["giver"]), newsroom["articles"][3])
    reader = Client()
    assert secrets_in(open_link(reader, path).text, 3)
    GiftLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert secrets_in(reader.get(newsroom["articles"][3].url).text, 3) == []
