"""The site search's two indexes, kept apart on purpose.

``OpenText`` holds what anyone may read without spending anything: headline,
summary, tags, bylines and section, and the body as the gate gives it to a
reader who is not entitled — the teaser of a metered or subscribers-only
article, all of a free one. ``FullText`` holds whole articles, for readers
entitled to them (subscribers, editors).

A reader's search touches one table only, chosen by who they are. So nothing
a non-entitled reader learns from a search — which articles match, how many,
in what order, how fast — can depend on text past a teaser: that text is not
in the table their query runs against. (The full-text search indexes of the
database — FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL — are
created per table by the migration; see ``masthead/search/backends.py``.)
"""

from django.db import models


class SearchEntry(models.Model):
    article = models.OneToOneField(
        "newsroom.ArticlePage", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    date = models.DateTimeField()
    headline = models.TextField()
    summary = models.TextField(help_text="Dek, section, tags and bylines.")
    text = models.TextField(help_text="The body text this index's readers may read.")

    class Meta:
        abstract = True

    def __str__(self):
        return self.headline


class OpenText(SearchEntry):
    """What every reader may read without spending an article."""

    class Meta:
        verbose_name = "open search entry"


class FullText(SearchEntry):
    """Whole articles, for readers entitled to read them."""

    class Meta:
        verbose_name = "full-text search entry"
