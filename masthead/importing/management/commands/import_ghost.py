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
        self.add_site_url_argument(parser, "https://old.example")
        self.add_media_arguments(parser, "Ghost's content/images folder")
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
