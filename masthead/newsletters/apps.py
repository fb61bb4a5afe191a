from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "masthead.newsletters"
    label = "newsletters"
    verbose_name = "Newsletters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from allauth.account.signals import email_confirmed
        from anymail.signals import tracking
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published

        from masthead.newsletters import events, signup, tasks
        from masthead.newsletters.models import Newsletter
        from masthead.newsroom import freshness

        # The provider's delivery events (checked by django-anymail's webhooks).
        tracking.connect(events.tracked, dispatch_uid="newsletters.tracked")
        # An issue waiting for its article goes when the article is published.
        page_published.connect(tasks.article_published, dispatch_uid="newsletters.published")
        # Newsletters ticked at sign-up start when the address is confirmed.
        email_confirmed.connect(signup.address_confirmed, dispatch_uid="newsletters.confirmed")
        # The registration wall offers newsletters: cached pages follow them.
        for signal in (post_save, post_delete):
            signal.connect(
                freshness.bump, sender=Newsletter, dispatch_uid=f"freshness-{signal}-newsletter"
            )
