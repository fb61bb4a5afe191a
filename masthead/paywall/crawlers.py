"""Verified search crawlers: never trust a User-Agent alone.

A request claiming to be Googlebot or Bingbot is believed only when the
client address reverse-resolves to a host in that crawler's domain and that
host forward-resolves back to the same address. Answers are cached.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.cache import cache as django_cache
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Crawler:
    name: str
    user_agent_token: str
    domains: tuple[str, ...]


CRAWLERS = (
    Crawler("Googlebot", "googlebot", (".googlebot.com", ".google.com", ".googleusercontent.com")),
    Crawler("Bingbot", "bingbot", (".search.msn.com",)),
)


class SocketResolver:
    """The system resolver."""

    def reverse(self, ip: str) -> str | None:
        try:
            return socket.gethostbyaddr(ip)[0]
        except (OSError, UnicodeError):
            return None

    def forward(self, hostname: str) -> set[str]:
        try:
            return {info[4][0] for info in socket.getaddrinfo(hostname, None)}
        except (OSError, UnicodeError):
            return set()


@cache
def get_resolver():
    return import_string(settings.MASTHEAD_CRAWLER_RESOLVER)()


def claimed_crawler(user_agent: str) -> Crawler | None:
    agent = user_agent.lower()
    return next((c for c in CRAWLERS if c.user_agent_token in agent), None)


def is_verified(crawler: Crawler, ip: str, resolver=None) -> bool:
    cache_key = f"masthead:crawler:{crawler.name}:{ip}"
    cached = django_cache.get(cache_key)
    if cached is not None:
        return cached
    resolver = resolver or get_resolver()
    hostname = (resolver.reverse(ip) or "").rstrip(".").lower()
    verified = (
        bool(hostname) and hostname.endswith(crawler.domains) and ip in resolver.forward(hostname)
    )
    django_cache.set(cache_key, verified, 24 * 3600 if verified else 3600)
    return verified
