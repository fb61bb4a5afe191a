from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_save


class NewsroomConfig(AppConfig):
    name = "masthead.newsroom"
    label = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from wagtail.models import Page, PageViewRestriction, Site

        from masthead.discussion.models import DiscussionSettings
        from masthead.members.models import Plan
        from masthead.newsroom import freshness
        from masthead.newsroom.models import CreditedImage, PublicationSettings, Source
        from masthead.paywall.models import PaywallSettings

        # Everything a cached public page is built from. Saving a page covers
        # publishing, unpublishing, moving and scheduled publishing.
        watched = [m for m in apps.get_models() if issubclass(m, Page)]
        watched += [
            PageViewRestriction,
            Site,
            PublicationSettings,
            PaywallSettings,
            DiscussionSettings,
            Plan,
            Source,
            CreditedImage,
        ]
        for model in watched:
            for signal in (post_save, post_delete):
                signal.connect(
                    freshness.bump,
                    sender=model,
                    dispatch_uid=f"freshness-{signal}-{model._meta.label}",
                )
