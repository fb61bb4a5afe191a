from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "masthead.members"
    label = "members"
    verbose_name = "Members"

    def ready(self):
        from masthead.members import sessions, signin, standing  # noqa: F401  (signal receivers)

        standing.connect()
