"""Account pickers in the admin that show people, not logins.

A foreign key to the user model is, by default, a drop-down of every account
labelled with its username — the local part of the reader's email. An editor
linking an author page to its writer's login would see every reader's. Here
such a field offers, to a user who may not see accounts (no ``auth.view_user``
or ``auth.change_user``), only the accounts that make sense for it (for an
author page: the newsroom's) plus the one already chosen, each labelled with
the person's name. Users who may see accounts get every account, with its
email. A value outside the offered ones is refused by the form ("Select a
valid choice"), so a hand-made POST cannot pick a reader either.

Revision comparisons of such a field show names too (``AccountPanel``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import Q
from wagtail.admin.compare import ForeignObjectComparison
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel


def may_see_accounts(user) -> bool:
    return user is not None and (
        user.has_perm("auth.view_user") or user.has_perm("auth.change_user")
    )


def name_of(user) -> str:
    """A person as colleagues know them: never a username or an email."""
    return user.get_full_name().strip() or f"Account {user.pk} (no name given)"


def numbered_name_of(user) -> str:
    """``name_of``, told apart from a namesake by the account's number."""
    name = user.get_full_name().strip()
    return f"{name} (account {user.pk})" if name else name_of(user)


def full_label(user) -> str:
    """For those who may see accounts: who, and at which address."""
    return f"{user.get_full_name().strip() or user.get_username()} <{user.email}>"


def newsroom_accounts() -> Q:
    """Accounts of the newsroom: staff, administrators and members of any admin group."""
    members = get_user_model().groups.through.objects.values("user_id")
    return Q(is_active=True) & (Q(is_staff=True) | Q(is_superuser=True) | Q(pk__in=members))


def every_account() -> Q:
    return Q()


class AccountFieldsMixin:
    """For a Wagtail admin form: ``account_fields`` maps a user foreign key to
    (the accounts offered to users who may not see accounts, their label)."""

    account_fields: dict[str, tuple[Callable[[], Q], Callable]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (offered, label) in self.account_fields.items():
            if name in self.fields:
                self._narrow(self.fields[name], name, offered, label)

    def _narrow(self, field, name, offered, label):
        accounts = get_user_model().objects.all()
        if may_see_accounts(self.for_user):
            field.label_from_instance = full_label
        else:
            condition = offered()
            current = self.instance.serializable_value(name) if self.instance else None
            if current is not None:
                condition |= Q(pk=current)
            accounts = accounts.filter(condition)
            field.label_from_instance = label
        field.queryset = accounts.order_by("first_name", "last_name", "pk")


class AccountComparison(ForeignObjectComparison):
    """A revision comparison of an account field, by name."""

    def get_objects(self):
        return tuple(None if user is None else name_of(user) for user in super().get_objects())


class AccountPanel(FieldPanel):
    """A FieldPanel for a user foreign key whose revision comparisons show names."""

    def get_comparison_class(self):
        return AccountComparison


class AuthorPageForm(AccountFieldsMixin, WagtailAdminPageForm):
    account_fields = {"account": (newsroom_accounts, name_of)}


class AccountModelForm(AccountFieldsMixin, WagtailAdminModelForm):
    """Base for snippet forms with account fields; subclasses set ``account_fields``."""
