from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_migrate, post_save


class NewsroomConfig(AppConfig):
    name = "masthead.newsroom"
    label = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from django.urls import register_converter
        from wagtail.models import Page, PageViewRestriction, Site

        from masthead import inputs

        # <id:pk>: a database id or a 404, never an integer the database
        # cannot hold. Registered before any URLconf is read (the admin's
        # URLs come from apps' hooks, before masthead/urls.py is done).
        register_converter(inputs.IdConverter, "id")

        from masthead.discussion.models import DiscussionSettings
        from masthead.members.models import Plan
        from masthead.newsroom import (
            checks,  # noqa: F401  (registers the deploy check)
            freshness,
        )
        from masthead.newsroom.languages import ensure_locales
        from masthead.newsroom.models import CreditedImage, PublicationSettings, Source, Wording
        from masthead.paywall.models import PaywallSettings

        # A Locale for every language the site offers (SITE_LANGUAGES).
        post_migrate.connect(ensure_locales, sender=self, dispatch_uid="newsroom-locales")

        # Everything a cached public page is built from, saved or deleted.
        # Pages and images say themselves whether a save is one readers can
        # see (freshness.page_saved, image_saved): a draft revision, an
        # autosave or a new upload is not, so editors at work keep the cache.
        pages = [m for m in apps.get_models() if issubclass(m, Page)]
        others = [
            PageViewRestriction,
            Site,
            PublicationSettings,
            PaywallSettings,
            DiscussionSettings,
            Plan,
            Source,
            Wording,
        ]
        for model in [*pages, *others, CreditedImage]:
            post_delete.connect(
                freshness.bump, sender=model, dispatch_uid=f"freshness-delete-{model._meta.label}"
            )
        for model in others:
            post_save.connect(
                freshness.bump, sender=model, dispatch_uid=f"freshness-save-{model._meta.label}"
            )
        for model in pages:
            post_save.connect(
                freshness.page_saved,
                sender=model,
                dispatch_uid=f"freshness-save-{model._meta.label}",
            )
        post_save.connect(
            freshness.image_saved, sender=CreditedImage, dispatch_uid="freshness-save-image"
        )
