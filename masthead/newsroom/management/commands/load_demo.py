from django.core.management.base import BaseCommand

from masthead.gifts import demo as gifts_demo
from masthead.insights import demo as insights_demo
from masthead.newsletters import demo as newsletters_demo
from masthead.newsroom.demo.loader import load_demo, read_content, read_editions
from masthead.newsroom.management.commands.set_site_address import (
    point_default_site_at_base_url,
)
from masthead.newsroom.models import ArticlePage
from masthead.offers import demo as offers_demo


class Command(BaseCommand):
    help = (
        "Create the demo publication (site tree, sections, authors, articles, images) "
        "at the address in BASE_URL. Safe to run again: only what is missing is created."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if any article exists (used by `make run`).",
        )
        parser.add_argument(
            "--no-insights-history",
            action="store_true",
            help="Leave out the 90 days of demo readers, sign-ups and payments behind Insights.",
        )
        parser.add_argument(
            "--remove-insights-history",
            action="store_true",
            help="Delete the demo's Insights history (demo readers and their records) and stop.",
        )

    def handle(self, *args, if_empty=False, **options):
        if options["remove_insights_history"]:
            removed = insights_demo.remove_history()
            self.stdout.write(
                "Removed the demo's Insights history: {days} day(s), {readers} demo reader "
                "record(s), {conversions} conversion(s).".format(**removed)
            )
            return
        if if_empty and ArticlePage.objects.exists():
            self.stdout.write("Articles exist already; demo content not loaded.")
            return
        content = read_content()
        # The demo in the other languages the site offers (content.ar.toml…).
        content["editions"] = read_editions()
        created = load_demo(content)
        created += newsletters_demo.load(content)
        made_gifts, gift_path = gifts_demo.load()
        created += made_gifts
        created += offers_demo.load()
        if not options["no_insights_history"]:
            made = insights_demo.make_history()
            if made:
                self.stdout.write(
                    "Insights: 90 days of demo history, {readers} demo readers "
                    "(`load_demo --remove-insights-history` removes them).".format(**made)
                )
        # The loader makes the site at localhost:80 when there is none; the demo
        # is served at BASE_URL, and its links should say so.
        site, moved = point_default_site_at_base_url()
        if moved:
            self.stdout.write(f"The site's address is now {site.root_url} (BASE_URL).")
        if gift_path:
            self.stdout.write(
                f"A gift link to try (open it in a private window): {site.root_url}{gift_path}"
            )
        if not created:
            self.stdout.write("Demo content is complete; nothing to create.")
            return
        summary = ", ".join(f"{count} {what}" for what, count in sorted(created.items()))
        self.stdout.write(self.style.SUCCESS(f"Demo content created: {summary}."))
