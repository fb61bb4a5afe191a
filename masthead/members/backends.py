"""How a session finds its account: allauth's backend, with the account row read
through ``members.standing`` (the shared cache, under the account's version)
rather than from the database on every request."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from masthead.members import standing


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        user = standing.account(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
