from django.urls import path

from masthead.newsroom import views

app_name = "newsroom"

urlpatterns = [
    path("tags/<slug:slug>/", views.tag_archive, name="tag"),
]
