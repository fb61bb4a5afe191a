"""Ghost's JSON export (Settings → Labs → Export, with or without the "db"
wrapper) and its members CSV → an ``Archive``.

A post's body is taken from its ``html`` when the export has it, else from
its Lexical document (Ghost 5 and 6), else from Mobiledoc (Ghost 2–4); both
editors' documents are rendered to HTML here. ``visibility`` decides access:
public → free, members → metered, paid and tiers → subscribers. Ghost's
public preview divider (``<!--members-only-->``, the "paywall" card) becomes
the article's teaser length.
"""

from __future__ import annotations

import csv
import html as htmllib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from masthead.importing.archive import (
    Archive,
    Author,
    ImportFileError,
    Media,
    Member,
    Post,
    Section,
    Skipped,
)

ACCESS = {"public": "free", "members": "metered", "paid": "subscribers", "tiers": "subscribers"}
PUBLISHED = {"published", "sent"}
KEPT_AS_DRAFT = {"draft", "scheduled"}
DIVIDER = "<!--members-only-->"
# What a post whose document is not the shape Ghost writes raises while it is
# read: the importer names the post and goes on.
UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError)
MAX_BYTES = 512 * 1024 * 1024


def ghost_date(value) -> datetime | None:
    """Ghost writes ISO 8601 in UTC ("2024-03-14T09:30:00.000Z"); older
    exports, milliseconds since 1970."""
    if not value:
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def load(path: Path) -> dict:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportFileError(f"{path.name} is larger than {MAX_BYTES // 2**20} MB")
        raw = path.read_bytes()
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path.name} is not UTF-8 (Ghost writes UTF-8 JSON): {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"{path.name} is not complete JSON (cut short or damaged?): {exc.msg} at line "
            f"{exc.lineno}, column {exc.colno}"
        ) from exc
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be read: {exc}") from exc
    if isinstance(document, dict) and isinstance(document.get("db"), list) and document["db"]:
        document = document["db"][0]
    if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
        raise ImportFileError(f"{path.name} is not a Ghost export: it has no data object.")
    data = document["data"]
    if not isinstance(data.get("posts", []), list):
        raise ImportFileError(f"{path.name}: data.posts is not a list.")
    return data


def rows(data: dict, key: str) -> list[dict]:
    value = data.get(key) or []
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def parse(path: Path, *, site_url: str = "", members_csv: Path | None = None) -> Archive:
    data = load(path)
    settings = {row.get("key"): row.get("value") for row in rows(data, "settings")}
    site_url = (site_url or str(settings.get("url") or "")).rstrip("/")
    archive = Archive(origin="ghost", site_url=site_url)
    prefix = "ghost:"

    users = {}
    for user in rows(data, "users"):
        if not user.get("id") or not user.get("name"):
            continue
        ref = f"{prefix}author:{user['id']}"
        users[user["id"]] = ref
        slug = str(user.get("slug") or "")
        archive.authors.append(
            Author(
                ref=ref,
                name=str(user["name"]),
                slug=slug,
                bio=htmllib.escape(str(user.get("bio") or "")),
                email=str(user.get("email") or ""),
                old_paths=[f"/author/{slug}/"] if slug else [],
            )
        )

    tags = {}
    for tag in rows(data, "tags"):
        name = str(tag.get("name") or "")
        if (
            not tag.get("id")
            or not name
            or name.startswith("#")
            or tag.get("visibility") == "internal"
        ):
            continue
        tags[tag["id"]] = tag
    post_tags: dict[str, list[str]] = {}
    for link in sorted(rows(data, "posts_tags"), key=lambda r: r.get("sort_order") or 0):
        if link.get("tag_id") in tags:
            post_tags.setdefault(link.get("post_id"), []).append(link["tag_id"])
    post_authors: dict[str, list[str]] = {}
    for link in sorted(rows(data, "posts_authors"), key=lambda r: r.get("sort_order") or 0):
        if link.get("author_id") in users:
            post_authors.setdefault(link.get("post_id"), []).append(users[link["author_id"]])
    posts_meta = {row.get("post_id"): row for row in rows(data, "posts_meta")}

    # A post's primary tag (its first) is its section.
    primary = {tag_ids[0] for tag_ids in post_tags.values() if tag_ids}
    for tag_id in primary:
        tag = tags[tag_id]
        archive.sections.append(
            Section(
                ref=f"{prefix}tag:{tag_id}",
                name=str(tag["name"]),
                slug=str(tag.get("slug") or ""),
                description=str(tag.get("description") or ""),
                old_paths=[f"/tag/{tag.get('slug')}/"] if tag.get("slug") else [],
            )
        )

    for row in data.get("posts") or []:
        if not isinstance(row, dict):
            archive.unreadable.append(Skipped("a post", "is not an object"))
            continue
        label = f"{row.get('title') or '(untitled)'} [{row.get('id') or '?'}]"
        status = row.get("status")
        if status not in PUBLISHED | KEPT_AS_DRAFT:
            archive.skipped.append(Skipped(label, f"its status is {status or 'missing'}"))
            continue
        try:
            archive.posts.append(
                post_from(row, prefix, post_tags, post_authors, users, tags, posts_meta)
            )
        except UNREADABLE as exc:
            archive.unreadable.append(
                Skipped(label, f"cannot be read: {type(exc).__name__}: {exc}")
            )
    if members_csv is not None:
        archive.members = read_members(members_csv)
    return archive


