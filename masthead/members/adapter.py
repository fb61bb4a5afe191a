"""allauth, told Masthead's rules where it asks for them."""

import secrets

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.hashers import make_password
from django.shortcuts import render

from masthead import inputs
from masthead.paywall.readers import client_ip, works_in_admin

LOGIN_CODE = "account/email/login_code"
EDITOR_USES_PASSWORD = "account/email/editor_uses_password"
# Ways of signing in that prove more than holding the mailbox.
STRONG_METHODS = {"password", "mfa"}


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        """The address allauth's rate limits count by: the one rule for the
        whole site, which believes X-Forwarded-For only from TRUSTED_PROXIES."""
        return client_ip(request)

    def is_safe_url(self, url):
        """Where a reader may be sent after signing in (``next``): a path on this
        site, by the same rule as every other ``next`` (``masthead.inputs``). A
        value that is not a URL at all (``http://[::1``) is refused, not an error."""
        return bool(url) and inputs.is_local_path(url)

    # Editors sign in with their password -------------------------------------

    def send_mail(self, template_prefix, email, context):
        """An account that opens the admin gets no sign-in code: a mailbox
        alone must not open the back office. Its owner is told why instead,
        and the page the requester sees is the same as for anyone else."""
        if template_prefix == LOGIN_CODE and works_in_admin(_account_for(email)):
            template_prefix, context = EDITOR_USES_PASSWORD, {"request": context.get("request")}
        super().send_mail(template_prefix, email, context)

    def pre_login(self, request, user, **kwargs):
        """And should a code reach such an account anyway (permissions granted
        between the code and its use), the login stops here."""
        # No record at all is no proof either, here: a login always leaves one.
        if works_in_admin(user) and proved_more_than_mailbox(request, user) is not True:
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return render(request, "members/editor_uses_password.html", status=403)
        return super().pre_login(request, user, **kwargs)

    # Changes to the account's addresses are told to the addresses ------------

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        super().send_notification_mail(template_prefix, user, context, email)
        removed = (context or {}).get("deleted_email")
        if template_prefix == "account/email/email_deleted" and removed and not email:
            # allauth tells the primary address; the removed one hears it too,
            # so an address taken off an account by someone else is not silent.
            super().send_notification_mail(template_prefix, user, context, email=removed)

    # The same work for known and unknown addresses ---------------------------

    def send_account_already_exists_mail(self, email):
        """Signing up with a registered address hashes a password like a new
        account would, so the answer takes as long either way."""
        make_password(secrets.token_urlsafe(16))
        super().send_account_already_exists_mail(email)


def _account_for(email):
    from allauth.account.utils import filter_users_by_email

    users = filter_users_by_email(email, is_active=True, prefer_verified=True)
    return users[0] if users else None


def proved_more_than_mailbox(request, user) -> bool | None:
    """Whether this session signed in with something stronger than an emailed
    code (a password, an authenticator). None when the session records no
    sign-in at all (made before these records, or by a test's force_login)."""
    from allauth.account.internal.flows.login import get_authentication_records

    records = get_authentication_records(request, user)
    if not records:
        return None
    return any(record.get("method") in STRONG_METHODS for record in records)
