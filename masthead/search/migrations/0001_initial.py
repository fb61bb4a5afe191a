import django.db.models.deletion
from django.db import migrations, models

from masthead.search import backends

TABLES = ["search_opentext", "search_fulltext"]


def create_full_text_indexes(apps, schema_editor):
    for table in TABLES:
        backends.create(schema_editor, table)


def drop_full_text_indexes(apps, schema_editor):
    for table in TABLES:
        backends.drop(schema_editor, table)


def entry(name, verbose_name):
    return migrations.CreateModel(
        name=name,
        fields=[
            (
                "article",
                models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE,
                    primary_key=True,
                    related_name="+",
                    serialize=False,
                    to="newsroom.articlepage",
                ),
            ),
            ("date", models.DateTimeField()),
            ("headline", models.TextField()),
            ("summary", models.TextField(help_text="Dek, section, tags and bylines.")),
            (
                "text",
                models.TextField(help_text="The body text this index's readers may read."),
            ),
        ],
        options={"verbose_name": verbose_name},
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [("newsroom", "0007_no_shared_password_restrictions")]

    operations = [
        entry("OpenText", "open search entry"),
        entry("FullText", "full-text search entry"),
        migrations.RunPython(create_full_text_indexes, drop_full_text_indexes),
    ]
