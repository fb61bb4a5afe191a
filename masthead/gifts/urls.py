from django.urls import path

from masthead.gifts import views

app_name = "gifts"

urlpatterns = [
    path("gift/<str:token>/", views.open_gift, name="open"),
    path("account/gifts/", views.gifts, name="list"),
    path("account/gifts/new/", views.new_gift, name="new"),
    path("account/gifts/<id:pk>/", views.detail, name="detail"),
    path("account/gifts/<id:pk>/revoke/", views.revoke, name="revoke"),
]
