"""An ``Archive`` into the page tree: sections, author pages, articles, images
and a permanent redirect from every old address.

Every item is written in its own savepoint: one that fails leaves nothing of
itself, and the rest goes on (the report lists it). Items are found again by
``imported_from``, so a second run of the same export updates what changed
and creates nothing twice. A dry run does all of it inside one transaction
and rolls it back, without storing image files.
"""

from __future__ import annotations

import hashlib
import html
import io
import ipaddress
import json
import logging
import mimetypes
import re
import socket
import urllib.request
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import nh3
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from modelsearch import index as search_index
from modelsearch import signal_handlers as search_signals
from modelsearch.backends import get_search_backends
from PIL import Image as PILImage
from wagtail.contrib.redirects.models import Redirect
from wagtail.log_actions import log
from wagtail.models import Page, ReferenceIndex, Site
from wagtail.signal_handlers import disable_reference_index_auto_update

from masthead.importing import report as outcomes
from masthead.importing.archive import Archive, Author, Media, Post, Section
from masthead.importing.html import INLINE_TAGS, Converter, PageLink
from masthead.importing.report import Report
from masthead.newsroom.models import (
    Access,
    ArticleAuthor,
    ArticlePage,
    AuthorIndexPage,
    AuthorPage,
    CreditedImage,
    HomePage,
    SectionPage,
)
from masthead.paywall import gate
from masthead.search import index as search

logger = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 25 * 1024 * 1024
DEK_MAX = 400
SIZED = re.compile(r"-\d+x\d+(?=\.\w+$)")  # WordPress's resized copies: photo-300x200.jpg


HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)


@contextmanager
def indexing_deferred():
    """Pages and images saved without indexing them at each save (a page is
    saved three times on its way in: added, revised, published). Yields the
    saved objects by model, for ``Writer.index`` to index once each."""
    touched: dict = {}

    def remember(sender, instance, **kwargs):
        touched.setdefault(type(instance), set()).add(instance.pk)

    models = [m for m in search_index.get_indexed_models()
              if getattr(m, "search_auto_update", True)]  # fmt: skip
    quieted = [
        model
        for model in models
        if post_save.disconnect(search_signals.post_save_signal_handler, sender=model)
    ]
    for model in models:
        post_save.connect(remember, sender=model, weak=False, dispatch_uid=f"import-{model}")
    try:
        with disable_reference_index_auto_update():
            yield touched
    finally:
        for model in models:
            post_save.disconnect(sender=model, dispatch_uid=f"import-{model}")
        for model in quieted:
            post_save.connect(search_signals.post_save_signal_handler, sender=model)


def public_address(url: str) -> None:
    """Refuse an address on this machine or its private network: an export is
    a file from elsewhere, and its image addresses must not reach what only
    this server can (a cloud's metadata service, an admin port)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an http(s) address: {url[:120]}")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise ValueError(f"{parts.hostname} does not resolve") from exc
    for info in infos:
        if not ipaddress.ip_address(info[4][0]).is_global:
            raise ValueError(f"{parts.hostname} is not a public address")


class PublicRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        public_address(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class PublicOnly:
    """urllib, for public addresses only (checked again at every redirect)."""

    opener = urllib.request.build_opener(PublicRedirects)

    def open(self, request, timeout):
        public_address(request.full_url)
        return self.opener.open(request, timeout=timeout)


PUBLIC_ONLY = PublicOnly()


class Rollback(Exception):
    """Raised at the end of a dry run to undo everything it wrote."""


class ItemFailed(Exception):
    """One item cannot be written; the message says why, in the reader's terms."""


def clean_slug(value: str, fallback: str) -> str:
    slug = slugify(unquote(value or ""), allow_unicode=True)[:200].strip("-")
    return slug or slugify(fallback, allow_unicode=True)[:200].strip("-") or "item"


def plain(markup: str) -> str:
    """Text of a fragment, entities read (a summary is shown escaped, so an
    excerpt's "&amp;" must arrive as "&")."""
    return " ".join(html.unescape(strip_tags(markup or "")).split())


def short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


