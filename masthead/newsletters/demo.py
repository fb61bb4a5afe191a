"""The demo's newsletters, two readers who receive them, and an issue to send.

The subscriber (complimentary access) gets whole articles; the free reader
the teaser and the offer. ``make run`` writes their messages to files under
``var/mail/``, so an editor can send the issue and compare the two.
"""

from __future__ import annotations

from collections import Counter

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

from masthead.members.models import ComplimentaryAccess
from masthead.newsletters.models import Issue, IssueArticle, Newsletter, Recipient
from masthead.newsroom.models import ArticlePage


@transaction.atomic
def load(content: dict) -> Counter:
    """Whatever of the demo's newsletters is missing; what was created."""
    created = Counter()
    lists = {}
    for order, spec in enumerate(content.get("newsletters", [])):
        spec = dict(spec)
        slug = spec.pop("slug")
        lists[slug], made = Newsletter.objects.get_or_create(
            slug=slug, defaults={**spec, "sort_order": order}
        )
        created["newsletters"] += made
    for spec in content.get("newsletter_readers", []):
        user = None
        if spec.get("subscriber"):
            user = _subscriber(spec["email"], created)
        for slug in spec["newsletters"]:
            _, made = Recipient.objects.get_or_create(
                newsletter=lists[slug],
                email=spec["email"],
                defaults={"user": user, "status": Recipient.ACTIVE, "source": "demo"},
            )
            created["newsletter recipients"] += made
    for spec in content.get("newsletter_issues", []):
        newsletter = lists[spec["newsletter"]]
        if newsletter.issues.filter(subject=spec["subject"]).exists():
            continue
        issue = Issue.objects.create(
            newsletter=newsletter, subject=spec["subject"], intro=spec.get("intro", "")
        )
        for order, slug in enumerate(spec["articles"]):
            article = ArticlePage.objects.filter(slug=slug).first()
            if article is not None:
                IssueArticle.objects.create(issue=issue, article=article, sort_order=order)
        created["newsletter issues"] += 1
    return created


def _subscriber(email: str, created: Counter):
    users = get_user_model()
    user = users.objects.filter(email=email).first()
    if user is None:
        # Named by the whole address: a short name would take one a newsroom may want.
        user = users.objects.create_user(email, email)
        user.set_unusable_password()  # a reader of the demo's mail, not a login
        user.save()
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        ComplimentaryAccess.objects.create(user=user, reason="Demo subscriber")
        created["demo subscribers"] += 1
    return user
