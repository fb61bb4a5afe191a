"""Newsletter batches whose worker died: in-flight messages become
'unknown', the rest are queued again; and scheduled issues whose time has
passed (a worker that was down missed them) are started. Run every few
minutes with the chores."""

from django.core.management.base import BaseCommand

from masthead.newsletters import sending, tasks


class Command(BaseCommand):
    help = "Settle newsletter batches abandoned by a worker; queue their unsent messages again."

    def handle(self, *args, **options):
        again = sending.reconcile()
        for batch_id in again:
            tasks.send_batch.enqueue(batch_id)
        self.stdout.write(f"{len(again)} abandoned batch(es) queued again.")
        started = tasks.start_due()
        self.stdout.write(f"{len(started)} scheduled issue(s) started.")
