from django.core.management.base import BaseCommand

from masthead.search import index


class Command(BaseCommand):
    help = "Rebuild the site search's indexes from every live, public article."

    def handle(self, *args, **options):
        count = index.rebuild()
        self.stdout.write(f"Indexed {count} article{'s' if count != 1 else ''} for search.")
