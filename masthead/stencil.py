"""Text cut once at its stand-ins, so that each request fills it with one join.

A cached page or thread is mostly the same for every reader, with a few
holes filled per request (the reader's header, CSRF token, discussion). A
``str.replace`` per hole copies the whole page each time; a stencil keeps the
text in pieces and makes the page in a single ``str.join``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping


class Stencil:
    """``parts`` with a hole between each two: ``holes[i]`` names the stand-in
    that stood between ``parts[i]`` and ``parts[i + 1]``."""

    __slots__ = ("holes", "parts")

    def __init__(self, parts: list[str], holes: list[str]):
        assert len(parts) == len(holes) + 1
        self.parts, self.holes = parts, holes

    @classmethod
    def at_every(cls, text: str, stand_ins: Iterable[str]) -> Stencil:
        """A hole wherever any of ``stand_ins`` occurs."""
        pattern = "|".join(re.escape(s) for s in stand_ins)
        pieces = re.split(f"({pattern})", text)
        return cls(pieces[0::2], pieces[1::2])

    @classmethod
    def at_first(cls, text: str, stand_ins: Iterable[str]) -> Stencil:
        """A hole at the first occurrence of each of ``stand_ins`` (a later
        one, or one that is missing, is left as it is)."""
        found = sorted((text.find(s), s) for s in stand_ins)
        parts, holes, start = [], [], 0
        for at, stand_in in found:
            if at < 0:
                continue
            parts.append(text[start:at])
            holes.append(stand_in)
            start = at + len(stand_in)
        parts.append(text[start:])
        return cls(parts, holes)

    def fill(self, values: Mapping[str, str]) -> str:
        """The text with each hole replaced by its stand-in's value (a
        stand-in without a value is put back)."""
        pieces = [None] * (2 * len(self.parts) - 1)
        pieces[0::2] = self.parts
        pieces[1::2] = [values.get(hole, hole) for hole in self.holes]
        return "".join(pieces)

    def __getstate__(self):
        return (self.parts, self.holes)

    def __setstate__(self, state):
        self.parts, self.holes = state
