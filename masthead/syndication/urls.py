from django.urls import path
from wagtail.contrib.sitemaps.views import sitemap

from masthead.syndication import feeds, views

app_name = "syndication"

urlpatterns = [
    path("feed/", feeds.SiteFeed(), name="rss"),
    path("feed/atom/", feeds.SiteAtomFeed(), name="atom"),
    path("feed/section/<slug:slug>/", feeds.SectionFeed(), name="section_rss"),
    path("feed/section/<slug:slug>/atom/", feeds.SectionAtomFeed(), name="section_atom"),
    path("feed/author/<slug:slug>/", feeds.AuthorFeed(), name="author_rss"),
    path("feed/author/<slug:slug>/atom/", feeds.AuthorAtomFeed(), name="author_atom"),
    path("feed/private/<str:token>/", feeds.PrivateFeed(), name="private"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("news-sitemap.xml", views.news_sitemap, name="news_sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("oembed/", views.oembed, name="oembed"),
    path("account/feed/", views.renew_feed, name="renew_feed"),
]
