"""Each admin role sees only its part of the back office, on every admin URL.

Objects are made whose text holds unique canary strings — a held comment, a
report's reason and its reporter, a ban, a subscriber, an email's error, a
complimentary grant, a plan, an API key's name, readers' usernames. Then, for
each role, every admin route the URL resolver knows is asked for (list,
results, inspect, edit, delete, history, usage, chooser, chooser results,
chosen, bulk actions, searches with ``?q=``), with the canary objects' ids in
its placeholders. The walk fails on any canary the role may not see in any
response body, on any 500, and — so that it can fail at all — on any canary
the role *may* see that never showed up.

The roles: Wagtail's stock Editors and Moderators (pages, images, documents;
Moderators also publish), a "Subscriptions" role that reads plans,
subscriptions, emails and complimentary access, and a "Discussion" role that
moderates comments. The routes come from the resolver (tests/security/routes.py),
never from a list written by hand: a view added tomorrow is walked tomorrow.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.snippets.models import get_snippet_models

from masthead.api.models import ApiKey
from masthead.discussion.models import Comment, CommentBan, CommentReport
from masthead.members.models import ComplimentaryAccess, Notification, Plan, Subscription
from tests import factories
from tests.conftest import fresh
from tests.security.routes import Samples, addresses, all_routes

pytestmark = pytest.mark.django_db

# Every canary holds "zq": one search (?q=zq) asks for all of them at once.
SEARCH = "zq"


@dataclass(frozen=True)
class Canary:
    text: str
    area: str  # who may see it: the part of the back office it belongs to


CANARIES = [
    # Subscriptions: readers' paid access, the emails about it, free grants.
    Canary("zq-plan-name-3fw", "subscriptions"),
    Canary("zq-subscriber-8hd", "subscriptions"),  # a subscriber's username
    Canary("zq-notification-error-5mc", "subscriptions"),
    Canary("zq-comped-2pk", "subscriptions"),  # a complimentary reader's username
    Canary("zq-comp-reason-7vb", "subscriptions"),
    # Discussion: comments (held and hidden text too), reports, bans.
    Canary("zq-commenter-4ty", "discussion"),
    Canary("zq-visible-comment-1qa", "discussion"),
    Canary("zq-held-comment-6lo", "discussion"),
    Canary("zq-hidden-comment-9wu", "discussion"),
    Canary("zq-report-reason-3xe", "discussion"),
    Canary("zq-reporter-5nr", "discussion"),
    Canary("zq-ban-reason-8jd", "discussion"),
    Canary("zq-banned-2sg", "discussion"),
    # API keys.
    Canary("zq-apikey-name-6cz", "keys"),
    # Accounts: usernames (an email's local part) of readers tied to nothing
    # an editor handles, and of the reader an author page is linked to.
    Canary("zq-lurker-7ee", "accounts"),
    Canary("zq-penwright-1ob", "accounts"),
]
# What an editor is shown instead of the linked account: its display name.
AUTHOR_DISPLAY_NAME = "Quillon Penwrightson"

ROLES = {
    # role: (areas it may see, areas it must see somewhere)
    "superuser": ({"subscriptions", "discussion", "keys", "accounts", "bylines"},) * 2,
    "editor": ({"bylines"}, {"bylines"}),
    "moderator": ({"bylines"}, {"bylines"}),
    "subscriptions": ({"subscriptions"}, {"subscriptions"}),
    "discussion": ({"discussion"}, {"discussion"}),
}

SUBSCRIPTIONS_ROLE = {
    "members.plan": ["view"],
    "members.subscription": ["view"],
    "members.notification": ["view"],
    "members.complimentaryaccess": ["view"],
}
DISCUSSION_ROLE = {
    "discussion.comment": ["view", "change"],
    "discussion.commentreport": ["view", "change"],
    "discussion.commentban": ["view", "add", "change", "delete"],
}


def canary(name: str) -> str:
    return next(c.text for c in CANARIES if c.text.startswith(f"zq-{name}-"))


def reader(name: str, **fields):
    """A reader whose username and email carry the canary ``name``."""
    user = factories.reader(f"{canary(name)}@example.com")
    for attribute, value in fields.items():
        setattr(user, attribute, value)
    user.save()
    return user


def grants(group: Group) -> dict[str, list[str]]:
    """What a group may do, as app.model: [actions], without admin access."""
    found: dict[str, list[str]] = {}
    for permission in group.permissions.select_related("content_type"):
        if permission.codename == "access_admin":
            continue
        action, model = permission.codename.split("_", 1)
        found.setdefault(f"{permission.content_type.app_label}.{model}", []).append(action)
    return {label: sorted(actions) for label, actions in found.items()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, role", [("Subscriptions", SUBSCRIPTIONS_ROLE), ("Comment moderators", DISCUSSION_ROLE)]
)
def test_masthead_ships_its_roles_with_exactly_these_permissions(name, role):
    group = Group.objects.get(name=name)
    assert group.permissions.filter(codename="access_admin").exists()
    assert grants(group) == {label: sorted(actions) for label, actions in role.items()}


def staff_member(django_user_model, username, groups=(), **fields):
    user = django_user_model.objects.create_user(
        username, f"{username}@newsroom.example", "pw-x-12345", **fields
    )
    user.groups.set(groups)
    return user


@dataclass
class BackOffice:
    pks: dict[str, list[int]] = field(default_factory=dict)  # "app.model" -> canary pks
    pages: list[int] = field(default_factory=list)
    revisions: list[int] = field(default_factory=list)
    author_page: object = None
    users: dict[str, object] = field(default_factory=dict)


@pytest.fixture(scope="module")
def made_office(module_db):
    """The canaries and the staff, made once for the module: each test (each
    role's walk among them) sees them as made, whatever the one before did."""
    with module_db():
        return make_back_office(factories.site(), get_user_model())


@pytest.fixture
def back_office(db, made_office):
    return replace(
        made_office,
        pks=copy.deepcopy(made_office.pks),
        pages=list(made_office.pages),
        revisions=list(made_office.revisions),
        author_page=fresh(made_office.author_page),
        users=fresh(made_office.users),
    )


def make_back_office(home, django_user_model):
    office = BackOffice()
    section = factories.section(home, "World")
    index = factories.authors_index(home)
    penwright = reader("penwright", first_name="Quillon", last_name="Penwrightson")
    author = factories.author(index, "Quill Penwright")
    first_revision = author.latest_revision_id
    author.account = penwright  # a change the revision comparison shows
    author.save_revision().publish()
    article = factories.article(section, "A story", authors=[author])
    office.author_page = author
    office.pages = [article.pk, author.pk, section.pk]
    office.revisions = [article.latest_revision_id, first_revision, author.latest_revision_id]
    factories.image("A picture")
    reader("lurker")

    # No longer on offer: a plan on offer is public (the plans page lists it,
    # and an offer experiment's form offers it to editors).
    plan = Plan.objects.create(name=canary("plan"), slug="canary", price_minor=500, active=False)
    now = timezone.now()
    subscription = Subscription.objects.create(
        user=reader("subscriber"),
        plan=plan,
        status=Subscription.ACTIVE,
        provider="local",
        current_period_start=now,
        current_period_end=now + timedelta(days=30),
    )
    notification = Notification.objects.create(
        key="receipt:local:canary",
        kind="receipt",
        user=subscription.user,
        subscription=subscription,
        attempts=2,
        last_error=canary("notification-error"),
    )
    comp = ComplimentaryAccess.objects.create(user=reader("comped"), reason=canary("comp-reason"))

    commenter = reader("commenter")
    comments = [
        Comment.objects.create(
            article=article,
            user=commenter,
            text=canary(f"{status}-comment"),
            status=status,
            token=f"canary-{status}",
        )  # fmt: skip
        for status in (Comment.VISIBLE, Comment.HELD, Comment.HIDDEN)
    ]
    report = CommentReport.objects.create(
        comment=comments[2], reporter=reader("reporter"), reason=canary("report-reason")
    )
    banned = reader("banned")
    Comment.objects.create(article=article, user=banned, text="A rant.", token="canary-ban")
    ban = CommentBan.objects.create(user=banned, reason=canary("ban-reason"))
    key = ApiKey(name=canary("apikey-name"))
    key.save()

    office.pks = {
        "members.plan": [plan.pk],
        "members.subscription": [subscription.pk],
        "members.notification": [notification.pk],
        "members.complimentaryaccess": [comp.pk],
        "discussion.comment": [c.pk for c in comments],
        "discussion.commentreport": [report.pk],
        "discussion.commentban": [ban.pk],
        "api.apikey": [key.pk],
    }

    editors, moderators = Group.objects.get(name="Editors"), Group.objects.get(name="Moderators")
    office.users = {
        "superuser": django_user_model.objects.create_superuser(
            "chief", "chief@newsroom.example", "pw-x-12345"
        ),
        "editor": staff_member(django_user_model, "ed", [editors], first_name="Ed"),
        "moderator": staff_member(django_user_model, "mo", [moderators], first_name="Mo"),
        # The two roles Masthead ships (members/migrations/0004_back_office_roles.py).
        "subscriptions": staff_member(
            django_user_model, "sue", [Group.objects.get(name="Subscriptions")]
        ),
        "discussion": staff_member(
            django_user_model, "dee", [Group.objects.get(name="Comment moderators")]
        ),
    }
    # Their history, as editing them in the admin leaves it: the site history
    # report and each object's history page list entries by the object's name.
    for instance in (plan, subscription, notification, comp, *comments, report, ban, key):
        log(instance, "wagtail.edit", user=office.users["superuser"])
    return office


# --- The walk ---------------------------------------------------------------

SNIPPET_PATH = re.compile(r"^admin/snippets/(?:choose/)?(?P<app>\w+)/(?P<model>\w+)/")
NOT_WALKED = {
    "wagtailadmin_logout",  # would end the session the walk runs in
    "wagtailadmin_error_test",  # Wagtail's deliberate 500, to test error pages
}


def snippet_labels() -> list[str]:
    return [model._meta.label_lower for model in get_snippet_models()]


def admin_addresses(office: BackOffice) -> list[tuple[str, str]]:
    """(route label, path) for every admin route, with the canaries' ids."""
    every_pk = sorted({pk for pks in office.pks.values() for pk in pks} | set(office.pages))
    common = {
        "by_converter": {"int": [str(pk) for pk in every_pk], "str": [str(every_pk[0])]},
        "by_name": {
            # Regex groups are filled by name only (Wagtail's revision comparisons).
            "pk": [str(pk) for pk in every_pk],
            "revision_id": [str(r) for r in office.revisions],
            "revision_id_a": ["earliest"],
            "revision_id_b": ["latest"],
            "content_type_app_name": ["newsroom"],
            "content_type_model_name": ["authorpage", "articlepage"],
            "app_name": ["discussion", "newsroom"],
            "model_name": ["discussionsettings", "publicationsettings"],
            "filter_spec": ["original"],
        },
        "by_route": {"wagtail_bulk_action": bulk_paths(office)},
        "most": 12,
    }
    found = []
    for route in all_routes():
        if not route.admin or route.name in NOT_WALKED:
            continue
        samples = Samples(**common)
        label = None
        if match := SNIPPET_PATH.match(route.template):
            label = f"{match['app']}.{match['model']}"
            if label in office.pks:
                ids = [str(pk) for pk in office.pks[label]]
                samples = Samples(**{**common, "by_name": {**common["by_name"], "pk": ids}})
        for route_, path in addresses(samples, [route]):
            found.append((route_.label, path))
            if "<" not in route.template and "(?P" not in route.template:
                ids = office.pks.get(label, office.pages)
                query = "&".join(f"id={pk}" for pk in ids)
                found.append((route_.label, f"{path}?q={SEARCH}&{query}"))
    return found


def bulk_paths(office: BackOffice) -> list[str]:
    """Wagtail's bulk actions on snippets and accounts, for the canaries and for all."""
    accounts = list(get_user_model().objects.values_list("pk", flat=True))
    paths = []
    for label in [*snippet_labels(), "auth.user"]:
        app, model = label.split(".")
        actions = ["delete"] + (["assign_role", "set_active_state"] if app == "auth" else [])
        for action in actions:
            ids = "&".join(f"id={pk}" for pk in office.pks.get(label, accounts))
            paths += [f"/admin/bulk/{app}/{model}/{action}/?{ids}"]
            paths += [f"/admin/bulk/{app}/{model}/{action}/?id=all"]
    return paths


def walk(client, office):
    """Every admin address: (bodies by address, 5xx answers)."""
    bodies, failures = {}, []
    for label, path in admin_addresses(office):
        response = client.get(path)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {label} {path}")
        body = b"".join(response) if response.streaming else response.content
        bodies[path] = body.decode(errors="replace").lower()
    return bodies, failures


@pytest.mark.exhaustive
@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_only_its_part_on_every_admin_url(back_office, role):
    may_see, must_see = ROLES[role]
    client = Client(raise_request_exception=False)
    client.force_login(back_office.users[role])

    bodies, failures = walk(client, back_office)

    leaks = sorted(
        f"{c.text} ({c.area}) at {path}"
        for c in CANARIES
        if c.area not in may_see
        for path, body in bodies.items()
        if c.text in body
    )
    shown = "\n".join(bodies.values())
    expected = [c.text for c in CANARIES if c.area in must_see]
    if "bylines" in must_see:
        expected.append(AUTHOR_DISPLAY_NAME.lower())
    missing = [text for text in expected if text not in shown]
    assert not failures, "\n".join(failures)
    assert not leaks, f"{role} sees what is not theirs:\n" + "\n".join(leaks)
    # The walk reached the role's own part, so it can fail.
    assert not missing, f"{role} never saw: {missing}"
    # …and it ran signed in, to the end.
    assert client.get("/admin/").status_code == 200


# --- The pieces the walk relies on, one by one ------------------------------------

# Snippets any editor may pick from, whatever their role: outlets are named on
# published articles, and an editor crediting one needs the chooser.
PUBLIC_CHOOSERS = {"newsroom.source"}


def test_every_snippet_chooser_answers_only_who_may_list_the_model():
    from masthead.admin_roles import RestrictedSnippetChooserViewSet

    unrestricted = [
        model._meta.label_lower
        for model in get_snippet_models()
        if not issubclass(
            model.snippet_viewset.chooser_viewset_class, RestrictedSnippetChooserViewSet
        )
    ]
    assert sorted(unrestricted) == sorted(PUBLIC_CHOOSERS)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/snippets/choose/discussion/comment/",
        "/admin/snippets/choose/discussion/comment/results/?q=zq",
        "/admin/snippets/choose/discussion/comment/chosen/{pk}/",
        "/admin/snippets/choose/discussion/comment/chosen-multiple/?id={pk}",
    ],
)
def test_a_chooser_refuses_like_the_rest_of_the_admin(back_office, path):
    path = path.format(pk=back_office.pks["discussion.comment"][1])  # the held comment
    editor = Client()
    editor.force_login(back_office.users["editor"])

    page = editor.get(path)
    script = editor.get(path, HTTP_X_REQUESTED_WITH="XMLHttpRequest")

    assert page.status_code == 302 and page["Location"] == "/admin/"
    assert script.status_code == 403
    moderator = Client()
    moderator.force_login(back_office.users["discussion"])
    assert moderator.get(path).status_code == 200


