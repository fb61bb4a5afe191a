from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from wagtail.models import Site


def site_address(base_url: str) -> tuple[str, int]:
    """The (hostname, port) of a Wagtail Site whose root_url is ``base_url``.

    Wagtail writes a Site's address as http://host:port, except port 80 (plain
    http://host) and 443 (https://host): https elsewhere than on 443, or http
    on 443, cannot be said that way.
    """
    parts = urlsplit(base_url)
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme)
    if default is None or not parts.hostname:
        raise CommandError(f"BASE_URL must be an http:// or https:// address, not {base_url!r}")
    port = parts.port or default
    if (scheme == "https") != (port == 443):
        raise CommandError(
            f"BASE_URL={base_url!r}: a Wagtail site's address is https on port 443 and http "
            "on any other port. Serve https on 443 (behind the proxy), or plain http elsewhere."
        )
    host = parts.hostname
    return (f"[{host}]" if ":" in host else host), port


def point_default_site_at_base_url() -> tuple[Site | None, bool]:
    """Give the default Site BASE_URL's hostname and port. Returns the site (None
    when there is none yet) and whether it changed."""
    hostname, port = site_address(settings.BASE_URL)
    with transaction.atomic():
        site = Site.objects.select_for_update().filter(is_default_site=True).first()
        if site is None or (site.hostname, site.port) == (hostname, port):
            return site, False
        other = Site.objects.filter(hostname=hostname, port=port).exclude(pk=site.pk).first()
        if other is not None:
            raise CommandError(
                f"Another site, {other.site_name or other.hostname!r}, already has the address "
                f"{hostname}:{port}; change it (Settings → Sites in the admin) or BASE_URL."
            )
        site.hostname, site.port = hostname, port
        # Saving a Site also makes every cached page stale (newsroom/apps.py), so
        # canonical links and JSON-LD are written again with the new address.
        site.save(update_fields=["hostname", "port"])
    return site, True


class Command(BaseCommand):
    help = (
        "Give the default site the address in BASE_URL (its hostname and port), from "
        "which canonical links, feeds, sitemaps and JSON-LD are written. Safe to run "
        "again: an address that is already right is left alone. `make run` runs it."
    )

    def handle(self, *args, **options):
        site, changed = point_default_site_at_base_url()
        if site is None:
            self.stdout.write("No default site yet: nothing to point at BASE_URL.")
        elif changed:
            self.stdout.write(
                self.style.SUCCESS(f"The site's address is now {site.root_url} (BASE_URL).")
            )
        else:
            self.stdout.write(f"The site's address is {site.root_url}, as BASE_URL says.")
