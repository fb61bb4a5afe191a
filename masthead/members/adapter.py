"""allauth, told Masthead's rules where it asks for them."""

from allauth.account.adapter import DefaultAccountAdapter

from masthead import inputs


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        """The address allauth's rate limits count by: the one rule for the
        whole site, which believes X-Forwarded-For only from TRUSTED_PROXIES."""
        from masthead.paywall.readers import client_ip

        return client_ip(request)

    def is_safe_url(self, url):
        """Where a reader may be sent after signing in (``next``): a path on this
        site, by the same rule as every other ``next`` (``masthead.inputs``). A
        value that is not a URL at all (``http://[::1``) is refused, not an error."""
        return bool(url) and inputs.is_local_path(url)
