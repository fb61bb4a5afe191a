from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "masthead.members"
    label = "members"
    verbose_name = "Members"

    def ready(self):
        from masthead.members import sessions, signin, standing  # noqa: F401  (signal receivers)

        standing.connect()

        from allauth.account.signals import user_signed_up
        from django.contrib.auth.signals import user_logged_in

        from masthead.members import languages

        # The language a reader's later emails are written in.
        user_logged_in.connect(languages.remember, dispatch_uid="members.language.login")
        user_signed_up.connect(languages.remember, dispatch_uid="members.language.signup")
