from masthead.importing import substack
from masthead.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a Substack export zip: posts (audience decides access), subscribers, "
        "and a permanent redirect from every /p/<slug> address."
    )
    source_name = "Substack export"

    def add_arguments(self, parser):
        parser.add_argument("export", help="The .zip Substack's Settings → Exports made.")
        parser.add_argument(
            "--author",
            default="",
            help="The byline for imported posts (Substack's export names none).",
        )
        self.add_site_url_argument(parser, "https://name.substack.com")
        self.add_media_arguments(parser, None)
        super().add_arguments(parser)

    def read(self, options):
        return substack.parse(
            self.existing_file(options["export"], "The export"),
            site_url=options["site_url"],
            author=options["author"],
            section=options["default_section"],
        )

    def writer_options(self, options):
        return self.media_options(options)
