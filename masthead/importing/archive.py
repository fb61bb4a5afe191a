"""What every importer reads its export into: one neutral shape.

A WordPress file, a Ghost export and a Substack zip differ in everything but
this: authors, sections, posts with an HTML body, the media they show, the
old addresses that must keep working, and members. ``writer`` turns an
``Archive`` into pages and redirects; ``members`` turns its members into
accounts. Each item carries ``ref``, its id at the source, prefixed with the
source ("wordpress:https://old.example:123"), which is kept on what it
becomes so that a second run finds it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class ImportFileError(Exception):
    """The export as a whole cannot be read (not one item of it): the command
    stops before it changes anything and says why."""


@dataclass
class Media:
    """An image a post shows: where it was, and what to say under it."""

    url: str
    caption: str = ""
    alt: str = ""
    title: str = ""
    credit: str = ""


@dataclass
class Author:
    ref: str
    name: str
    slug: str = ""
    bio: str = ""  # HTML
    email: str = ""
    role: str = ""
    old_paths: list[str] = field(default_factory=list)


@dataclass
class Section:
    ref: str
    name: str
    slug: str = ""
    description: str = ""
    old_paths: list[str] = field(default_factory=list)


@dataclass
class Post:
    ref: str
    title: str
    slug: str
    html: str
    date: datetime | None = None
    updated: datetime | None = None
    published: bool = True
    access: str = "metered"
    dek: str = ""
    authors: list[str] = field(default_factory=list)  # Author refs
    sections: list[str] = field(default_factory=list)  # Section refs; the first is the home
    tags: list[str] = field(default_factory=list)
    lead_image: Media | None = None
    old_paths: list[str] = field(default_factory=list)
    # Media a body refers to by an id rather than an address (WordPress's
    # [caption id="attachment_12"], a gallery): id → Media.
    attachments: dict[str, Media] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # The part of the body the source showed everyone (Ghost's public preview
    # divider): its length in blocks becomes the article's teaser.
    teaser_html: str | None = None

    @property
    def label(self) -> str:
        return f"{self.title or '(untitled)'} [{self.ref.rsplit(':', 1)[-1]}]"


@dataclass
class Member:
    email: str
    name: str = ""
    verified: bool = False
    created: datetime | None = None
    complimentary: bool = False
    # What the export says about payment: only a hint. Paid state is taken
    # from Stripe, never from this.
    paid_in_export: bool = False
    stripe_customer_id: str = ""
    subscribed_to_emails: bool = False
    line: int = 0


@dataclass
class Skipped:
    label: str
    reason: str


@dataclass
class Archive:
    origin: str  # "wordpress", "ghost", "substack"
    site_url: str  # the old site's address, for recognising its links
    authors: list[Author] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # Items the reader could not make sense of: (label, error).
    unreadable: list[Skipped] = field(default_factory=list)
    # Other addresses the old site answered at (a www. form, http and https).
    other_hosts: list[str] = field(default_factory=list)
