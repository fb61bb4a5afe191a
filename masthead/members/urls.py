from django.urls import path

from masthead.members import views

app_name = "members"

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/<slug:slug>/", views.start, name="start"),
    path("account/", views.account, name="account"),
    path("account/subscription/", views.manage, name="manage"),
    path("account/data/", views.export_data, name="export"),
    path("account/delete/", views.delete_account, name="delete"),
    path("account/deleted/", views.account_deleted, name="deleted"),
]
