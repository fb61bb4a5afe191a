from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "masthead.discussion"
    label = "discussion"
    verbose_name = "Discussion"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from masthead.discussion.models import Comment

        def changed(sender, instance, **kwargs):
            from masthead.discussion import section

            section.forget_prompts(instance.article_id)

        # Any change (a post, a deletion, a moderator hiding one) shows in the
        # count on the next page view.
        post_save.connect(
            changed, sender=Comment, dispatch_uid="discussion-comment-saved", weak=False
        )
        post_delete.connect(
            changed, sender=Comment, dispatch_uid="discussion-comment-deleted", weak=False
        )
