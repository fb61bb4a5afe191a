"""Build the demo publication from content.toml.

Idempotent: everything is looked up by slug, name or title before it is
created, and nothing that already exists is changed, so an editor's changes
to demo content survive a second run.
"""

from __future__ import annotations

import io
import tomllib
from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from masthead.members.models import Plan
from masthead.newsroom.demo import artwork
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
    Wording,
)

CONTENT_FILE = Path(__file__).with_name("content.toml")


def read_content(path: Path = CONTENT_FILE) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def parse_body(text: str, figure: CreditedImage | None = None) -> list[dict]:
    """Turn the demo's plain-text body format into StreamField data.

    With ``figure``, the image is placed after the second paragraph, to show
    an in-body image with its credit.
    """
    blocks = []
    for chunk in (part.strip() for part in text.strip().split("\n\n")):
        if not chunk:
            continue
        if chunk.startswith("## "):
            blocks.append({"type": "heading", "value": chunk[3:].strip()})
        elif chunk.startswith("> "):
            quote, _, attribution = chunk[2:].partition(" -- ")
            blocks.append(
                {
                    "type": "quote",
                    "value": {"text": quote.strip(), "attribution": attribution.strip()},
                }
            )
        else:
            blocks.append(
                {"type": "paragraph", "value": f"<p>{escape(' '.join(chunk.split()))}</p>"}
            )
        if figure is not None and len(blocks) == 2:
            blocks.append({"type": "image", "value": {"image": figure.pk, "caption": figure.title}})
    return blocks


def publish(parent: Page, page: Page) -> Page:
    """Add ``page`` under ``parent`` and publish it through a revision, as an editor would."""
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


