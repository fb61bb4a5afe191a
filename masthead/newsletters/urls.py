from django.urls import path

from masthead.newsletters import views

urlpatterns = [
    path("newsletters/unsubscribe/<str:token>/", views.unsubscribe, name="newsletter_unsubscribe"),
    path("newsletters/preferences/<str:token>/", views.preferences, name="newsletter_preferences"),
]
