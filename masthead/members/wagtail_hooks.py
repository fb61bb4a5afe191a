from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from masthead.members.models import ComplimentaryAccess, Plan, Subscription


class ComplimentaryAccessViewSet(SnippetViewSet):
    model = ComplimentaryAccess
    icon = "user"
    menu_label = "Complimentary access"
    list_display = ["user", "reason", "starts_at", "ends_at"]
    add_to_admin_menu = True
    menu_order = 300


register_snippet(ComplimentaryAccessViewSet)


class PlanViewSet(SnippetViewSet):
    model = Plan
    icon = "tag"
    menu_label = "Plans"
    list_display = ["name", "price_label", "trial_days", "active"]
    add_to_admin_menu = True
    menu_order = 290


class SubscriptionViewSet(SnippetViewSet):
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


register_snippet(PlanViewSet)
register_snippet(SubscriptionViewSet)
