"""Roll up Insights' raw counts into days and delete raw rows past their time.
Run every ten minutes from the chores (``docs/deploy.md``)."""

from django.core.management.base import BaseCommand

from masthead.insights.rollup import roll_up


class Command(BaseCommand):
    help = "Roll up Insights' reads and walls by day; delete raw rows older than the window."

    def handle(self, *args, **options):
        done = roll_up()
        self.stdout.write(
            "Insights: {rolled_days} day(s) rolled up, {conversions} conversion(s) recorded, "
            "{reattributed} attributed again, {purged} raw row(s) deleted.".format(**done)
        )
