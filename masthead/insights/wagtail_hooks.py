from django.contrib.auth.models import Permission
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from masthead.insights import views


@hooks.register("register_admin_urls")
def urls():
    return [
        path("insights/", views.dashboard, name="insights"),
        path("insights/<slug:table>.csv", views.download, name="insights_csv"),
    ]


class InsightsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(views.PERMISSION)


@hooks.register("register_admin_menu_item")
def menu_item():
    return InsightsMenuItem("Insights", reverse("insights"), icon_name="pick", order=150)


@hooks.register("register_permissions")
def permissions():
    return Permission.objects.filter(content_type__app_label="insights", codename="view_insights")