class DemoLoader:
    def __init__(self, content: dict, now=None):
        self.content = content
        self.now = now or timezone.now()
        self.created = Counter()

    def load(self) -> Counter:
        with transaction.atomic():
            home = self.home_page()
            self.publication(home)
            authors = self.authors(home)
            sources = self.sources()
            self.plans()
            sections = self.sections(home)
            for spec in self.content["articles"]:
                self.article(spec, sections[spec["section"]], authors, sources)
            for code, edition in self.content.get("editions", {}).items():
                self.edition(code, edition, home)
        return self.created

    def home_page(self) -> HomePage:
        home = HomePage.objects.first()
        if home is None:
            root = self.tree_root()
            # Wagtail's installer leaves a bare "Welcome" page at the slug we
            # want; it is not content, so it goes.
            for child in root.get_children():
                if child.specific_class is Page and not child.get_children_count():
                    child.delete()
            home = publish(root, HomePage(title=self.content["home"]["title"], slug="home"))
            self.created["home pages"] += 1
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name=self.content["publication"]["name"],
            )
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.site_name = self.content["publication"]["name"]
            site.save()
        return home

    def tree_root(self) -> Page:
        """Wagtail's root page, recreated after a `flush` with the rows its migrations made."""
        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        if Collection.get_first_root_node() is None:
            Collection.add_root(name="Root")
        root = Page.get_first_root_node()
        if root is None:
            root = Page.add_root(instance=Page(title="Root", slug="root", live=True))
        return root

    def publication(self, home: HomePage) -> None:
        site = Site.objects.get(is_default_site=True)
        if PublicationSettings.objects.filter(site=site).exists():
            return
        PublicationSettings.objects.create(site=site, **self.content["publication"])
        self.created["publication settings"] += 1

    def image(
        self, title: str, data: bytes, credit: str = "", credit_url: str = ""
    ) -> CreditedImage:
        image = CreditedImage.objects.filter(title=title).first()
        if image is None:
            filename = "demo-" + "-".join(title.lower().split())[:60] + ".jpg"
            image = CreditedImage(title=title, credit=credit, credit_url=credit_url)
            image.file = ImageFile(io.BytesIO(data), name=filename)
            image.save()
            self.created["images"] += 1
        return image

    def authors(self, home: HomePage) -> dict[str, AuthorPage]:
        spec = self.content["authors_index"]
        index = AuthorIndexPage.objects.child_of(home).first()
        if index is None:
            index = publish(
                home, AuthorIndexPage(title=spec["title"], slug=spec["slug"], intro=spec["intro"])
            )
            self.created["author index pages"] += 1
        authors = {}
        for author in self.content["authors"]:
            page = AuthorPage.objects.child_of(index).filter(slug=author["slug"]).first()
            if page is None:
                photo = self.image(
                    f"Portrait: {author['name']}",
                    artwork.portrait(author["name"], author["colour"]),
                    credit="Ridgeline Graphics Desk",
                )
                page = publish(
                    index,
                    AuthorPage(
                        title=author["name"],
                        slug=author["slug"],
                        role=author["role"],
                        bio=author["bio"],
                        is_team=author.get("is_team", False),
                        photo=photo,
                    ),
                )
                self.created["authors"] += 1
            authors[author["slug"]] = page
        return authors

    def sources(self) -> dict[str, Source]:
        sources = {}
        for spec in self.content["sources"]:
            source, created = Source.objects.get_or_create(
                name=spec["name"], defaults={"homepage_url": spec["homepage_url"]}
            )
            if created:
                self.created["sources"] += 1
            sources[source.name] = source
        return sources

    def plans(self) -> None:
        for order, spec in enumerate(self.content.get("plans", [])):
            spec = dict(spec)
            _, created = Plan.objects.get_or_create(
                slug=spec.pop("slug"), defaults={**spec, "sort_order": order}
            )
            if created:
                self.created["plans"] += 1

    def sections(self, home: HomePage) -> dict[str, SectionPage]:
        sections = {}
        for spec in self.content["sections"]:
            section = SectionPage.objects.child_of(home).filter(slug=spec["slug"]).first()
            if section is None:
                section = publish(
                    home, SectionPage(title=spec["title"], slug=spec["slug"], intro=spec["intro"])
                )
                self.created["sections"] += 1
            sections[spec["slug"]] = section
        return sections

    def article(self, spec, section, authors, sources) -> None:
        if ArticlePage.objects.child_of(section).filter(slug=spec["slug"]).exists():
            return
        lead_image = figure = None
        if "image" in spec:
            art = spec["image"]
            image = self.image(
                art["title"],
                artwork.landscape(spec["slug"], art["style"]),
                credit=art["credit"],
                credit_url=art.get("credit_url", ""),
            )
            if art.get("in_body"):
                figure = image
            else:
                lead_image = image
        article = ArticlePage(
            title=spec["title"],
            slug=spec["slug"],
            dek=spec["dek"],
            date=self.now - timedelta(hours=spec["hours_ago"]),
            lead_image=lead_image,
            body=parse_body(spec["body"], figure=figure),
            access=spec.get("access", "metered"),
            source=sources[spec["source"]] if "source" in spec else None,
            original_url=spec.get("original_url", ""),
        )
        for slug in spec["authors"]:
            article.article_authors.add(ArticleAuthor(author=authors[slug]))
        article.tags.add(*spec.get("tags", []))
        publish(section, article)
        self.created["articles"] += 1

    def edition(self, code: str, spec: dict, home: HomePage) -> None:
        """The demo in another language the site offers: the front page, the
        sections, the team and some articles translated, as an editor would
        with *Translate* (Wagtail's copy for a locale), then published.
        Skipped when the site does not offer the language (SITE_LANGUAGES)."""
        if code not in {language for language, _ in settings.WAGTAIL_CONTENT_LANGUAGES}:
            return
        locale, _ = Locale.objects.get_or_create(language_code=code)

        def translated(page, **fields):
            page = page.specific
            other = page.get_translation_or_none(locale)
            if other is not None:
                return other.specific, False
            other = page.copy_for_translation(locale)
            for name, value in fields.items():
                setattr(other, name, value)
            other.save_revision().publish()
            self.created[f"{code} pages"] += 1
            return other.specific, True

        site = Site.objects.get(is_default_site=True)
        for key, text in spec.get("words", {}).items():
            _, made = Wording.objects.get_or_create(
                site=site, language=code, key=key, defaults={"text": text}
            )
            self.created[f"{code} words"] += made
        translated(home, title=spec["home"]["title"])
        index = AuthorIndexPage.objects.child_of(home).first()
        translated(
            index, title=spec["authors_index"]["title"], intro=spec["authors_index"]["intro"]
        )
        authors = {}
        for author in spec["authors"]:
            original = AuthorPage.objects.child_of(index).get(slug=author["slug"])
            authors[original.pk], _ = translated(
                original, title=author["name"], role=author["role"], bio=author["bio"]
            )
        for section in spec["sections"]:
            original = SectionPage.objects.child_of(home).get(slug=section["slug"])
            translated(original, title=section["title"], intro=section["intro"])
        for article in spec["articles"]:
            original = ArticlePage.objects.get(
                slug=article["slug"], locale__language_code=home.locale.language_code
            )
            page, created = translated(
                original,
                title=article["title"],
                dek=article["dek"],
                body=parse_body(article["body"]),
            )
            if created:
                # Bylines lead to the team's pages in the same language.
                bylines = [authors[byline.author_id] for byline in original.article_authors.all()]
                page.article_authors.clear()
                for author in bylines:
                    page.article_authors.add(ArticleAuthor(author=author))
                page.save_revision().publish()


def read_editions() -> dict:
    """The demo's other languages: content.<code>.toml beside content.toml."""
    editions = {}
    for path in sorted(CONTENT_FILE.parent.glob("content.*.toml")):
        editions[path.suffixes[0].lstrip(".")] = read_content(path)
    return editions


def load_demo(content: dict | None = None) -> Counter:
    """Create whatever part of the demo publication is missing; return what was created."""
    if content is None:
        content = read_content()
        content["editions"] = read_editions()
    return DemoLoader(content).load()
