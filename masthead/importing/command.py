"""What the three import commands share: reading, --dry-run, a progress bar,
the summary, and an exit status that says whether every item went in."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from masthead.billing.base import ProviderError
from masthead.importing import members
from masthead.importing.archive import Archive, ImportFileError
from masthead.importing.report import Report
from masthead.importing.writer import ItemFailed, Writer


class ImportCommand(BaseCommand):
    source_name = ""

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be created, updated or skipped, and why; change nothing.",
        )
        parser.add_argument(
            "--default-section",
            default="news",
            help="The section (slug) for posts that name none; made if missing. Default: news.",
        )
        parser.add_argument(
            "--section-map",
            action="append",
            default=[],
            metavar="OLD=NEW",
            help="Put the source's category/tag OLD into the section with slug NEW "
            "(repeatable), e.g. --section-map defence-news=defense.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar (it shows on a terminal)."
        )
        parser.add_argument(
            "--list-all",
            action="store_true",
            help="List every item created or updated, not only failures and skips.",
        )

    def read(self, options) -> Archive:
        raise NotImplementedError

    def writer_options(self, options) -> dict:
        return {}

    def handle(self, *args, **options):
        try:
            archive = self.read(options)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        section_map = {}
        for pair in options["section_map"]:
            old, sep, new = pair.partition("=")
            if not sep or not old.strip() or not new.strip():
                raise CommandError(f"--section-map takes OLD=NEW, not {pair!r}")
            section_map[old.strip()] = new.strip()
        progress = self.progress_bar(options["no_progress"])
        self.stdout.write(
            f"Reading {self.source_name}: {len(archive.posts)} posts, {len(archive.authors)} "
            f"authors, {len(archive.sections)} sections, {len(archive.members)} members."
        )
        people = None
        if archive.members:
            # Stripe is read, and its subscriptions that match no member are
            # listed, before anything is changed.
            people = members.Importer(
                archive, writer_report := Report(dry_run=options["dry_run"]),
                dry_run=options["dry_run"], progress=progress,
                say=lambda text: self.stdout.write(f"Stripe: {text}"),
            )  # fmt: skip
            try:
                people.prepare()
            except ProviderError as exc:
                raise CommandError(
                    f"Stripe could not be read, so nothing was changed: {exc}"
                ) from exc
        writer = Writer(
            archive,
            dry_run=options["dry_run"],
            section_map=section_map,
            default_section=options["default_section"],
            progress=progress,
            **self.writer_options(options),
        )
        if people is not None:
            writer.report = writer_report
        try:
            report = writer.run()
        except ItemFailed as exc:
            raise CommandError(str(exc)) from exc
        if people is not None:
            people.run()
        self.stdout.write(report.render(verbose=options["list_all"]))
        if report.failures:
            raise CommandError(
                f"{len(report.failures)} item(s) could not be imported (listed above); "
                "everything else was.",
                returncode=1,
            )

    @staticmethod
    def progress_bar(off: bool):
        def progress(items, total, label):
            return tqdm(items, total=total, desc=label, unit=" items", file=sys.stderr,
                        disable=True if off else None, leave=False)  # fmt: skip

        return progress

    @staticmethod
    def add_media_arguments(parser, folder: str | None) -> None:
        """--media-dir (where the source keeps its images, if it gives them out)
        and --fetch-media."""
        if folder:
            parser.add_argument(
                "--media-dir", help=f"A copy of {folder}: images are taken from here first."
            )
        parser.add_argument(
            "--fetch-media",
            action="store_true",
            help="Fetch images not found in --media-dir from their old addresses (needs the "
            "network; only public addresses are fetched).",
        )

    @staticmethod
    def add_site_url_argument(parser, example: str) -> None:
        parser.add_argument(
            "--site-url",
            default="",
            help=f"The old site's address ({example}), to recognise links to it.",
        )

    @staticmethod
    def media_options(options) -> dict:
        media_dir = options.get("media_dir")
        if media_dir and not Path(media_dir).is_dir():
            raise CommandError(f"--media-dir {media_dir} is not a folder.")
        return {
            "media_dir": Path(media_dir) if media_dir else None,
            "fetch_media": options.get("fetch_media", False),
        }

    @staticmethod
    def existing_file(value: str, what: str) -> Path:
        path = Path(value)
        if not path.is_file():
            raise CommandError(f"{what} {value} is not a file.")
        return path
