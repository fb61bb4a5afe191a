"""Wagtail's Editors draft, start, stop and read offer experiments; deleting
one (and its figures) and making a variant the site's default (which
changes the paywall and publication settings and the plans on offer) are
left to administrators. A publisher's own changes to the group are kept:
only missing permissions are added."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("Editors",)
ACTIONS = ("add", "change", "view")


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="offers",
        codename__in=[f"{action}_experiment" for action in ACTIONS],
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


def take_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="offers")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, take_back)]
