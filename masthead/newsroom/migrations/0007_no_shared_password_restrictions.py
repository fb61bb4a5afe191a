"""Private pages and documents no longer take a shared password.

A shared-password form is a login form outside allauth (no verification, no
rate limit). Any restriction that used one becomes a restriction to chosen
groups with no group chosen yet: the page or document is then visible to
administrators only, never to more readers than before, until an editor picks
who may see it (signed-in readers, or groups).
"""

from django.db import migrations


def close_shared_passwords(apps, schema_editor):
    for label in ("wagtailcore.PageViewRestriction", "wagtailcore.CollectionViewRestriction"):
        model = apps.get_model(label)
        model.objects.filter(restriction_type="password").update(
            restriction_type="groups", password=""
        )


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0006_publicationsettings_robots_txt"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(close_shared_passwords, migrations.RunPython.noop)]
