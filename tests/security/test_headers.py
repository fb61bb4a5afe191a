"""Every public response forbids inline scripts; only the editor is allowed them."""

import pytest

from tests import factories
from tests.paywall.helpers import gated_article

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ") if part}


def test_article_pages_and_the_cached_path_forbid_inline_script(client, home):
    article = gated_article(factories.section(home, "World"), 1)
    for _ in range(2):  # rendered, then from the cached shell
        policy = directives(client.get(article.url))
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]


def test_only_the_admin_gets_the_editors_allowances(client, home, django_user_model):
    editor = django_user_model.objects.create_superuser("ed", "ed@example.com", "pw-for-tests-1")
    client.force_login(editor)
    admin = directives(client.get("/admin/"))
    assert "'unsafe-inline'" in admin["script-src"] and "blob:" in admin["img-src"]
    public = directives(client.get("/"))
    assert "'unsafe-inline'" not in public["script-src"]
