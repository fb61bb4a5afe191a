"""API keys revoked for good, full text chosen at creation by permission.

Keys already revoked get a revocation time if they had none, and their digest
is retired like every revoked key's from now on (``masthead.api.models.retired``):
no key matches it again. A key with a revocation time but not marked revoked
is marked revoked: of the two, the database's record of revoking wins.
"""

import hashlib

from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone


def retire_revoked_keys(apps, schema_editor):
    ApiKey = apps.get_model("api", "ApiKey")
    for key in ApiKey.objects.filter(Q(revoked=True) | Q(revoked_at__isnull=False)):
        retired = hashlib.sha256(f"revoked:{key.key_digest}".encode()).hexdigest()
        ApiKey.objects.filter(pk=key.pk).update(
            revoked=True, revoked_at=key.revoked_at or timezone.now(), key_digest=retired
        )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_rate_windows"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="apikey",
            options={
                "ordering": ["-created_at"],
                "permissions": [("grant_full_text", "Can make API keys that read whole articles")],
                "verbose_name": "API key",
            },
        ),
        migrations.AlterField(
            model_name="apikey",
            name="full_text",
            field=models.BooleanField(
                default=False,
                help_text="Whole articles, including metered and subscribers-only ones. Without it the key gets what anonymous readers get: the teaser. Chosen when the key is made; to change it, make a new key.",
            ),
        ),
        migrations.AlterField(
            model_name="apikey",
            name="revoked",
            field=models.BooleanField(
                default=False,
                help_text="Stop accepting this key at once and for good: a revoked key is never valid again. Make a new key to replace it.",
            ),
        ),
        migrations.RunPython(retire_revoked_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="apikey",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("revoked", False), ("revoked_at__isnull", True)),
                    models.Q(("revoked", True), ("revoked_at__isnull", False)),
                    _connector="OR",
                ),
                name="api_key_revoked_has_a_time",
            ),
        ),
    ]