def post_from(row, prefix, post_tags, post_authors, users, tags, posts_meta) -> Post:
    post_id = str(row["id"])
    body = row.get("html")
    if not body and row.get("lexical"):
        body = lexical_html(row["lexical"])
    if not body and row.get("mobiledoc"):
        body = mobiledoc_html(row["mobiledoc"])
    body = body or ""
    teaser = body.split(DIVIDER, 1)[0] if DIVIDER in body else None
    slug = str(row.get("slug") or post_id)
    authors = post_authors.get(post_id) or (
        [users[row["author_id"]]] if row.get("author_id") in users else []
    )
    tag_ids = post_tags.get(post_id, [])
    post_meta = posts_meta.get(post_id, {})
    lead = None
    if row.get("feature_image"):
        lead = Media(
            url=str(row["feature_image"]),
            alt=str(row.get("feature_image_alt") or post_meta.get("feature_image_alt") or ""),
            caption=strip(
                str(
                    row.get("feature_image_caption") or post_meta.get("feature_image_caption") or ""
                )
            ),
        )
    published = row.get("status") in PUBLISHED
    notes = [] if published else [f"Ghost status {row.get('status')}: kept as a draft"]
    visibility = str(row.get("visibility") or "public")
    return Post(
        ref=f"{prefix}{post_id}",
        title=str(row.get("title") or ""),
        slug=slug,
        html=body,
        dek=str(row.get("custom_excerpt") or post_meta.get("meta_description") or ""),
        date=ghost_date(row.get("published_at")) or ghost_date(row.get("created_at")),
        updated=ghost_date(row.get("updated_at")),
        published=published,
        access=ACCESS.get(visibility, "subscribers"),
        authors=authors,
        sections=[f"{prefix}tag:{tag_ids[0]}"] if tag_ids else [],
        tags=[str(tags[t]["name"]) for t in tag_ids[1:]],
        lead_image=lead,
        old_paths=[f"/{slug}/"] + ([f"/p/{row['uuid']}/"] if row.get("uuid") else []),
        notes=notes,
        teaser_html=teaser,
    )


def strip(markup: str) -> str:
    from bs4 import BeautifulSoup

    return " ".join(BeautifulSoup(markup, "html.parser").get_text(" ").split())


# --- Lexical ------------------------------------------------------------------

