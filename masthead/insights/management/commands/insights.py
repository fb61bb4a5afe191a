"""Insights' headline numbers for scripts: ``manage.py insights --json --since 2026-01-01``."""

import json
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from masthead.insights import figures


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Print the funnel, revenue and churn numbers for a range of days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=str, help="first day, YYYY-MM-DD (default: 30 days ago)"
        )
        parser.add_argument("--until", type=str, help="last day, YYYY-MM-DD (default: today)")
        parser.add_argument("--section", type=int, help="a section's page id")
        parser.add_argument("--plan", type=int, help="a plan's id")
        parser.add_argument(
            "--window", type=int, default=7, help="attribution window: 1, 7 or 30 days"
        )
        parser.add_argument(
            "--json", action="store_true", help="one JSON object (else one line each)"
        )

    def handle(self, *args, **options):
        until = day(options["until"]) if options["until"] else timezone.localdate()
        try:
            since = day(options["since"]) if options["since"] else until - timedelta(days=29)
            filters = figures.Filters(
                since, until, options["section"], options["plan"], options["window"]
            )
        except (ValueError, OverflowError) as exc:
            raise CommandError(str(exc)) from exc
        found = figures.summary(filters)
        if options["json"]:
            self.stdout.write(json.dumps(found, indent=2, sort_keys=True))
            return
        for name, value in found.items():
            self.stdout.write(f"{name}: {value}")
