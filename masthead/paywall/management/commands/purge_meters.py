"""Delete meter windows and API rate windows that have ended. Run daily from cron.

Ended windows are never read again (a new window starts a new row), so this
only keeps the tables small. On Redis, keys expire by themselves.
"""

from django.core.management.base import BaseCommand

from masthead.api import limits
from masthead.paywall.meters import get_store


class Command(BaseCommand):
    help = "Delete ended meter windows and API rate windows kept in the database."

    def handle(self, *args, **options):
        deleted = get_store().purge_expired()
        rates = limits.purge_expired()
        self.stdout.write(f"Deleted {deleted} ended meter window(s), {rates} API rate window(s).")