FORMATS = [(1, "strong"), (2, "em"), (4, "s"), (8, "u"), (16, "code"), (32, "sub"), (64, "sup")]


def lexical_html(document) -> str:
    if isinstance(document, str):
        document = json.loads(document)
    root = document.get("root") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise ValueError("its Lexical document has no root")
    return "\n".join(_lexical_node(node) for node in root.get("children") or [])


def _children(node) -> str:
    return "".join(_lexical_node(child) for child in node.get("children") or [])


def _e(value) -> str:
    return htmllib.escape(str(value or ""))


def _lexical_node(node) -> str:
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind in {"text", "extended-text"}:
        text = _e(node.get("text"))
        fmt = node.get("format") or 0
        for bit, tag in FORMATS:
            if isinstance(fmt, int) and fmt & bit:
                text = f"<{tag}>{text}</{tag}>"
        return text
    if kind == "linebreak":
        return "<br>"
    if kind == "link" or kind == "autolink":
        return f'<a href="{_e(node.get("url"))}">{_children(node)}</a>'
    if kind == "paragraph":
        return f"<p>{_children(node)}</p>"
    if kind in {"heading", "extended-heading"}:
        tag = node.get("tag") if node.get("tag") in {"h1", "h2", "h3", "h4", "h5", "h6"} else "h2"
        return f"<{tag}>{_children(node)}</{tag}>"
    if kind == "list":
        tag = "ol" if node.get("listType") == "number" else "ul"
        return f"<{tag}>{_children(node)}</{tag}>"
    if kind == "listitem":
        return f"<li>{_children(node)}</li>"
    if kind in {"quote", "extended-quote", "aside"}:
        return f"<blockquote><p>{_children(node)}</p></blockquote>"
    if kind == "horizontalrule":
        return "<hr>"
    if kind == "paywall":
        return DIVIDER
    if kind == "image":
        caption = node.get("caption") or ""
        return (
            f'<figure class="kg-card kg-image-card"><img src="{_e(node.get("src"))}" '
            f'alt="{_e(node.get("alt"))}"><figcaption>{caption}</figcaption></figure>'
        )
    if kind == "gallery":
        images = "".join(
            f'<img src="{_e(i.get("src"))}" alt="{_e(i.get("alt"))}">'
            for i in node.get("images") or []
            if isinstance(i, dict)
        )
        return f'<figure class="kg-card kg-gallery-card">{images}</figure>'
    if kind == "embed":
        return f'<figure class="kg-card kg-embed-card" data-url="{_e(node.get("url"))}"></figure>'
    if kind == "bookmark":
        title = (node.get("metadata") or {}).get("title") or node.get("url")
        return f'<p><a href="{_e(node.get("url"))}">{_e(title)}</a></p>'
    if kind == "html":
        return str(node.get("html") or "")
    if kind == "markdown":
        return "".join(
            f"<p>{_e(part)}</p>" for part in str(node.get("markdown") or "").split("\n\n") if part
        )
    if kind == "callout":
        return f"<p>{node.get('calloutText') or ''}</p>"
    if kind == "codeblock":
        return f"<pre><code>{_e(node.get('code'))}</code></pre>"
    if node.get("children"):
        return _children(node)
    return ""


# --- Mobiledoc ----------------------------------------------------------------