def test_a_chooser_with_an_id_that_is_no_id_is_a_404(back_office):
    chief = Client(raise_request_exception=False)
    chief.force_login(back_office.users["superuser"])
    for pk in ("x", "99999999999999999999999", "0"):
        response = chief.get(f"/admin/snippets/choose/discussion/comment/chosen/{pk}/")
        assert response.status_code == 404, pk


def options(response, field) -> dict[str, str]:
    """The <option>s of a form's <select name=field>: value -> label."""
    html = response.content.decode()
    select = re.search(rf'<select name="{field}".*?</select>', html, re.S)[0]
    return dict(re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select))


def test_an_editor_links_an_author_by_name_to_newsroom_accounts_only(back_office):
    editor = Client()
    editor.force_login(back_office.users["editor"])
    author = back_office.author_page
    edit = f"/admin/pages/{author.pk}/edit/"

    offered = options(editor.get(edit), "account")

    users = back_office.users
    newsroom = {users[role].pk for role in ROLES}
    assert {int(pk) for pk in offered if pk} == newsroom | {author.account_id}
    assert offered[str(author.account_id)] == AUTHOR_DISPLAY_NAME
    assert offered[str(users["editor"].pk)] == "Ed"
    assert (
        offered[str(users["subscriptions"].pk)]
        == f"Account {users['subscriptions'].pk} (no name given)"
    )
    # A reader's account cannot be posted in by hand either; nor can junk.
    lurker = get_user_model().objects.get(username=canary("lurker"))
    for value in (lurker.pk, "abc", "99999999999999999999999", "-1", "1.5"):
        form = {"title": author.title, "slug": author.slug, "account": value}
        refused = editor.post(edit, form)
        assert refused.status_code == 200, value
        assert "Select a valid choice" in refused.content.decode(), value
    linked = author.account_id
    author.refresh_from_db()
    assert author.account_id == linked
    assert author.get_latest_revision_as_object().account_id == linked


