"""A reader may delete their account: the site chooses whether their comments stay
(signed "Deleted reader", so a comment's writer may now be empty) or go."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("discussion", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="discussionsettings",
            name="on_account_deletion",
            field=models.CharField(
                choices=[("keep", "Keep them, signed 'Deleted reader'"), ("remove", "Remove them")],
                default="keep",
                help_text="Removed comments that others replied to stay as 'Comment deleted', "
                "so the replies keep their place. Readers are told which before they delete.",
                max_length=6,
                verbose_name="comments of a reader who deletes their account",
            ),
        ),
        migrations.AlterField(
            model_name="comment",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="comments",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
