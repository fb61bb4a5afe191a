from django.contrib.auth import get_user_model
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from masthead.account_fields import (
    AccountModelForm,
    AccountPanel,
    every_account,
    numbered_name_of,
)
from masthead.admin_roles import RoleScopedSnippetViewSet
from masthead.members import standing
from masthead.members.models import ComplimentaryAccess, Notification, Plan, Subscription


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Staff may look, never add, edit or delete: these rows are records."""

    WRITES = {"add", "change", "delete", "copy", "publish", "lock", "unlock"}

    def user_has_permission(self, user, action):
        return action not in self.WRITES and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions)


class ComplimentaryAccessForm(AccountModelForm):
    # Any reader may be granted access; to users who may not see accounts the
    # picker shows names (and account numbers), never usernames or emails.
    account_fields = {"user": (every_account, numbered_name_of)}


class ComplimentaryAccessViewSet(RoleScopedSnippetViewSet):
    model = ComplimentaryAccess
    icon = "user"
    menu_label = "Complimentary access"
    list_display = ["user", "reason", "starts_at", "ends_at"]
    add_to_admin_menu = True
    menu_order = 300
    edit_handler = ObjectList(
        [
            AccountPanel("user"),
            FieldPanel("reason"),
            FieldPanel("starts_at"),
            FieldPanel("ends_at"),
        ],
        base_form_class=ComplimentaryAccessForm,
    )


register_snippet(ComplimentaryAccessViewSet)


class PlanViewSet(RoleScopedSnippetViewSet):
    model = Plan
    icon = "tag"
    menu_label = "Plans"
    list_display = ["name", "price_label", "trial_days", "active"]
    add_to_admin_menu = True
    menu_order = 290


class SubscriptionViewSet(RoleScopedSnippetViewSet):
    """Read the state and history of readers' subscriptions. Changes happen
    through the lifecycle (the reader, the provider's webhooks), not here."""

    model = Subscription
    icon = "user"
    menu_label = "Subscriptions"
    list_display = ["user", "plan", "status", "current_period_end"]
    list_filter = ["status", "provider"]
    add_to_admin_menu = True
    menu_order = 295
    inspect_view_enabled = True
    copy_view_enabled = False


class NotificationViewSet(RoleScopedSnippetViewSet):
    """Emails to subscribers: sent, or waiting with the reason they could not go."""

    model = Notification
    icon = "mail"
    menu_label = "Emails"
    list_display = ["kind", "user", "created_at", "sent_at", "attempts"]
    list_filter = ["kind"]
    add_to_admin_menu = True
    menu_order = 296
    inspect_view_enabled = True
    copy_view_enabled = False


register_snippet(PlanViewSet)
register_permission_policy(Subscription, ReadOnlyPolicy(Subscription))
register_permission_policy(Notification, ReadOnlyPolicy(Notification))
register_snippet(SubscriptionViewSet)
register_snippet(NotificationViewSet)


@hooks.register("after_bulk_action")
def accounts_changed_in_bulk(request, action_type, objects, action):
    """The users listing's bulk actions (mark active or inactive, assign a
    role) update accounts without saving them, so no signal says so: each
    account they touched gets a new standing version, and its next request on
    any server reads the account afresh (``members.backends``)."""
    user_model = get_user_model()
    for account in objects:
        if isinstance(account, user_model):
            standing.changed(account.pk)
