"""A Ghost 6 export (Lexical, Mobiledoc and HTML posts, tags, two authors, the
db wrapper) and its members CSV, with paid state read from Stripe."""

import json
import time

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from wagtail.models import Page

from masthead.members.models import ComplimentaryAccess, Plan, Subscription
from masthead.newsroom.models import ArticlePage, AuthorPage, SectionPage
from tests.billing import fake_stripe as fake
from tests.billing.fake_stripe import FakeStripeHTTP
from tests.importing.conftest import GHOST, GHOST_MEMBERS, run, run_failing

pytestmark = pytest.mark.django_db


def post(n):
    return ArticlePage.objects.get(imported_from=f"ghost:6650a1f0c2e4a10001a1b00{n}")


def blocks(page):
    return [(b["type"], b["value"]) for b in page.body.raw_data]


@pytest.fixture
def imported(home, ghost_media):
    return run("import_ghost", GHOST, media_dir=ghost_media, site_url="https://firthpost.example")


def test_lexical_post_with_its_preview_divider(imported):
    ferry = post(1)
    assert ferry.title == "The evening ferry is cut" and ferry.live
    assert ferry.access == "metered"  # visibility: members
    assert ferry.dek == "The last evening sailing leaves on the thirtieth."
    # Ghost showed everyone the part above its paywall card: two blocks.
    assert ferry.teaser_blocks == 2
    assert ferry.get_parent().specific.title == "Ferries"  # the primary tag
    assert [t.name for t in ferry.tags.all()] == ["Fares"]
    assert [a.title for a in ferry.authors()] == ["Isla Drummond"]
    assert ferry.lead_image.width == 1200
    assert ferry.lead_image_caption == "The ferry leaving on its last run."
    body = blocks(ferry)
    assert [kind for kind, _ in body] == [
        "paragraph", "paragraph", "heading", "paragraph", "image", "paragraph", "embed", "html",
    ]  # fmt: skip
    assert "<b>evening sailing</b>" in body[0][1]
    assert f'<a linktype="page" id="{post(2).pk}">our report on the pier</a>' in body[1][1]
    assert body[4][1]["caption"] == "The last evening sailing."
    assert (
        body[5][1] == "<ul><li>Morning sailings stay</li><li><i>Fares rise by a tenth</i></li></ul>"
    )
    assert body[6][1] == "https://vimeo.com/76979871"
    assert "quillhaven" in body[7][1]


def test_mobiledoc_post(imported):
    pier = post(2)
    assert pier.access == "free"  # visibility: public
    assert [kind for kind, _ in blocks(pier)] == [
        "paragraph", "heading", "image", "paragraph", "paragraph", "quote",
    ]  # fmt: skip
    body = blocks(pier)
    assert body[0][1] == "<p>Repairs to the <i>old pier</i> began in February.</p>"
    assert '<a href="https://council.example/minutes">minutes</a>' in body[3][1]
    assert body[4][1] == "<ol><li>Survey</li><li>Scaffold</li></ol>"


def test_html_post_paid_visibility_and_internal_tags(imported):
    dues = post(3)
    assert dues.access == "subscribers"  # visibility: paid
    assert dues.teaser_blocks == 2
    assert [a.title for a in dues.authors()] == ["Isla Drummond", "Calum Reid"]
    assert list(dues.tags.all()) == []  # #newsletter-only is internal
    kinds = [kind for kind, _ in blocks(dues)]
    assert kinds == ["paragraph", "paragraph", "paragraph", "embed", "paragraph"]
    assert blocks(dues)[4][1] == '<p><a href="https://board.example/dues">Dues schedule</a></p>'


def test_drafts_authors_and_old_addresses(imported, client):
    assert not post(4).live
    isla = AuthorPage.objects.get(imported_from="ghost:author:1")
    assert isla.bio == "<p>Isla covers the ferries &amp; the council.</p>"
    for old, new in [
        ("/evening-ferry-cut/", post(1).url),
        ("/pier-repairs", post(2).url),
        ("/p/0e3b5f5a-7c1e-4d7a-9a51-2f0d3c4b5a01/", post(1).url),
        ("/tag/ferries/", SectionPage.objects.get(slug="ferries").url),
        ("/author/isla/", isla.url),
    ]:
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new), old
    assert client.get("/winter-moorings/").status_code == 404  # a draft has no address yet


def test_without_the_db_wrapper_and_a_second_run(home, ghost_media, tmp_path):
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(json.loads(GHOST.read_text())["db"][0]))
    run("import_ghost", bare, media_dir=ghost_media)
    pages = Page.objects.count()
    output = run("import_ghost", GHOST, media_dir=ghost_media)
    assert "articles: 4 unchanged" in output and "created" not in output
    assert Page.objects.count() == pages


# --- members ------------------------------------------------------------------


