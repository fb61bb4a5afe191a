"""Delete meter windows that have ended. Run daily from cron with the database store.

Expired windows are never read again (a new window starts a new row), so
this only keeps the tables small. The Redis store needs nothing: its keys
expire by themselves.
"""

from django.core.management.base import BaseCommand

from masthead.paywall.meters import get_store


class Command(BaseCommand):
    help = "Delete ended meter windows (database meter store); a no-op on Redis."

    def handle(self, *args, **options):
        deleted = get_store().purge_expired()
        self.stdout.write(f"Deleted {deleted} ended meter window(s).")
