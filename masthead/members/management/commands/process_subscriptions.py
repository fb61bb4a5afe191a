"""The subscription chores, run every few minutes from cron (see README):

1. record as expired every subscription whose access has ended (access itself
   never waits for this: entitlement reads the timestamps);
2. queue "your trial ends in 3 days" for trials ending soon;
3. send every queued email once.

Safe to run as often as you like, and twice at once: each step is idempotent.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from masthead.members import lifecycle, notifications
from masthead.members.entitlements import grace_period


class Command(BaseCommand):
    help = "Expire lapsed subscriptions, queue trial reminders, send queued emails."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-email", action="store_true", help="Expire and queue, but send nothing."
        )

    def handle(self, *args, **options):
        now = timezone.now()
        expired = lifecycle.expire_lapsed(now, grace_period())
        reminders = notifications.queue_trial_reminders(now)
        self.stdout.write(
            f"Expired {expired} subscription(s); queued {reminders} trial reminder(s)."
        )
        if options["no_email"]:
            return
        sent, failed = notifications.send_pending(now)
        self.stdout.write(f"Sent {sent} email(s); {failed} failed and stay queued.")
        if failed:
            self.stderr.write("Some emails failed; see Notifications in the admin for the errors.")
