from django.urls import path

from masthead.gifts import views

app_name = "gifts"

urlpatterns = [
    path("gift/<str:token>/", views.open_gift, name="open"),
    # Without its slash (a link cut short by a chat app) it is answered the
    # same, not by Django's slash-adding 301, which caches could keep and
    # which carries none of a gift link's headers.
    path("gift/<str:token>", views.open_gift, name="open_unslashed"),
    path("account/gifts/", views.gifts, name="list"),
    path("account/gifts/new/", views.new_gift, name="new"),
    path("account/gifts/<id:pk>/", views.detail, name="detail"),
    path("account/gifts/<id:pk>/revoke/", views.revoke, name="revoke"),
]
