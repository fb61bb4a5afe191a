from django.urls import path

from masthead.discussion import views

app_name = "discussion"

urlpatterns = [
    path("articles/<id:article_pk>/comments/", views.post, name="post"),
    path("comments/<id:pk>/edit/", views.edit, name="edit"),
    path("comments/<id:pk>/delete/", views.delete, name="delete"),
    path("comments/<id:pk>/report/", views.report, name="report"),
]