def mobiledoc_html(document) -> str:
    if isinstance(document, str):
        document = json.loads(document)
    if not isinstance(document, dict):
        raise ValueError("its Mobiledoc document is not an object")
    markups = document.get("markups") or []
    cards = document.get("cards") or []
    out = []
    for section in document.get("sections") or []:
        kind = section[0]
        if kind == 1:  # markup section: [1, tag, markers]
            tag = str(section[1]).lower()
            tag = tag if tag in {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"} else "p"
            inner = _markers(section[2], markups)
            out.append(f"<blockquote><p>{inner}</p></blockquote>" if tag == "blockquote"
                       else f"<{tag}>{inner}</{tag}>")  # fmt: skip
        elif kind == 3:  # list section: [3, "ul"|"ol", [markers, …]]
            tag = "ol" if section[1] == "ol" else "ul"
            items = "".join(f"<li>{_markers(item, markups)}</li>" for item in section[2])
            out.append(f"<{tag}>{items}</{tag}>")
        elif kind == 10:  # card section: [10, card index]
            name, payload = cards[section[1]]
            out.append(_card(name, payload or {}))
    return "\n".join(out)


def _markers(markers, markups) -> str:
    out, open_tags = [], []
    for marker in markers:
        kind, opens, closes, value = marker
        for index in opens:
            markup = markups[index]
            tag = str(markup[0]).lower()
            attrs = (
                dict(zip(markup[1][::2], markup[1][1::2], strict=False)) if len(markup) > 1 else {}
            )
            if tag == "a":
                out.append(f'<a href="{_e(attrs.get("href"))}">')
            else:
                out.append(f"<{tag}>")
            open_tags.append(tag)
        out.append(_e(value) if kind == 0 else "")
        for _ in range(closes):
            if open_tags:
                out.append(f"</{open_tags.pop()}>")
    return "".join(out)


def _card(name: str, payload: dict) -> str:
    if name == "image":
        return (
            f'<figure class="kg-card kg-image-card"><img src="{_e(payload.get("src"))}" '
            f'alt="{_e(payload.get("alt"))}"><figcaption>{payload.get("caption") or ""}'
            "</figcaption></figure>"
        )
    if name == "html":
        return str(payload.get("html") or "")
    if name in {"markdown", "card-markdown"}:
        return "".join(
            f"<p>{_e(part)}</p>"
            for part in str(payload.get("markdown") or "").split("\n\n")
            if part
        )
    if name == "embed":
        return (
            f'<figure class="kg-card kg-embed-card" data-url="{_e(payload.get("url"))}"></figure>'
        )
    if name == "hr":
        return "<hr>"
    if name == "paywall":
        return DIVIDER
    if name == "bookmark":
        title = (payload.get("metadata") or {}).get("title") or payload.get("url")
        return f'<p><a href="{_e(payload.get("url"))}">{_e(title)}</a></p>'
    if name == "code":
        return f"<pre><code>{_e(payload.get('code'))}</code></pre>"
    return ""


# --- members ------------------------------------------------------------------

MEMBER_COLUMNS = {"email"}


def read_members(path: Path) -> list[Member]:
    """Ghost's members CSV (Members → Export): id, email, name, note,
    subscribed_to_emails, complimentary_plan, stripe_customer_id, created_at,
    deleted_at, labels, tiers. Ghost makes a member confirm the address by a
    magic link before it is one, so addresses come across verified."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path.name} is not UTF-8 (Ghost writes UTF-8 CSV): {exc}") from exc
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be read: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or not MEMBER_COLUMNS <= set(reader.fieldnames):
        raise ImportFileError(f"{path.name} is not a Ghost members export: no email column.")
    members = []
    try:
        for line, row in enumerate(reader, start=2):
            if (row.get("deleted_at") or "").strip():
                continue
            complimentary = truthy(row.get("complimentary_plan"))
            customer = (row.get("stripe_customer_id") or "").strip()
            members.append(
                Member(
                    email=(row.get("email") or "").strip(),
                    name=(row.get("name") or "").strip(),
                    verified=True,
                    created=ghost_date(row.get("created_at")),
                    complimentary=complimentary,
                    paid_in_export=bool(customer) and not complimentary,
                    stripe_customer_id=customer,
                    subscribed_to_emails=truthy(row.get("subscribed_to_emails")),
                    line=line,
                )
            )
    except csv.Error as exc:
        raise ImportFileError(f"{path.name} line {reader.line_num}: {exc}") from exc
    return members


def truthy(value) -> bool:
    return str(value or "").strip().lower() in {"true", "1", "yes"}