@pytest.fixture
def monthly():
    return Plan.objects.create(name="Monthly", slug="monthly", price_minor=500,
                               stripe_price_id="price_firth_monthly")  # fmt: skip


@pytest.fixture
def stripe_account(settings):
    """A Stripe account holding Maggie's subscription (matched by customer id),
    Sam's (matched by the customer's address, the CSV's id being stale) and a
    stranger's the export lacks."""
    settings.MASTHEAD_STRIPE_SECRET_KEY = "sk_test_masthead"
    settings.MASTHEAD_STRIPE_HTTP_CLIENT = "tests.billing.fake_stripe.FakeStripeHTTP"
    FakeStripeHTTP.reset()
    now = int(time.time())

    def subscription(sub_id, customer, email, status="active"):
        data = fake.subscription(
            sub_id, user=None, price="price_firth_monthly", status=status,
            start=now - 86400, end=now + 29 * 86400,
        )  # fmt: skip
        # Made by Ghost's checkout, not ours: no masthead_user in its metadata.
        data["metadata"] = {}
        data["customer"] = {"id": customer, "object": "customer", "email": email}
        return data

    subscriptions = [
        subscription("sub_maggie", "cus_Maggie001", "maggie.old@readers.example"),
        subscription("sub_sam", "cus_Sam0NEW", "sam@readers.example", status="trialing"),
        subscription("sub_stranger", "cus_Stranger", "stranger@readers.example"),
    ]
    FakeStripeHTTP.answer("GET", "/v1/subscriptions", {
        "object": "list", "url": "/v1/subscriptions", "has_more": False, "data": subscriptions,
    })  # fmt: skip
    yield
    FakeStripeHTTP.reset()


def test_members_become_accounts_with_paid_state_from_stripe(home, monthly, stripe_account):
    output = run_failing("import_ghost", GHOST, members=GHOST_MEMBERS)
    assert "member not-an-address: 'not-an-address' is not an email address" in output
    # Stripe is only read: nothing is created, changed or charged there.
    assert {call["method"] for call in FakeStripeHTTP.calls} == {"GET"}
    users = get_user_model().objects
    maggie = users.get(email="maggie@readers.example")
    assert maggie.first_name == "Maggie Flett" and not maggie.has_usable_password()
    assert EmailAddress.objects.get(email="maggie@readers.example").verified
    assert Subscription.objects.get(user=maggie).status == "active"
    sam = users.get(email="sam@readers.example")
    assert Subscription.objects.get(user=sam).provider_subscription_id == "sub_sam"
    press = users.get(email="press@harbourboard.example")
    assert ComplimentaryAccess.objects.current().filter(user=press).exists()
    assert not Subscription.objects.filter(user=press).exists()
    assert users.filter(email="ewan@readers.example").exists()
    assert not users.filter(email="gone@readers.example").exists()  # deleted in Ghost
    assert not Subscription.objects.filter(provider_subscription_id="sub_stranger").exists()
    assert Subscription.objects.count() == 2


def test_stripe_subscriptions_the_export_lacks_are_listed_first(home, monthly, stripe_account):
    lines = run_failing("import_ghost", GHOST, members=GHOST_MEMBERS, dry_run=True).splitlines()
    stranger = next(i for i, line in enumerate(lines) if "sub_stranger" in line)
    assert "matches no member in the export: it is left alone" in lines[stranger]
    assert stranger < next(i for i, line in enumerate(lines) if line.startswith("sections:"))
    assert not get_user_model().objects.exists()  # a dry run


def test_a_second_member_import_changes_nothing(home, monthly, stripe_account):
    run_failing("import_ghost", GHOST, members=GHOST_MEMBERS)
    tables = (get_user_model().objects, Subscription.objects, ComplimentaryAccess.objects,
              EmailAddress.objects)  # fmt: skip
    counts = [table.count() for table in tables]
    output = run_failing("import_ghost", GHOST, members=GHOST_MEMBERS)
    assert "members: 4 unchanged, 1 failed" in output
    assert [table.count() for table in tables] == counts


def test_a_price_no_plan_bills_fails_that_member_only(home, stripe_account):
    Plan.objects.create(name="Other", slug="other", price_minor=100, stripe_price_id="price_x")
    output = run_failing("import_ghost", GHOST, members=GHOST_MEMBERS)
    assert "bills a price no plan here has" in output
    assert not Subscription.objects.exists()
    assert get_user_model().objects.filter(email="ewan@readers.example").exists()
    # The failed member left nothing of itself.
    assert not get_user_model().objects.filter(email="maggie@readers.example").exists()


def test_paid_in_the_export_without_stripe_is_a_free_account(home):
    output = run_failing("import_ghost", GHOST, members=GHOST_MEMBERS)
    assert "2 member(s) are paying in the export, but Stripe is not configured" in output
    assert not Subscription.objects.exists()
    assert get_user_model().objects.filter(email="maggie@readers.example").exists()
