"""Keeping the two search indexes in step with what is published.

An article's entries are written when it is published and removed when it
is unpublished or deleted; a section or byline change rewrites the entries
of the articles that show it. The body text comes from the paywall's gate
(``gate.body_for_output``), as for every output: the open entry holds only
what the gate gives a reader who is not entitled.

Searching also filters by what is live and public at the moment of the
query, so an entry left behind by a change no signal announces (a view
restriction, a move) can never surface an article a reader may not see.
"""

from __future__ import annotations

import html

from django.db import transaction
from django.db.models.signals import post_migrate
from django.utils.html import strip_tags
from wagtail.signals import page_published, page_unpublished

from masthead.newsroom.models import ArticlePage, AuthorPage, SectionPage
from masthead.paywall import gate
from masthead.search.models import FullText, OpenText


def block_text(block) -> str:
    """The words of one body block, without rendering it (an embed would
    fetch from its provider; a figure needs nothing but its caption)."""
    value = block.value
    kind = block.block_type
    if kind == "paragraph":
        raw = strip_tags(value.source)
    elif kind == "heading":
        raw = str(value)
    elif kind == "quote":
        raw = f"{value.get('text', '')} {value.get('attribution', '')}"
    elif kind == "image":
        raw = value.get("caption", "")
    elif kind == "html":
        raw = strip_tags(str(value))
    else:
        raw = ""
    return " ".join(html.unescape(raw).split())


def body_text(article, *, entitled: bool) -> str:
    teaser, rest = gate.body_for_output(article, entitled=entitled)
    return " ".join(filter(None, (block_text(block) for block in teaser + rest)))


def summary(article) -> str:
    parts = [article.dek]
    if article.section is not None:
        parts.append(article.section.title)
    parts += [tag.name for tag in article.tags.all()]
    parts += [byline.author.title for byline in article.article_authors.all()]
    return " ".join(part for part in parts if part)


def index_article(article) -> None:
    """Write (or remove) both entries of one article, in one transaction."""
    live = (
        ArticlePage.objects.live()
        .public()
        .filter(pk=article.pk)
        .prefetch_related("tags", "article_authors__author")
        .first()
    )
    with transaction.atomic():
        if live is None:
            remove_article(article.pk)
            return
        shared = {"date": live.date, "headline": live.title, "summary": summary(live)}
        for model, entitled in ((OpenText, False), (FullText, True)):
            model.objects.update_or_create(
                article_id=live.pk,
                defaults={**shared, "text": body_text(live, entitled=entitled)},
            )


def index_articles(pks) -> None:
    """``index_article`` for many articles at once (an import's new pages):
    the same entries, written in bulk."""
    live = list(
        ArticlePage.objects.live()
        .public()
        .filter(pk__in=pks)
        .prefetch_related("tags", "article_authors__author")
    )
    with transaction.atomic():
        for model, entitled in ((OpenText, False), (FullText, True)):
            model.objects.filter(article_id__in=pks).delete()
            model.objects.bulk_create(
                [
                    model(
                        article_id=article.pk,
                        date=article.date,
                        headline=article.title,
                        summary=summary(article),
                        text=body_text(article, entitled=entitled),
                    )
                    for article in live
                ],
                batch_size=500,
            )


def remove_article(pk: int) -> None:
    for model in (OpenText, FullText):
        model.objects.filter(article_id=pk).delete()


def rebuild() -> int:
    """Every live article indexed afresh; entries of anything else removed."""
    live = ArticlePage.objects.live().public()
    with transaction.atomic():
        for model in (OpenText, FullText):
            model.objects.exclude(article_id__in=live.values("pk")).delete()
        count = 0
        for article in live.iterator(chunk_size=200):
            index_article(article)
            count += 1
    return count


def _published(sender, instance, **kwargs):
    if isinstance(instance, ArticlePage):
        index_article(instance)
    elif isinstance(instance, SectionPage | AuthorPage):
        # Their titles are part of their articles' summaries.
        articles = (
            ArticlePage.objects.child_of(instance)
            if isinstance(instance, SectionPage)
            else ArticlePage.objects.filter(article_authors__author=instance).distinct()
        )
        for article in articles.live():
            index_article(article)


def _unpublished(sender, instance, **kwargs):
    if isinstance(instance, ArticlePage):
        remove_article(instance.pk)


def _build_if_empty(sender, using="default", **kwargs):
    """After migrate: an installation that had articles before search existed
    (or whose index was emptied) gets one."""
    if not OpenText.objects.using(using).exists() and ArticlePage.objects.live().exists():
        rebuild()


def connect(app_config) -> None:
    page_published.connect(_published, dispatch_uid="masthead.search.published")
    page_unpublished.connect(_unpublished, dispatch_uid="masthead.search.unpublished")
    post_migrate.connect(
        _build_if_empty, sender=app_config, dispatch_uid="masthead.search.build_if_empty"
    )
