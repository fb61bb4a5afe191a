from django.urls import path
from django.views.decorators.http import require_safe
from wagtail.contrib.sitemaps.views import sitemap

from masthead.syndication import feeds, sitemaps, views

app_name = "syndication"

# Feeds and sitemaps are read, never written to: GET and HEAD only.
urlpatterns = [
    path("feed/", require_safe(feeds.SiteFeed.as_view()), name="rss"),
    path("feed/atom/", require_safe(feeds.SiteAtomFeed.as_view()), name="atom"),
    path(
        "feed/section/<slug:slug>/", require_safe(feeds.SectionFeed.as_view()), name="section_rss"
    ),
    path(
        "feed/section/<slug:slug>/atom/",
        require_safe(feeds.SectionAtomFeed.as_view()),
        name="section_atom",
    ),
    path("feed/author/<slug:slug>/", require_safe(feeds.AuthorFeed.as_view()), name="author_rss"),
    path(
        "feed/author/<slug:slug>/atom/",
        require_safe(feeds.AuthorAtomFeed.as_view()),
        name="author_atom",
    ),
    path("feed/private/<str:token>/", require_safe(feeds.PrivateFeed.as_view()), name="private"),
    path(
        "sitemap.xml",
        require_safe(sitemap),
        {"sitemaps": {"pages": sitemaps.EveryLanguage}},
        name="sitemap",
    ),
    path("news-sitemap.xml", views.news_sitemap, name="news_sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("oembed/", views.oembed, name="oembed"),
    path("account/feed/", views.renew_feed, name="renew_feed"),
    path("account/feed/address/", views.feed_address, name="feed_address"),
]
