from django.urls import path, re_path

from masthead.api import views

app_name = "api"

urlpatterns = [
    path("articles/", views.articles, name="articles"),
    path("articles/<id:pk>/", views.article, name="article"),
    path("sections/", views.sections, name="sections"),
    path("authors/", views.authors, name="authors"),
    path("schema/", views.schema, name="schema"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
