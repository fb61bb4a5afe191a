"""Full-text matching and ranking in the database: FTS5 on SQLite, tsvector on PostgreSQL.

What a reader typed never reaches either engine as query syntax. It is cut
into words (``terms``) and each word is handed over as a plain term: on
SQLite as an FTS5 string (a double-quoted token, which FTS5 reads as a
phrase of literal words: no ``AND``/``OR``/``NEAR``, no ``*`` prefix, no
column filter), on PostgreSQL through ``plainto_tsquery``, which reads its
argument as plain text. Every term must match; results rank by weight
(headline, then summary, then body) and then by date.
"""

from __future__ import annotations

import re

from django.db import connection

# Ranking weights: a word in the headline counts more than in the summary,
# and that more than in the body.
WEIGHTS = (10.0, 4.0, 1.0)
MAX_TERMS = 10
# The language of stemming ("drones" finds "drone") on PostgreSQL; SQLite's
# FTS5 uses the Porter stemmer, also English.
POSTGRES_CONFIG = "english"


def terms(query: str) -> list[str]:
    """The words of a query: letters and digits of any script, at least two, at most ten."""
    return [word for word in re.findall(r"[^\W_]+", query.lower()) if len(word) > 1][:MAX_TERMS]


def create(schema_editor, table: str) -> None:
    """Build the database's full-text index for one entry table (run by the migration)."""
    vendor = schema_editor.connection.vendor
    quote = schema_editor.quote_name
    if vendor == "sqlite":
        fts = quote(f"{table}_fts")
        columns = "headline, summary, text"
        new = "new.article_id, new.headline, new.summary, new.text"
        old = "old.article_id, old.headline, old.summary, old.text"
        statements = [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({columns}, content={quote(table)},"
            " content_rowid='article_id', tokenize='porter unicode61 remove_diacritics 2')",
            f"CREATE TRIGGER {quote(table + '_ai')} AFTER INSERT ON {quote(table)} BEGIN"
            f" INSERT INTO {fts}(rowid, {columns}) VALUES ({new}); END",
            f"CREATE TRIGGER {quote(table + '_ad')} AFTER DELETE ON {quote(table)} BEGIN"
            f" INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', {old}); END",
            f"CREATE TRIGGER {quote(table + '_au')} AFTER UPDATE ON {quote(table)} BEGIN"
            f" INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', {old});"
            f" INSERT INTO {fts}(rowid, {columns}) VALUES ({new}); END",
        ]
    elif vendor == "postgresql":
        config = f"'{POSTGRES_CONFIG}'::regconfig"
        weighted = " || ".join(
            f"setweight(to_tsvector({config}, coalesce({column}, '')), '{weight}')"
            for column, weight in (("headline", "A"), ("summary", "B"), ("text", "C"))
        )
        statements = [
            f"ALTER TABLE {quote(table)} ADD COLUMN document tsvector"
            f" GENERATED ALWAYS AS ({weighted}) STORED",
            f"CREATE INDEX {quote(table + '_document')} ON {quote(table)} USING gin (document)",
        ]
    else:
        raise NotImplementedError(f"Masthead's search needs SQLite or PostgreSQL, not {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def drop(schema_editor, table: str) -> None:
    if schema_editor.connection.vendor == "sqlite":
        quote = schema_editor.quote_name
        for trigger in ("_ai", "_ad", "_au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(table + trigger)}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {quote(table + '_fts')}")


class Matches:
    """The ids of matching articles, best first, as a sequence Django's
    Paginator can count and slice; only ids the ``among`` queryset holds."""

    def __init__(self, model, words: list[str], among):
        self.table = model._meta.db_table
        self.words = words
        self.among_sql, self.among_params = among.values("pk").query.sql_with_params()
        self._count = None

    def _parts(self) -> tuple[str, str, list]:
        """(FROM … WHERE …, ORDER BY …, parameters) for this database."""
        quote = connection.ops.quote_name
        table = quote(self.table)
        if connection.vendor == "sqlite":
            fts = quote(f"{self.table}_fts")
            match = " ".join(f'"{word}"' for word in self.words)  # \w+ words: no quotes inside
            source = (
                f"FROM {fts} JOIN {table} e ON e.article_id = {fts}.rowid"
                f" WHERE {fts} MATCH %s AND e.article_id IN ({self.among_sql})"
            )
            weights = ", ".join(str(w) for w in WEIGHTS)
            order = f"ORDER BY bm25({fts}, {weights}), e.date DESC, e.article_id DESC"
            return source, order, [match, *self.among_params]
        source = (
            f"FROM {table} e, plainto_tsquery('{POSTGRES_CONFIG}', %s) q"
            f" WHERE e.document @@ q AND e.article_id IN ({self.among_sql})"
        )
        order = "ORDER BY ts_rank_cd(e.document, q) DESC, e.date DESC, e.article_id DESC"
        return source, order, [" ".join(self.words), *self.among_params]

    def count(self) -> int:
        if self._count is None:
            source, _, params = self._parts()
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) {source}", params)  # noqa: S608
                self._count = cursor.fetchone()[0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("Matches are read a page (a slice) at a time.")
        start = item.start or 0
        stop = self.count() if item.stop is None else item.stop
        if stop <= start:
            return []
        source, order, params = self._parts()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.article_id {source} {order} LIMIT %s OFFSET %s",  # noqa: S608
                [*params, stop - start, start],
            )
            return [row[0] for row in cursor.fetchall()]
