"""One in-process cache, for values a worker may keep its own copy of.

Two uses, one class:

- **In front of the shared cache** (``shared=True``): rendered shells,
  routes, settings. Every key carries the content generation, so the value
  under a key never changes and a process may keep a copy without ever
  disagreeing with Redis or the database cache; it saves a round trip and an
  unpickle per hit. Least recently used entries go first.
- **A brief local memory** (``seconds=N``, not shared): a discussion prompt
  whose comment count may lag by those seconds in other workers.

A process clears its copies with ``clear`` when it knows a value changed.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from django.core.cache import cache

# The generation invalidates shared entries; the TTL bounds how long unused ones live.
SHARED_TTL = 3600
_every: list[LocalCache] = []


def forget_all() -> None:
    """Every local copy in this process (tests start from nothing)."""
    for local in _every:
        local.clear()


class LocalCache:
    def __init__(self, size: int = 512, *, seconds: float | None = None, shared: bool = False):
        self.size, self.seconds, self.shared = size, seconds, shared
        self.items: OrderedDict[str, tuple[float | None, object]] = OrderedDict()
        self.lock = threading.Lock()
        _every.append(self)

    def get(self, key: str):
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                expires, value = found
                if expires is None or expires > time.monotonic():
                    self.items.move_to_end(key)
                    return value
                del self.items[key]
        if not self.shared:
            return None
        value = cache.get(key)
        if value is not None:
            self._keep(key, value)
        return value

    def peek(self, key: str):
        """This worker's copy only, never the shared cache's (None without one)."""
        with self.lock:
            found = self.items.get(key)
        if found is None:
            return None
        expires, value = found
        return value if expires is None or expires > time.monotonic() else None

    def set(self, key: str, value, ttl: int = SHARED_TTL) -> None:
        if self.shared:
            cache.set(key, value, ttl)
        self._keep(key, value)

    def keep(self, key: str, value) -> None:
        """This worker's copy only: a fact no other worker needs told."""
        self._keep(key, value)

    def _keep(self, key: str, value) -> None:
        expires = time.monotonic() + self.seconds if self.seconds is not None else None
        with self.lock:
            self.items[key] = (expires, value)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