class Writer:
    def __init__(
        self,
        archive: Archive,
        *,
        dry_run: bool = False,
        media_dir: Path | None = None,
        fetch_media: bool = False,
        section_map: dict[str, str] | None = None,
        default_section: str = "news",
        progress=None,
    ):
        self.archive = archive
        self.dry_run = dry_run
        self.media_dir = media_dir
        self.fetch_media = fetch_media
        self.section_map = section_map or {}
        self.default_section = default_section
        self.progress = progress or (lambda items, total, label: items)
        self.report = Report(dry_run=dry_run)
        self.sections: dict[str, SectionPage] = {}
        self.authors: dict[str, AuthorPage] = {}
        # normalised old path (with and without its query) → page
        self.old_addresses: dict[str, PageLink] = {}
        self.images: dict[str, int | None] = {}
        self.created_live: list[int] = []  # new live articles, for the site's search
        self.new_redirects: dict[str, Redirect] = {}  # old path → redirect, to write
        self.existing: dict[str, ArticlePage] = {}  # imported_from → page (a few fields)
        self.links: dict[str, list[str]] = {}  # post ref → the refs of posts it links to
        self.published = {post.ref: post.published for post in archive.posts}
        self.redirected: dict[str, tuple] = {}  # old path → (page id, link, permanent)
        self.stored_files: list[str] = []
        self.hosts = {h.lower() for h in [urlsplit(archive.site_url).netloc, *archive.other_hosts]}
        self.hosts.discard("")
        self.converter = Converter(
            resolve_link=self.resolve_link, is_internal=self.is_internal, image_for=self.image_for
        )

    # --- the run ---------------------------------------------------------

    def run(self) -> Report:
        for item in self.archive.skipped:
            self.report.add("items", outcomes.SKIPPED, item.label, item.reason)
        for item in self.archive.unreadable:
            self.report.add("items", outcomes.FAILED, item.label, item.reason)
        try:
            with transaction.atomic(), indexing_deferred() as touched:
                self.write()
                self.index_saved(touched)
                if self.dry_run:
                    raise Rollback
        except Rollback:
            pass
        return self.report

    @staticmethod
    def index_saved(touched: dict) -> None:
        """Each page and image the import saved, indexed once (search and
        Wagtail's reference index) rather than at every one of its saves."""
        backends = list(get_search_backends(with_auto_update=True))
        for model, pks in touched.items():
            pks = sorted(pks)
            for start in range(0, len(pks), 500):
                instances = list(model._default_manager.filter(pk__in=pks[start : start + 500]))
                indexed = [
                    search_index.get_indexed_instance(i, check_exists=False) for i in instances
                ]
                indexed = [i for i in indexed if i is not None]
                for backend in backends:
                    if indexed:
                        backend.add_bulk(type(indexed[0]), indexed)
                for instance in instances:
                    ReferenceIndex.create_or_update_for_object(instance)

    def write(self) -> None:
        self.site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if self.site is None or not isinstance(self.site.root_page.specific, HomePage):
            raise ItemFailed(
                "This site has no home page yet: run `manage.py migrate` and create the site "
                "(or `manage.py load_demo`) before importing."
            )
        self.home = self.site.root_page.specific
        self.index = AuthorIndexPage.objects.child_of(self.home).first()
        self.known_pages()
        for section in self.archive.sections:
            self.item("sections", section.name, lambda s=section: self.section(s))
        for author in self.archive.authors:
            self.item("authors", author.name, lambda a=author: self.author(a))
        posts = self.linked_first(
            sorted(self.archive.posts, key=lambda p: p.date or datetime.min.replace(tzinfo=UTC))
        )
        self.reserve_addresses(posts)
        self.write_redirects()
        waiting: list[tuple[Post, ArticlePage]] = []
        for post in self.progress(posts, len(posts), "articles"):
            result = self.item("articles", post.label, lambda p=post: self.article(p))
            if result is not None and result[1]:
                waiting.append((post, result[0]))
        self.write_redirects()
        search.index_articles(self.created_live)
        # Links to posts that came later in the file: every page exists now.
        for post, page in waiting:
            self.item("links", post.label, lambda p=post, pg=page: self.relink(p, pg), quiet=True)

    def linked_first(self, posts: list[Post]) -> list[Post]:
        """``posts`` in an order where a post comes after the posts it links to
        (oldest first otherwise), so its links can lead to their pages as it is
        written; only links in a circle wait for the second pass."""
        by_path = {}
        for post in posts:
            for path in post.old_paths:
                by_path[Redirect.normalise_path(path)] = post.ref
        targets = {}
        for post in posts:
            found = []
            for href in HREF.findall(post.html):
                href = html.unescape(href)
                if self.is_internal(href):
                    parts = urlsplit(href.replace("__GHOST_URL__", "", 1))
                    query = f"?{parts.query}" if parts.query else ""
                    ref = by_path.get(Redirect.normalise_path((parts.path or "/") + query))
                    ref = ref or by_path.get(Redirect.normalise_path(parts.path or "/"))
                    if ref and ref != post.ref:
                        found.append(ref)
            targets[post.ref] = found
        self.links = targets
        by_ref = {post.ref: post for post in posts}
        ordered, state = [], {}
        for post in posts:
            if post.ref in state:
                continue
            state[post.ref] = "open"
            stack = [(post.ref, iter(targets[post.ref]))]
            while stack:
                ref, pending = stack[-1]
                child = next(pending, None)
                if child is None:
                    stack.pop()
                    state[ref] = "done"
                    ordered.append(by_ref[ref])
                elif child not in state:
                    state[child] = "open"
                    stack.append((child, iter(targets[child])))
        return ordered

    def write_redirects(self) -> None:
        Redirect.objects.bulk_create(list(self.new_redirects.values()), batch_size=500)
        self.new_redirects = {}

    def item(self, kind: str, label: str, work, quiet: bool = False):
        stored = len(self.stored_files)
        redirects = len(self.new_redirects)
        try:
            with transaction.atomic():
                outcome, reason, value = work()
        except ItemFailed as exc:
            self.forget_files(stored)
            self.forget_redirects(redirects)
            self.report.add(kind, outcomes.FAILED, label, str(exc))
            return None
        except Exception as exc:  # one item's surprise must not end the import
            logger.exception("Importing %s %s failed", kind, label)
            self.forget_files(stored)
            self.forget_redirects(redirects)
            self.report.add(kind, outcomes.FAILED, label, f"{type(exc).__name__}: {exc}")
            return None
        if not quiet or outcome != outcomes.UNCHANGED:
            self.report.add(kind, outcome, label, reason)
        return value

    def forget_redirects(self, since: int) -> None:
        """Redirects an item that failed asked for: it has no page to lead to."""
        for old in list(self.new_redirects)[since:]:
            self.redirected.pop(old, None)
            del self.new_redirects[old]

    def forget_files(self, since: int) -> None:
        """Files stored for an item that failed: its rows are gone, so are they."""
        for name in self.stored_files[since:]:
            CreditedImage._meta.get_field("file").storage.delete(name)
        del self.stored_files[since:]

    # --- what is already here ------------------------------------------

    def known_pages(self) -> None:
        """The site's redirects, and the sections and authors an earlier run
        made, read once."""
        prefix = self.archive.origin + ":"
        self.redirected = {
            old: (page_id, link, permanent)
            for old, page_id, link, permanent in Redirect.objects.filter(
                site=self.site
            ).values_list("old_path", "redirect_page_id", "redirect_link", "is_permanent")
        }
        for page in SectionPage.objects.filter(imported_from__startswith=prefix):
            self.sections[page.imported_from] = page
        for page in AuthorPage.objects.filter(imported_from__startswith=prefix):
            self.authors[page.imported_from] = page

    def reserve_addresses(self, posts: Iterable[Post]) -> None:
        """Which posts have a page already, and where the old addresses of
        those published lead: read once, not once per post."""
        refs = {post.ref: post for post in posts}
        existing = ArticlePage.objects.filter(
            imported_from__startswith=self.archive.origin + ":"
        ).only("pk", "url_path", "imported_from", "imported_digest", "live")
        for page in existing:
            self.existing[page.imported_from] = page
            if page.imported_from in refs and refs[page.imported_from].published:
                self.remember(refs[page.imported_from], page)

    def remember(self, post: Post, page: ArticlePage) -> None:
        link = PageLink(page_id=page.pk, url=self.relative_url(page))
        for path in post.old_paths:
            self.old_addresses[Redirect.normalise_path(path)] = link

    def relative_url(self, page: Page) -> str:
        root = self.home.url_path
        return "/" + page.url_path[len(root) :] if page.url_path.startswith(root) else page.url_path

    # --- links -----------------------------------------------------------

    def is_internal(self, href: str) -> bool:
        if href.startswith("__GHOST_URL__"):
            return True
        parts = urlsplit(href)
        if parts.scheme and parts.scheme not in {"http", "https"}:
            return False
        if not parts.netloc:
            return href.startswith("/")
        return parts.netloc.lower() in self.hosts

    def resolve_link(self, href: str) -> PageLink | None:
        href = href.replace("__GHOST_URL__", "", 1)
        parts = urlsplit(href)
        path = parts.path or "/"
        with_query = Redirect.normalise_path(path + (f"?{parts.query}" if parts.query else ""))
        return self.old_addresses.get(with_query) or self.old_addresses.get(
            Redirect.normalise_path(path)
        )

    # --- sections and authors -------------------------------------------

    def target_slug(self, section: Section) -> str:
        return clean_slug(self.section_map.get(section.slug, section.slug), section.name)

    def section(self, spec: Section):
        slug = self.target_slug(spec)
        page = self.sections.get(spec.ref)
        if page is None:
            page = SectionPage.objects.child_of(self.home).filter(slug=slug).first()
            if page is not None:
                self.sections[spec.ref] = page
                self.redirects(spec.old_paths, page)
                return outcomes.UNCHANGED, f"goes into the existing section {page.title}", page
            page = SectionPage(
                title=spec.name[:255],
                slug=slug,
                intro=short(plain(spec.description), 500),
                imported_from=spec.ref,
            )
            self.publish_new(self.home, page)
            self.sections[spec.ref] = page
            self.redirects(spec.old_paths, page)
            return outcomes.CREATED, "", page
        self.redirects(spec.old_paths, page)
        return outcomes.UNCHANGED, "", page

    def default_home(self) -> SectionPage:
        if not hasattr(self, "_default"):
            slug = clean_slug(self.default_section, "news")
            page = SectionPage.objects.child_of(self.home).filter(slug=slug).first()
            if page is None:
                page = SectionPage(title=slug.replace("-", " ").title(), slug=slug)
                self.publish_new(self.home, page)
                self.report.add("sections", outcomes.CREATED, page.title, "for posts without one")
            self._default = page
        return self._default

    def author_index(self) -> AuthorIndexPage:
        if self.index is None:
            self.index = AuthorIndexPage(title="Our people", slug="people")
            self.publish_new(self.home, self.index)
            self.report.add("pages", outcomes.CREATED, "Our people", "the staff page")
        return self.index

    def author(self, spec: Author):
        bio = self.rich_bio(spec.bio)
        page = self.authors.get(spec.ref)
        if page is None:
            slug = clean_slug(spec.slug, spec.name)
            index = self.author_index()
            existing = AuthorPage.objects.child_of(index).filter(slug=slug).first()
            if existing is not None and not existing.imported_from:
                # A byline made here already: the import's posts carry it.
                self.authors[spec.ref] = existing
                self.redirects(spec.old_paths, existing)
                return outcomes.UNCHANGED, f"is the existing author page {existing.title}", existing
            page = AuthorPage(
                title=spec.name[:255],
                slug=self.free_slug(index, slug),
                bio=bio,
                role=spec.role[:120],
                imported_from=spec.ref,
            )
            self.publish_new(index, page)
            self.authors[spec.ref] = page
            self.redirects(spec.old_paths, page)
            return outcomes.CREATED, "", page
        changed = page.title != spec.name[:255] or page.bio != bio
        if changed:
            page.title = spec.name[:255]
            page.bio = bio
            page.save_revision().publish()
        self.redirects(spec.old_paths, page)
        return (outcomes.UPDATED if changed else outcomes.UNCHANGED), "", page

    def rich_bio(self, markup: str) -> str:
        if not markup:
            return ""
        if "<" not in markup:
            markup = "".join(f"<p>{part}</p>" for part in markup.split("\n\n") if part.strip())
        result = Converter(
            resolve_link=lambda href: None, is_internal=lambda href: False, image_for=lambda m: None
        ).convert(markup)
        # A bio holds bold, italic and links in paragraphs; a list's items
        # become plain text in them.
        markup = "".join(b["value"] for b in result.blocks if b["type"] == "paragraph")
        return nh3.clean(
            markup, tags=INLINE_TAGS | {"p"}, attributes={"a": {"href"}}, link_rel=None
        )

    # --- articles --------------------------------------------------------

    def article(self, post: Post):
        if not post.title.strip():
            raise ItemFailed("it has no title")
        digest = self.digest(post)
        known = self.existing.get(post.ref)
        if known is not None and known.imported_digest == digest:
            # The source has not changed since the import wrote this page:
            # the page, and whatever an editor has done to it since, stay.
            if known.live:
                self.remember(post, known)
                self.redirects(post.old_paths, known)
            return outcomes.UNCHANGED, "", None
        home = self.home_section(post)
        converted = self.converter.convert(post.html, post.attachments)
        for note in [*post.notes, *converted.notes]:
            self.report.note(post.label, note)
        if not converted.blocks:
            raise ItemFailed("its body is empty")
        fields = self.article_fields(post, converted.blocks)
        authors = [self.authors[ref] for ref in post.authors if ref in self.authors]
        if not authors:
            raise ItemFailed("it has no author this import knows (every article needs a byline)")
        page = ArticlePage.objects.filter(pk=known.pk).first() if known else None
        if page is None:
            page = ArticlePage(imported_from=post.ref, imported_digest=digest, **fields)
            page.slug = self.free_slug(home, clean_slug(post.slug, post.title))
            self.create(home, page, post, authors)
            outcome, reason = outcomes.CREATED, "" if post.published else "kept as a draft"
        else:
            if post.date is None:
                fields["date"], fields["updated"] = page.date, page.updated
            if not fields["dek"]:
                fields["dek"] = page.dek
            changes = self.changes(page, fields, authors, self.tag_names(post), post.published)
            if page.get_parent().pk != home.pk:
                page.move(home, pos="last-child")
                page.refresh_from_db()
                changes.append("section")
            for name, value in fields.items():
                setattr(page, name, value)
            page.imported_digest = digest
            if changes:
                self.save(page, post, authors)
                outcome, reason = outcomes.UPDATED, "changed: " + ", ".join(changes)
            else:
                # The source changed in ways that make no difference here.
                ArticlePage.objects.filter(pk=page.pk).update(imported_digest=digest)
                outcome, reason = outcomes.UNCHANGED, ""
        if post.published:
            # Only a live page is somewhere to lead: a link to a draft stays
            # as it was (and is listed), or readers would meet a 404.
            self.remember(post, page)
            self.redirects(post.old_paths, page)
        return outcome, reason, (page, bool(converted.unresolved))

    def create(self, home, page: ArticlePage, post: Post, authors: list[AuthorPage]) -> None:
        """A new article, saved once, live or a draft as the source has it.

        Not through a revision and its publication, as an editor's page goes:
        Wagtail's publishing costs a hundred queries a page, and 10,000 posts
        would take most of an hour on PostgreSQL. The page is what a publish
        makes (live, first and last published now, nothing unpublished), the
        admin's history says it was created and published, and the site's
        search indexes the new pages together at the end of the run (no
        newsletter can be waiting for a page that did not exist). An editor's
        first save makes its first revision.
        """
        page.dek = page.dek or self.dek_from_teaser(page)
        page.article_authors = [
            ArticleAuthor(author=a, sort_order=i) for i, a in enumerate(authors)
        ]
        page.tags.set(self.tag_names(post))
        page.live = post.published
        page.has_unpublished_changes = not post.published
        if post.published:
            page.first_published_at = page.last_published_at = timezone.now()
        home.add_child(instance=page)
        note = {"imported_from": page.imported_from}
        log(instance=page, action="wagtail.create", data=note, content_changed=True)
        if post.published:
            log(instance=page, action="wagtail.publish", data=note, content_changed=True)
            self.created_live.append(page.pk)

    def save(self, page: ArticlePage, post: Post, authors: list[AuthorPage]) -> None:
        """Bylines, tags, summary, and a revision published (or the page
        unpublished), as an editor's save would."""
        page.dek = page.dek or self.dek_from_teaser(page)
        page.article_authors = [
            ArticleAuthor(author=a, sort_order=i) for i, a in enumerate(authors)
        ]
        page.tags.set(self.tag_names(post))
        revision = page.save_revision()
        if post.published:
            revision.publish()
        elif page.live:
            page.unpublish()

    def digest(self, post: Post) -> str:
        """Everything about a source item that decides its page: its fields,
        whether the posts it links to are published, and the options that
        place it (sections, whether images can be found)."""
        published = self.published
        source = {
            **{k: v for k, v in vars(post).items() if k not in {"attachments", "notes"}},
            "date": post.date.isoformat() if post.date else None,
            "updated": post.updated.isoformat() if post.updated else None,
            "lead_image": vars(post.lead_image) if post.lead_image else None,
            "links": sorted(
                (ref, published.get(ref, False)) for ref in self.links.get(post.ref, [])
            ),
            "home": self.home_section(post).pk,
            "media": bool(self.media_dir or self.fetch_media),
        }
        return hashlib.sha256(json.dumps(source, sort_keys=True, default=str).encode()).hexdigest()

    def relink(self, post: Post, page: ArticlePage):
        converted = self.converter.convert(post.html, post.attachments)
        for href in sorted(converted.unresolved):
            self.report.note(
                post.label, f"a link to {href[:160]} leads to nothing this import published"
            )
        if self.stream(page.body.raw_data) == self.stream(converted.blocks):
            return outcomes.UNCHANGED, "", None
        page.body = converted.blocks
        revision = page.save_revision()
        if post.published:
            revision.publish()
        return outcomes.UPDATED, "links to later posts now lead to them", None

    def home_section(self, post: Post) -> SectionPage:
        for ref in post.sections:
            if ref in self.sections:
                return self.sections[ref]
        return self.default_home()

    def tag_names(self, post: Post) -> list[str]:
        names = list(post.tags)
        # A post's other categories are kept as tags: a page has one section.
        for ref in post.sections[1:]:
            if ref in self.sections:
                names.append(self.sections[ref].title)
        seen, out = set(), []
        for name in names:
            name = " ".join(name.split())[:100]
            if name and name.lower() not in seen:
                seen.add(name.lower())
                out.append(name)
        return out

    def article_fields(self, post: Post, blocks: list[dict]) -> dict:
        lead = self.image_for(post.lead_image) if post.lead_image else None
        if post.lead_image and lead is None:
            self.report.note(post.label, f"lead image {post.lead_image.url[:160]} is missing")
        # A post the source never dated (a draft) is dated when it first
        # arrives, and keeps that date on later runs.
        date = post.date or timezone.now()
        updated = post.updated if post.updated and post.updated > date else None
        fields = {}
        if post.teaser_html is not None:
            preview = Converter(
                resolve_link=lambda href: None, is_internal=lambda href: False,
                image_for=self.image_for,
            ).convert(post.teaser_html, post.attachments)  # fmt: skip
            fields["teaser_blocks"] = min(max(1, len(preview.blocks)), 50)
        return fields | {
            "title": short(post.title, 255),
            "dek": short(plain(post.dek), DEK_MAX) if post.dek else "",
            "date": date,
            "updated": updated,
            "access": post.access if post.access in Access.values else Access.METERED,
            "body": blocks,
            "lead_image_id": lead,
            "lead_image_caption": short((post.lead_image.caption if post.lead_image else ""), 300),
        }

    def dek_from_teaser(self, page: ArticlePage) -> str:
        """A summary for a post whose source gave none: the first paragraph any
        reader may read, as the gate hands it out, never more."""
        teaser, _ = gate.body_for_output(page, entitled=False)
        for block in teaser:
            if block.block_type == "paragraph":
                text = plain(block.value.source)
                if text:
                    return short(text, 300)
        return short(page.title, DEK_MAX)

    def changes(self, page, fields, authors, tags, published) -> list[str]:
        changed = []
        for name, value in fields.items():
            if name == "body":
                if self.stream(page.body.raw_data) != self.stream(value):
                    changed.append("body")
            elif name == "dek" and not value:
                continue
            elif getattr(page, name) != value:
                changed.append(name.removesuffix("_id"))
        if [a.author_id for a in page.article_authors.all()] != [a.pk for a in authors]:
            changed.append("authors")
        if sorted(t.name for t in page.tags.all()) != sorted(tags):
            changed.append("tags")
        if page.live != published:
            changed.append("published" if published else "unpublished")
        return changed

    @staticmethod
    def stream(blocks) -> list:
        return [(b["type"], b["value"]) for b in blocks]

    # --- pages, slugs and redirects -------------------------------------

    def publish_new(self, parent: Page, page: Page) -> Page:
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page

    @staticmethod
    def free_slug(parent: Page, slug: str) -> str:
        taken = set(
            parent.get_children().filter(slug__startswith=slug).values_list("slug", flat=True)
        )
        if slug not in taken:
            return slug
        n = 2
        while f"{slug}-{n}" in taken:
            n += 1
        return f"{slug}-{n}"

    def redirects(self, paths: Iterable[str], page: Page) -> None:
        own = Redirect.normalise_path(self.relative_url(page))
        for path in paths:
            old = Redirect.normalise_path(path)
            if not old or old == "/" or old == own:
                continue
            wanted = (page.pk, "", True)
            if self.redirected.get(old) == wanted:
                continue
            pending = self.new_redirects.get(old)
            if pending is not None:
                pending.redirect_page_id = page.pk  # two items claimed one address: the last wins
            elif old in self.redirected:
                Redirect.objects.filter(site=self.site, old_path=old).update(
                    redirect_page=page, redirect_link="", is_permanent=True
                )
            else:
                # New ones are written together (``write_redirects``).
                self.new_redirects[old] = Redirect(
                    site=self.site, old_path=old, redirect_page_id=page.pk
                )
            self.redirected[old] = wanted

    # --- images ----------------------------------------------------------

    def image_for(self, media: Media | None) -> int | None:
        """The image an address shows, stored once per import origin; None when
        its file cannot be found (the caller notes it)."""
        if media is None or not media.url:
            return None
        url = urljoin(self.archive.site_url + "/", media.url.replace("__GHOST_URL__", ""))
        key = f"{self.archive.origin}:{SIZED.sub('', urlsplit(url).path) or url}"[:255]
        if key in self.images:
            return self.images[key]
        existing = CreditedImage.objects.filter(imported_from=key).values_list("pk", flat=True)
        if existing:
            self.images[key] = existing[0]
            return existing[0]
        data, name = self.media_bytes(url)
        if data is None:
            self.images[key] = None
            return None
        try:
            with PILImage.open(ContentFile(data)) as probe:
                probe.verify()
        except Exception:
            self.report.note(media.url[:160], "is not an image this site can show; left out")
            self.images[key] = None
            return None
        if self.dry_run:
            # Nothing is stored: the page that would show it is rolled back too.
            self.report.add("images", outcomes.CREATED, name)
            self.images[key] = None
            return None
        image = CreditedImage(
            title=short(media.title or media.alt or media.caption or name, 255),
            credit=short(media.credit, 255),
            imported_from=key,
        )
        image.file = ImageFile(io.BytesIO(data), name=name)
        image.save()
        self.stored_files.append(image.file.name)
        self.report.add("images", outcomes.CREATED, name)
        self.images[key] = image.pk
        return image.pk

    def media_bytes(self, url: str) -> tuple[bytes | None, str]:
        path = unquote(urlsplit(url).path)
        name = PurePosixPath(path).name or "image"
        if self.media_dir is not None:
            for candidate in self.local_candidates(path):
                if candidate.is_file() and candidate.stat().st_size <= MAX_IMAGE_BYTES:
                    return candidate.read_bytes(), candidate.name
        if self.fetch_media and urlsplit(url).scheme in {"http", "https"}:
            try:
                request = urllib.request.Request(url, headers={"User-Agent": "Masthead importer"})
                with PUBLIC_ONLY.open(request, timeout=20) as answer:
                    data = answer.read(MAX_IMAGE_BYTES + 1)
                if len(data) <= MAX_IMAGE_BYTES:
                    if not PurePosixPath(name).suffix:
                        name += mimetypes.guess_extension(answer.headers.get_content_type()) or ""
                    return data, name
            except (OSError, ValueError) as exc:
                self.report.note(url[:160], f"could not be fetched: {exc}")
        return None, name

    def local_candidates(self, path: str) -> list[Path]:
        """Where an image's file may be under --media-dir: the address's path
        after the uploads folder (or the whole path), then the original of a
        resized copy. Never outside the folder."""
        root = self.media_dir.resolve()
        parts = [p for p in PurePosixPath(path).parts if p not in {"/", "", ".", ".."}]
        tails = []
        for marker in ("uploads", "images", "content"):
            if marker in parts:
                tails.append(parts[len(parts) - parts[::-1].index(marker) :])
        tails.append(parts)
        tails.append(parts[-1:])
        candidates = []
        for tail in tails:
            if not tail:
                continue
            for name in (tail[-1], SIZED.sub("", tail[-1])):
                candidate = root.joinpath(*tail[:-1], name).resolve()
                if candidate.is_relative_to(root) and candidate not in candidates:
                    candidates.append(candidate)
        return candidates
