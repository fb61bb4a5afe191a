"""Each admin role sees only its part of the back office, on every admin URL.

Wagtail checks a snippet's permission policy in its list, inspect, edit,
delete, history and usage views, but not in the views behind its *chooser*
(the modal that lists objects to pick from, its results and the "chosen"
answer), and its bulk-delete confirmation names every object asked for,
including those the user may not touch. A user of the stock Editors group
could list every subscription, comment (held and hidden ones too), report,
ban and API key through them.

Masthead's snippets are registered with ``RoleScopedSnippetViewSet``, whose
chooser answers only users who may list the model — the same rule as the
model's own listing: any of add, change, delete or view, asked of the
model's registered permission policy. Anyone else is refused like elsewhere
in the admin (a redirect to the dashboard with a message; 403 for
JavaScript). The bulk delete of every snippet is refused to users who may
not delete that model. tests/security/test_admin_roles.py walks every admin
URL the resolver knows as each role and fails on anything shown to a role
that may not see it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from wagtail import hooks
from wagtail.permissions import policy_registry
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views import chooser
from wagtail.snippets.views.snippets import SnippetViewSet

# Who may list a model's objects: the rule of Wagtail's own index view.
LIST_PERMISSIONS = ("add", "change", "delete", "view")


def may_list(user, model) -> bool:
    return policy_registry.get_by_type(model).user_has_any_permission(user, LIST_PERMISSIONS)


class ListPermissionRequired:
    """A chooser view that answers only users who may list its model."""

    def dispatch(self, request, *args, **kwargs):
        if not may_list(request.user, self.model_class):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ChooseView(ListPermissionRequired, chooser.ChooseView):
    pass


class ChooseResultsView(ListPermissionRequired, chooser.ChooseResultsView):
    pass


class ChosenView(ListPermissionRequired, chooser.SnippetChosenView):
    pass


class ChosenMultipleView(ListPermissionRequired, chooser.SnippetChosenMultipleView):
    pass


class CreateView(chooser.SnippetCreateView):
    """Creating from the chooser needs "add" (Wagtail checks it) and a creation
    form; a model that offers none answers 404, not an error."""

    def dispatch(self, request, *args, **kwargs):
        if not self.can_create():
            raise PermissionDenied
        if self.get_creation_form_class() is None:
            raise Http404("This chooser creates nothing.")
        return super().dispatch(request, *args, **kwargs)


class RestrictedSnippetChooserViewSet(chooser.SnippetChooserViewSet):
    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView
    chosen_view_class = ChosenView
    chosen_multiple_view_class = ChosenMultipleView
    create_view_class = CreateView


class RoleScopedSnippetViewSet(SnippetViewSet):
    """A snippet whose every admin view, its chooser's included, answers only
    the roles its permission policy lets in."""

    chooser_viewset_class = RestrictedSnippetChooserViewSet


class RestrictedDeleteBulkAction(DeleteBulkAction):
    """Wagtail's bulk delete of snippets, refused to users who may not delete
    the model: its confirmation page would otherwise name every object asked
    for (``?id=all`` asks for all of them)."""

    def dispatch(self, request, *args, **kwargs):
        if not self.permission_policy.user_has_permission(request.user, "delete"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# Registered after Wagtail's own (order 0), so it replaces it for every snippet.
hooks.register("register_bulk_action", RestrictedDeleteBulkAction, order=100)
