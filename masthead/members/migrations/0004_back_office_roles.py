"""Two back-office roles beside Wagtail's Editors and Moderators.

- *Subscriptions*: reads plans, subscriptions, emails to subscribers and
  complimentary access (for whoever answers readers' billing questions);
- *Comment moderators*: works the discussion: comments (including held and
  hidden text), reports, bans.

Each can open the admin and nothing else; docs/security.md has the matrix.
An existing group of the same name is left as the publisher made it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Subscriptions": {
        "members.plan": ["view"],
        "members.subscription": ["view"],
        "members.notification": ["view"],
        "members.complimentaryaccess": ["view"],
    },
    "Comment moderators": {
        "discussion.comment": ["view", "change"],
        "discussion.commentreport": ["view", "change"],
        "discussion.commentban": ["view", "add", "change", "delete"],
    },
}


def make_roles(apps, schema_editor):
    # Permissions are made after migrate; a fresh database needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    for name, grants in ROLES.items():
        group, created = Group.objects.get_or_create(name=name)
        if not created:
            continue
        group.permissions.add(access_admin)
        for label, actions in grants.items():
            app_label, model = label.split(".")
            for action in actions:
                group.permissions.add(
                    Permission.objects.get(
                        content_type__app_label=app_label, codename=f"{action}_{model}"
                    )
                )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_notification"),
        ("discussion", "0003_comment_edits_keep_history"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # After Wagtail gave every admin group of its day the image and
        # document choosers: these roles are not for pages and need neither.
        ("wagtailimages", "0023_add_choose_permissions"),
        ("wagtaildocs", "0011_add_choose_permissions"),
    ]

    operations = [migrations.RunPython(make_roles, remove_roles)]
