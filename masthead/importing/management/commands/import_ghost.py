from masthead.importing import ghost
from masthead.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a Ghost export (Settings → Labs → Export): posts and pages, authors, tags "
        "(a post's primary tag is its section), images, members with --members, and a "
        "permanent redirect from every old address."
    )
    source_name = "Ghost export"

    def add_arguments(self, parser):
        parser.add_argument("export", help="The .json file Ghost's export wrote.")
        parser.add_argument("--members", help="Ghost's members CSV (Members → Export).")
        parser.add_argument(
            "--site-url",
            default="",
            help="The Ghost site's address (https://old.example), to recognise its links.",
        )
        parser.add_argument(
            "--media-dir",
            help="A copy of Ghost's content/images folder: images are taken from here first.",
        )
        parser.add_argument(
            "--fetch-media",
            action="store_true",
            help="Fetch images missing from --media-dir from their old addresses (needs network).",
        )
        super().add_arguments(parser)

    def read(self, options):
        members = options["members"]
        return ghost.parse(
            self.existing_file(options["export"], "The export"),
            site_url=options["site_url"],
            members_csv=self.existing_file(members, "The members file") if members else None,
        )

    def writer_options(self, options):
        return self.media_options(options)
