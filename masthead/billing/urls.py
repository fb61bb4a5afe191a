from django.urls import path

from masthead.billing import views

app_name = "billing"

urlpatterns = [
    path("local/checkout/<slug:slug>/", views.local_checkout, name="local_checkout"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("stripe/return/", views.stripe_return, name="stripe_return"),
    path("stripe/portal/", views.stripe_portal, name="stripe_portal"),
]
