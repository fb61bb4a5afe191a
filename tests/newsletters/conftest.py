"""An issue of a newsletter made from one metered article with canary sentences."""

import pytest

from masthead.newsletters.models import Issue, IssueArticle, Newsletter
from tests import factories
from tests.paywall.helpers import gated_article


@pytest.fixture
def issue():
    section = factories.section(factories.site(), "World")
    article = gated_article(section, 1)
    newsletter = Newsletter.objects.create(name="The Briefing", slug="briefing", sender_name="Desk")
    issue = Issue.objects.create(newsletter=newsletter, subject="Tuesday")
    IssueArticle.objects.create(issue=issue, article=article)
    return issue
