from django.urls import path

from masthead.discussion import views

app_name = "discussion"

urlpatterns = [
    path("articles/<int:article_pk>/comments/", views.post, name="post"),
    path("comments/<int:pk>/edit/", views.edit, name="edit"),
    path("comments/<int:pk>/delete/", views.delete, name="delete"),
    path("comments/<int:pk>/report/", views.report, name="report"),
]
