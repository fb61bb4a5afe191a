"""Every route the URL resolver knows, as concrete addresses to attack.

The security suites walk *this* list, never one written by hand: a route added
tomorrow is attacked tomorrow without anyone remembering to list it. Each
placeholder (``<int:pk>``, ``(?P<path>.*)``, an unnamed regex group) is filled
from candidate values — real ids and slugs a suite passes in, by parameter
name or by converter — and any part of a regular expression nobody gave a
value for is filled with the shortest text it matches. ``all_routes`` fails
loudly if some route cannot be turned into an address that resolves back to
it, so a route can never be skipped in silence.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern
from django.utils import translation

try:  # Python 3.11 has both names; the private one is the current home.
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants
    import sre_parse

PLACEHOLDER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@dataclass
class Samples:
    """Candidate values for route parameters: by name first, then by converter."""

    by_name: dict[str, list[str]] = field(default_factory=dict)
    by_converter: dict[str, list[str]] = field(default_factory=dict)
    # Whole paths for a route that no parameter describes well (Wagtail's pages).
    by_route: dict[str, list[str]] = field(default_factory=dict)
    # Values for every placeholder alike — converters, named and unnamed regex
    # groups — when a suite wants to push one value everywhere it fits.
    everywhere: list[str] = field(default_factory=list)
    most: int = 6  # addresses per route at most

    DEFAULTS = {"int": ["1"], "slug": ["x"], "str": ["x"], "path": ["x"], "uuid": [
        "00000000-0000-4000-8000-000000000000"
    ]}  # fmt: skip
    # Masthead's own converters take the values of the standard one they narrow.
    ALIASES = {"id": "int"}

    def for_placeholder(self, name: str | None, converter: str | None) -> list[str]:
        if self.everywhere:
            return self.everywhere
        if name and name in self.by_name:
            return self.by_name[name]
        for kind in (converter, self.ALIASES.get(converter or "")):
            if kind and kind in self.by_converter:
                return self.by_converter[kind]
        kind = self.ALIASES.get(converter or "", converter or "")
        return self.DEFAULTS.get(kind, [])


@dataclass(frozen=True)
class Route:
    """One URL pattern, with where it sits in the URLconf."""

    name: str | None
    segments: tuple  # the patterns from the root resolver down to this one
    pattern: URLPattern

    @property
    def template(self) -> str:
        return "".join(
            "" if isinstance(segment, LocalePrefixPattern) else str(segment)
            for segment in self.segments
        )

    @property
    def label(self) -> str:
        return self.name or self.template

    @property
    def admin(self) -> bool:
        return self.template.startswith("admin/")

    def addresses(self, samples: Samples) -> list[str]:
        """Concrete paths ("/…") that resolve to this route: for a reader's
        route (under ``i18n_patterns``), each address in the site's language
        and again under every other language's prefix (/ar/…)."""
        segments = self.segments
        prefixes = [""]
        if segments and isinstance(segments[0], LocalePrefixPattern):
            segments = segments[1:]
            prefixes += [f"/{code}" for code, _ in settings.LANGUAGES[1:]]
        if self.name in samples.by_route:
            paths = list(samples.by_route[self.name])
        else:
            choices = [_segment_choices(segment, samples) for segment in segments]
            paths = []
            for combination in itertools.islice(itertools.product(*choices), samples.most):
                paths.append("/" + "".join(combination))
        return [prefix + path for prefix in prefixes for path in paths]


def _segment_choices(pattern, samples: Samples) -> list[str]:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        parts = PLACEHOLDER.split(route)
        # split() yields: text, converter, name, text, converter, name, text…
        texts, slots = parts[0::3], list(zip(parts[1::3], parts[2::3], strict=True))
        options = [samples.for_placeholder(name, converter) for converter, name in slots]
        results = []
        for values in itertools.product(*options):
            text = texts[0]
            for value, tail in zip(values, texts[1:], strict=True):
                text += value + tail
            results.append(text)
        return results or [route]
    if isinstance(pattern, RegexPattern):
        return _regex_samples(str(pattern), samples)
    raise TypeError(f"unknown pattern type {type(pattern).__name__}")


def _regex_samples(regex: str, samples: Samples) -> list[str]:
    parsed = sre_parse.parse(regex)
    names = {number: name for name, number in parsed.state.groupdict.items()}
    choices = _sample(list(parsed), names, samples)
    return choices[: samples.most]


def _sample(items, names, samples) -> list[str]:
    """Strings matched by a parsed regular expression: candidates for named groups,
    the shortest non-empty match for everything else."""
    results = [""]
    for op, arg in items:
        options = _sample_one(op, arg, names, samples)
        results = [a + b for a in results for b in options][: samples.most]
    return results


def _sample_one(op, arg, names, samples) -> list[str]:
    c = sre_constants
    if op == c.LITERAL:
        return [chr(arg)]
    if op == c.AT:
        return [""]
    if op == c.ANY:
        return ["x"]
    if op == c.IN:
        return [_class_sample(arg)]
    if op == c.SUBPATTERN:
        number, _, _, body = arg
        name = names.get(number)
        if samples.everywhere and number is not None:
            return samples.everywhere
        if name and name in samples.by_name:
            return samples.by_name[name]
        return _sample(list(body), names, samples)
    if op == c.BRANCH:
        return _sample(list(arg[1][0]), names, samples)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        low, _high, body = arg
        once = _sample(list(body), names, samples)
        return [value * max(low, 1) for value in once]
    raise ValueError(f"cannot make an example for regex op {op}")


def _class_sample(items) -> str:
    c = sre_constants
    for op, arg in items:
        if op == c.LITERAL:
            return chr(arg)
        if op == c.RANGE:
            return chr(arg[0])
        if op == c.CATEGORY:
            return {c.CATEGORY_DIGIT: "1", c.CATEGORY_SPACE: " "}.get(arg, "a")
    return "a"


def _walk(patterns, segments=()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, (*segments, entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Route(entry.name, (*segments, entry.pattern), entry)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def addresses(samples: Samples, routes=None) -> list[tuple[Route, str]]:
    """Every route with its concrete addresses. Fails if a route gets none that
    resolves back to it: no route is ever left out of an attack unnoticed."""
    found, orphans = [], []
    for route in routes or all_routes():
        good = [path for path in route.addresses(samples) if _resolves_to(path, route)]
        if not good:
            orphans.append(route.template)
        found.extend((route, path) for path in good)
    assert not orphans, f"routes no address could be made for: {orphans}"
    return found


def _resolves_to(path: str, route: Route) -> bool:
    from django.urls import Resolver404

    path = path.split("?")[0]
    # A language's prefix resolves while that language is active, as the
    # site's middleware (masthead.locales.AddressLanguage) makes it.
    language = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            match = resolve(path)
    except Resolver404:
        return False
    return match.func == route.pattern.callback or (
        route.name is not None and match.url_name == route.name
    )


def without_language(path: str) -> str:
    """``path`` without another language's prefix (``/ar/accounts/`` →
    ``/accounts/``): the same route, for a suite that sorts routes by path."""
    for code, _ in settings.LANGUAGES[1:]:
        if path == f"/{code}" or path.startswith(f"/{code}/"):
            return path[len(code) + 1 :] or "/"
    return path
