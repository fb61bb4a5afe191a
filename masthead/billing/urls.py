from django.urls import path

from masthead.billing import views

app_name = "billing"

urlpatterns = [
    path("local/checkout/<slug:slug>/", views.local_checkout, name="local_checkout"),
]
