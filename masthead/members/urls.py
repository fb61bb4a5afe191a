from django.urls import path

from masthead.members import views

app_name = "members"

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/<slug:slug>/", views.start, name="start"),
    path("account/", views.account, name="account"),
    path("account/subscription/", views.manage, name="manage"),
]