def test_who_may_see_accounts_picks_from_all_of_them_by_email(back_office):
    chief = Client()
    chief.force_login(back_office.users["superuser"])

    offered = options(chief.get(f"/admin/pages/{back_office.author_page.pk}/edit/"), "account")

    assert f"{AUTHOR_DISPLAY_NAME} &lt;{canary('penwright')}@example.com&gt;" in offered.values()
    assert f"{canary('lurker')} &lt;{canary('lurker')}@example.com&gt;" in offered.values()


def test_revision_comparisons_name_the_account_not_its_login(back_office):
    editor = Client()
    editor.force_login(back_office.users["editor"])
    author = back_office.author_page

    compared = editor.get(f"/admin/pages/{author.pk}/revisions/compare/earliest...latest/")

    body = compared.content.decode()
    assert compared.status_code == 200 and AUTHOR_DISPLAY_NAME in body
    assert canary("penwright") not in body


def test_a_moderator_bans_commenters_by_the_name_their_comments_carry(back_office):
    moderator = Client()
    moderator.force_login(back_office.users["discussion"])

    offered = options(moderator.get("/admin/snippets/discussion/commentban/add/"), "user")

    commenters = {c.user for c in Comment.objects.select_related("user")}
    assert {int(pk) for pk in offered if pk} == {user.pk for user in commenters}
    assert f"{canary('commenter')} (account " in " ".join(offered.values())


def test_bulk_delete_is_refused_to_who_may_not_delete(back_office):
    comments = back_office.pks["discussion.comment"]
    ids = "&".join(f"id={pk}" for pk in comments)
    for role, status in (("editor", 302), ("subscriptions", 302), ("superuser", 200)):
        client = Client()
        client.force_login(back_office.users[role])
        for query in (ids, "id=all"):
            response = client.get(f"/admin/bulk/discussion/comment/delete/?{query}")
            assert response.status_code == status, (role, query)
    # Records stay records, for everyone.
    chief = Client()
    chief.force_login(back_office.users["superuser"])
    subscription = back_office.pks["members.subscription"][0]
    response = chief.get(f"/admin/bulk/members/subscription/delete/?id={subscription}")
    assert response.status_code == 302
    assert Subscription.objects.filter(pk=subscription).exists()
