from masthead.importing import wordpress
from masthead.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a WordPress export file (WXR, Tools → Export): posts and pages, authors, "
        "categories as sections, tags, images, and a permanent redirect from every old address."
    )
    source_name = "WordPress export"

    def add_arguments(self, parser):
        parser.add_argument("export", help="The .xml file WordPress's Tools → Export wrote.")
        self.add_media_arguments(parser, "wp-content/uploads")
        parser.add_argument(
            "--access",
            choices=sorted(wordpress.ACCESS),
            default="metered",
            help="Who may read imported posts in full. Default: metered.",
        )
        parser.add_argument(
            "--pages-section",
            default="pages",
            help="The section (slug) WordPress pages go into, as free articles. Default: pages.",
        )
        parser.add_argument(
            "--authors",
            help="A CSV of author bios (WordPress's export has none): login, display_name, "
            "bio, role.",
        )
        super().add_arguments(parser)

    def read(self, options):
        authors = options["authors"]
        return wordpress.parse(
            self.existing_file(options["export"], "The export"),
            access=options["access"],
            pages_section=options["pages_section"],
            authors_csv=self.existing_file(authors, "The authors file") if authors else None,
        )

    def writer_options(self, options):
        return self.media_options(options)
