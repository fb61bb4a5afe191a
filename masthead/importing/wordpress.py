"""WordPress's export file (WXR 1.2, Tools → Export) → an ``Archive``.

Read with defusedxml: a file that declares entities or a DTD (billion laughs,
external entities) is refused whole before anything is read from it.
"""

from __future__ import annotations

import csv
import html
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from masthead import inputs
from masthead.importing.archive import (
    Archive,
    Author,
    ImportFileError,
    Media,
    Post,
    Section,
    Skipped,
)
from masthead.importing.html import autop

NS = {
    "wp": "http://wordpress.org/export/1.2/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
WXR_VERSIONS = {"1.0", "1.1", "1.2"}
PUBLISHED = {"publish"}
KEPT_AS_DRAFT = {"draft", "pending", "future", "private"}
IMPORTED_TYPES = {"post", "page"}
ACCESS = {"free", "metered", "subscribers"}
BLOCK_EDITOR = "<!-- wp:"


def text(element, path: str) -> str:
    found = element.find(path, NS)
    return (found.text or "").strip() if found is not None and found.text else ""


def wp_date(value: str) -> datetime | None:
    """A post_date_gmt ("2024-03-14 09:30:00"), which WordPress writes in UTC;
    "0000-00-00 00:00:00" for a draft that was never published."""
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse(
    path: Path,
    *,
    access: str = "metered",
    page_access: str = "free",
    pages_section: str = "pages",
    authors_csv: Path | None = None,
) -> Archive:
    try:
        tree = SafeET.parse(str(path), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ImportFileError(
            f"{path.name} declares a DTD or entities ({type(exc).__name__}); a WordPress export "
            "never does, so it is refused unread."
        ) from exc
    except SafeET.ParseError as exc:
        raise ImportFileError(f"{path.name} is not well-formed XML: {exc}") from exc
    except (OSError, UnicodeError) as exc:
        raise ImportFileError(f"{path.name} cannot be read: {exc}") from exc
    channel = tree.getroot().find("channel")
    version = text(channel, "wp:wxr_version") if channel is not None else ""
    if channel is None or version not in WXR_VERSIONS:
        raise ImportFileError(
            f"{path.name} is not a WordPress export (WXR 1.0–1.2): its channel has no "
            "wp:wxr_version."
        )
    site_url = (text(channel, "wp:base_blog_url") or text(channel, "link")).rstrip("/")
    archive = Archive(origin="wordpress", site_url=site_url)
    host = urlsplit(site_url).netloc
    if host:
        archive.other_hosts.append(host[4:] if host.startswith("www.") else "www." + host)
    prefix = f"wordpress:{site_url}:"
    bios = read_bios(authors_csv) if authors_csv else {}

    logins: dict[str, str] = {}
    for element in channel.findall("wp:author", NS):
        login = text(element, "wp:author_login")
        if not login:
            continue
        extra = bios.get(login, {})
        name = (
            extra.get("display_name")
            or text(element, "wp:author_display_name")
            or " ".join(
                filter(
                    None,
                    [text(element, "wp:author_first_name"), text(element, "wp:author_last_name")],
                )
            )
            or login
        )
        ref = f"{prefix}author:{login}"
        logins[login] = ref
        archive.authors.append(
            Author(
                ref=ref,
                name=name,
                slug=login,
                email=text(element, "wp:author_email"),
                bio=extra.get("bio", ""),
                role=extra.get("role", ""),
                old_paths=[f"/author/{login}/"],
            )
        )

    categories: dict[str, str] = {}
    for element in channel.findall("wp:category", NS):
        nicename = text(element, "wp:category_nicename")
        if not nicename or nicename == "uncategorized":
            continue
        ref = f"{prefix}category:{nicename}"
        categories[nicename] = ref
        archive.sections.append(
            Section(
                ref=ref,
                name=text(element, "wp:cat_name") or nicename,
                slug=nicename,
                description=text(element, "wp:category_description"),
                old_paths=[f"/category/{nicename}/"],
            )
        )

    items = channel.findall("item")
    attachments: dict[str, Media] = {}
    for item in items:
        if text(item, "wp:post_type") == "attachment":
            post_id = text(item, "wp:post_id")
            url = text(item, "wp:attachment_url")
            if post_id and url:
                attachments[post_id] = Media(
                    url=url,
                    title=text(item, "title"),
                    caption=text(item, "excerpt:encoded"),
                    alt=meta(item).get("_wp_attachment_image_alt", ""),
                )

    pages_ref = f"{prefix}pages"
    for item in items:
        post_type = text(item, "wp:post_type")
        title = text(item, "title")
        post_id = text(item, "wp:post_id")
        label = f"{title or '(untitled)'} [{post_id or '?'}]"
        if post_type == "attachment":
            continue
        if post_type not in IMPORTED_TYPES:
            archive.skipped.append(
                Skipped(label, f"a {post_type or 'typeless'} item, not a post or a page")
            )
            continue
        status = text(item, "wp:status")
        if status not in PUBLISHED | KEPT_AS_DRAFT:
            archive.skipped.append(Skipped(label, f"its status is {status or 'missing'}"))
            continue
        try:
            archive.posts.append(
                post_from(item, prefix, logins, categories, attachments, status,
                          access=page_access if post_type == "page" else access,
                          pages_ref=pages_ref if post_type == "page" else None)
            )  # fmt: skip
        except (ValueError, TypeError, KeyError) as exc:
            archive.unreadable.append(Skipped(label, f"cannot be read: {exc}"))
    if any(post.sections == [pages_ref] for post in archive.posts):
        archive.sections.append(
            Section(ref=pages_ref, name=pages_section.replace("-", " ").title(), slug=pages_section)
        )
    return archive


def meta(item) -> dict[str, str]:
    values = {}
    for element in item.findall("wp:postmeta", NS):
        key = text(element, "wp:meta_key")
        if key:
            values[key] = text(element, "wp:meta_value")
    return values


def post_from(item, prefix, logins, categories, attachments, status, *, access, pages_ref):
    post_id = text(item, "wp:post_id")
    if inputs.whole_number(post_id) is None:
        raise ValueError(f"its wp:post_id {post_id!r} is not a number")
    content, shortcodes = classic_shortcodes(text(item, "content:encoded"), attachments)
    if BLOCK_EDITOR not in content:
        content = autop(content)
    link = text(item, "link")
    kind = text(item, "wp:post_type")
    old_paths = [f"/?{'page_id' if kind == 'page' else 'p'}={post_id}"]
    if link:
        parts = urlsplit(link)
        old_paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    post_meta = meta(item)
    thumbnail = post_meta.get("_thumbnail_id", "")
    notes = [f"the shortcode [{name}] is kept as text" for name in shortcodes]
    published = status in PUBLISHED
    if not published:
        notes.append(f"WordPress status {status}: kept as a draft")
    if text(item, "wp:post_password"):
        published = False
        notes.append("password-protected in WordPress: kept as a draft")
    sections, tags = [], []
    for category in item.findall("category"):
        domain = category.get("domain")
        nicename = category.get("nicename") or ""
        if domain == "category" and nicename in categories:
            sections.append(categories[nicename])
        elif domain == "post_tag" and category.text:
            tags.append(category.text.strip())
    if pages_ref:
        sections = [pages_ref]
    login = text(item, "dc:creator")
    return Post(
        ref=f"{prefix}{post_id}",
        title=html.unescape(text(item, "title")),
        slug=text(item, "wp:post_name"),
        html=content,
        dek=text(item, "excerpt:encoded"),
        # A draft never published has no GMT date ("0000-00-00 00:00:00", and
        # a pubDate in the year -1): its local date is the nearest there is.
        date=wp_date(text(item, "wp:post_date_gmt")) or wp_date(text(item, "wp:post_date")),
        updated=wp_date(text(item, "wp:post_modified_gmt")),
        published=published,
        access=access,
        authors=[logins[login]] if login in logins else [],
        sections=sections,
        tags=tags,
        lead_image=attachments.get(thumbnail),
        old_paths=old_paths,
        attachments=attachments,
        notes=notes,
    )


SHORTCODE_CAPTION = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.S)
SHORTCODE_EMBED = re.compile(r"\[embed[^\]]*\](.*?)\[/embed\]", re.S)
SHORTCODE_GALLERY = re.compile(r"\[gallery([^\]]*)\]")
SHORTCODE_OTHER = re.compile(r"\[/?([a-z][\w-]*)(?:\s[^\]]*)?\]")
IDS = re.compile(r"\bids=[\"']?([\d,\s]+)")


def classic_shortcodes(content: str, attachments: dict[str, Media]) -> tuple[str, list[str]]:
    """The classic editor's [caption], [embed] and [gallery] as the HTML they
    stand for, and the names of other shortcodes left in the text."""

    def caption(match):
        inner = match[2].strip()
        image_end = inner.rfind(">")
        image, text_after = inner[: image_end + 1], inner[image_end + 1 :].strip()
        return f"<figure>{image}<figcaption>{text_after}</figcaption></figure>"

    def gallery(match):
        ids = IDS.search(match[1])
        images = "".join(
            f'<img class="wp-image-{i}" src="{html.escape(attachments[i].url)}">'
            for i in (ids[1].replace(" ", "").split(",") if ids else [])
            if i in attachments
        )
        return f'<figure class="wp-block-gallery">{images}</figure>' if images else ""

    content = SHORTCODE_CAPTION.sub(caption, content)
    content = SHORTCODE_GALLERY.sub(gallery, content)
    content = SHORTCODE_EMBED.sub(
        lambda m: (
            f'<figure class="masthead-embed" data-url="{html.escape(m[1].strip())}"></figure>'
        ),
        content,
    )
    others = []
    for match in SHORTCODE_OTHER.finditer(content):
        if match[1] not in others:
            others.append(match[1])
    return content, others


def read_bios(path: Path) -> dict[str, dict[str, str]]:
    """Author bios, which WordPress's export leaves out: a CSV with a header of
    login, and any of display_name, bio and role."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeError, csv.Error) as exc:
        raise ImportFileError(f"{path.name} cannot be read as UTF-8 CSV: {exc}") from exc
    if rows and "login" not in rows[0]:
        raise ImportFileError(f"{path.name} has no 'login' column")
    return {row["login"]: {k: (v or "").strip() for k, v in row.items() if k} for row in rows}
