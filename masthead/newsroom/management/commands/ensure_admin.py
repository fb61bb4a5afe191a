import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create an administrator with a generated password if no superuser exists, "
        "and print how to sign in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@example.com")
        parser.add_argument(
            "--admin-url", help="Printed for signing in (default: BASE_URL/admin/)."
        )

    def handle(self, *args, username, email, admin_url, **options):
        admin_url = admin_url or f"{settings.BASE_URL}/admin/"
        User = get_user_model()
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        if existing is not None:
            name = existing.get_username()
            self.stdout.write(
                f"Admin: {admin_url} (sign in as {existing.email or name}; password as printed "
                f"when it was created, or reset it with `manage.py changepassword {name}`)"
            )
            return
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            admin = User.objects.create_superuser(username=username, email=email, password=password)
            # Editors sign in through allauth like readers, by a verified address.
            # This one was given by whoever runs the server, so it counts as verified.
            EmailAddress.objects.create(user=admin, email=email, primary=True, verified=True)
        line = "=" * 60
        self.stdout.write(
            self.style.SUCCESS(
                f"{line}\nAdministrator created. Sign in at {admin_url}\n"
                f"  email:    {email}\n  password: {password}\n"
                f"Keep it: it is shown only this once.\n{line}"
            )
        )
