from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "masthead.offers"
    label = "offers"
    verbose_name = "Offer experiments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from allauth.account.signals import user_signed_up
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from masthead.newsroom import freshness
        from masthead.offers import arms
        from masthead.offers.models import Experiment, Variant

        # What an experiment shows is part of every cached wall: any change
        # to one reaches every server with the content generation.
        for model in (Experiment, Variant):
            for signal in (post_save, post_delete):
                signal.connect(
                    freshness.bump, sender=model, dispatch_uid=f"freshness-{signal}-{model}"
                )
        m2m_changed.connect(
            freshness.bump, sender=Variant.plans.through, dispatch_uid="freshness-variant-plans"
        )
        # A browser's variant goes with it into the account it signs in to.
        user_logged_in.connect(arms.signed_in, dispatch_uid="offers.signed_in")
        user_signed_up.connect(arms.signed_in, dispatch_uid="offers.signed_up")
