"""The table of the database cache, used when there is no Redis.

Made here so that ``migrate`` is all a new or upgraded site needs (no separate
``createcachetable``), and made whether or not Redis is configured today, so
that removing Redis later needs nothing either.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "masthead_cache"


def create(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("paywall", "0002_offer_from_cheapest_plan")]

    operations = [migrations.RunPython(create, drop)]
