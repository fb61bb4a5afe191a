"""Builders for real content trees. Each returns a saved, published object."""

import io
from datetime import timedelta
from itertools import count

from django.core.files.images import ImageFile
from django.utils import timezone
from django.utils.html import escape
from PIL import Image as PILImage
from wagtail.models import Page, Site

from masthead.newsroom.models import (
    ArticleAuthor,
    ArticlePage,
    AuthorIndexPage,
    AuthorPage,
    CreditedImage,
    HomePage,
    PublicationSettings,
    SectionPage,
    Source,
)

_serial = count(1)


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def site(name="The Test Gazette") -> HomePage:
    root = Page.get_first_root_node()
    for child in root.get_children():
        if child.specific_class is Page:
            child.delete()
    home = publish(root, HomePage(title=name, slug="home"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": name},
    )
    PublicationSettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True),
        defaults={"name": name, "tagline": "News you can test"},
    )
    return home


def section(home, title="World", **fields) -> SectionPage:
    return publish(home, SectionPage(title=title, slug=title.lower().replace(" ", "-"), **fields))


def authors_index(home) -> AuthorIndexPage:
    return publish(home, AuthorIndexPage(title="Our Team", slug="authors"))


def author(index, name="Avery Writer", **fields) -> AuthorPage:
    slug = name.lower().replace(" ", "-")
    return publish(index, AuthorPage(title=name, slug=slug, **fields))


def image(title=None, credit="", credit_url="", size=(64, 36)) -> CreditedImage:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, "#336699").save(buffer, "PNG")
    image = CreditedImage(
        title=title or f"Image {next(_serial)}", credit=credit, credit_url=credit_url
    )
    image.file = ImageFile(buffer, name=f"test-{next(_serial)}.png")
    image.save()
    return image


def source(name="Harbor Ledger", homepage_url="https://harborledger.example/") -> Source:
    return Source.objects.get_or_create(name=name, defaults={"homepage_url": homepage_url})[0]


def paragraphs(*texts):
    return [{"type": "paragraph", "value": f"<p>{escape(text)}</p>"} for text in texts]


def article(parent, title=None, authors=(), age=timedelta(0), tags=(), body=None, **fields):
    n = next(_serial)
    title = title or f"Article number {n}"
    page = ArticlePage(
        title=title,
        slug=fields.pop("slug", f"article-{n}"),
        dek=fields.pop("dek", f"The summary of {title.lower()}."),
        date=fields.pop("date", timezone.now() - age),
        body=body if body is not None else paragraphs(f"First paragraph of {title}."),
        **fields,
    )
    for byline in authors:
        page.article_authors.add(ArticleAuthor(author=byline))
    if tags:
        page.tags.add(*tags)
    return publish(parent, page)


def reauthenticate(client, password="a-long-test-password"):
    """Give the password again, as allauth asks before a sensitive change."""
    response = client.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == 302, "reauthentication failed"


def reader(email="reader@example.com", password="a-long-test-password", verified=True):
    """A reader's account as sign-up makes it: a user and their (verified) address."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email.split("@")[0], email, password)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


def admin_client(username, *codenames):
    """A test client signed in as an admin user whose one group grants admin
    access and ``codenames`` (no staff status: the admin's own permissions)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.test import Client

    user = get_user_model().objects.create_user(
        username, f"{username}@newsroom.example", "pw-x-12345"
    )
    group = Group.objects.create(name=username)
    group.permissions.set(Permission.objects.filter(codename__in=["access_admin", *codenames]))
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client
