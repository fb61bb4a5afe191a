"""HTML from another platform → Masthead's body blocks.

Paragraphs, headings, lists, quotes, images (with captions) and embeds
become the blocks an editor would have made; anything else (a table, code, a
definition list) becomes an HTML block, sanitised; nothing is dropped without
a note in the report (a script, a form, an image whose file is missing).

Links inside the text that point at the old site are handed to
``resolve_link``; a link to an imported page becomes a link to that page
(in rich text, Wagtail's page link, which follows the page if it moves).
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import nh3
from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from wagtail.embeds.finders import get_finders

from masthead.importing.archive import Media
from masthead.newsroom.blocks import sanitise_html

INLINE_TAGS = {"b", "i", "a", "sup", "sub", "br"}
LIST_TAGS = INLINE_TAGS | {"ul", "ol", "li"}
RENAMED = {"strong": "b", "em": "i", "cite": "i", "dfn": "i", "var": "i"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Wrappers that carry no meaning of their own: their children are read instead.
WRAPPERS = {"div", "section", "article", "main", "header", "footer", "aside", "span", "center"}
DROPPED = {"script", "style", "noscript", "form", "input", "button", "select", "textarea",
           "object", "applet", "link", "meta", "template", "svg", "canvas", "audio", "video",
           "source", "track"}  # fmt: skip
KEPT_AS_HTML = {"table", "pre", "dl", "hr", "details", "code"}
INLINE = {"a", "b", "strong", "i", "em", "u", "s", "sup", "sub", "small", "mark", "abbr",
          "cite", "code", "kbd", "q", "span", "br", "time", "dfn", "var", "del", "ins",
          "font"}  # fmt: skip
# What a paragraph or a link may hold that is not text: a paragraph holding
# one is read part by part, so nothing in it is dropped without a note.
NOT_INLINE = sorted(
    (DROPPED | KEPT_AS_HTML | HEADINGS | {"img", "iframe", "embed", "figure", "blockquote", "ul",
     "ol", "div", "p"}) - {"link", "meta"}
)  # fmt: skip
BLOCK_START = re.compile(
    r"^\s*<(?:/?(?:h[1-6]|p|ul|ol|li|blockquote|figure|table|div|pre|hr|iframe|dl|section)\b|!--)",
    re.I,
)
LINK = re.compile(r'<a href="([^"]*)">')
LONE_URL = re.compile(r"^\s*(https?://[^\s<>\"]+)\s*$")
YOUTUBE_EMBED = re.compile(r"^(?:https?:)?//(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]{6,})")
VIMEO_EMBED = re.compile(r"^(?:https?:)?//player\.vimeo\.com/video/(\d+)")
HEADING_MAX = 200
CAPTION_MAX = 300


@dataclass
class PageLink:
    """Where a link to an old address now leads."""

    page_id: int
    url: str


@dataclass
class Converted:
    blocks: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Links to the old site that led to no imported page (yet): a later pass
    # may resolve them once every page exists.
    unresolved: set[str] = field(default_factory=set)


def autop(text: str) -> str:
    """WordPress's classic editor keeps paragraphs as blank lines, not <p>:
    put them back. Chunks that already start with a block tag stay as they are;
    a URL alone on its line is an embed, as WordPress shows it."""
    chunks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    out = []
    for chunk in chunks:
        if not chunk.strip():
            continue
        lone = LONE_URL.match(chunk)
        if lone:
            out.append(
                f'<figure class="masthead-embed" data-url="{htmllib.escape(lone[1])}"></figure>'
            )
        elif BLOCK_START.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


def embeddable(url: str) -> str | None:
    """The address of something an oEmbed provider shows (a video, a post), or
    None. Player addresses are turned back into the page they play."""
    url = url.strip()
    if match := YOUTUBE_EMBED.match(url):
        url = f"https://www.youtube.com/watch?v={match[1]}"
    elif match := VIMEO_EMBED.match(url):
        url = f"https://vimeo.com/{match[1]}"
    elif url.startswith("//"):
        url = "https:" + url
    if not url.startswith(("http://", "https://")) or len(url) > 200:
        return None
    return url if any(finder.accept(url) for finder in get_finders()) else None


class Converter:
    def __init__(
        self,
        *,
        resolve_link: Callable[[str], PageLink | None],
        is_internal: Callable[[str], bool],
        image_for: Callable[[Media], int | None],
    ):
        self.resolve_link = resolve_link
        self.is_internal = is_internal
        self.image_for = image_for

    def convert(self, markup: str, attachments: dict[str, Media] | None = None) -> Converted:
        self.result = Converted()
        self.attachments = attachments or {}
        self.pending: list[str] = []  # inline HTML waiting to become a paragraph
        soup = BeautifulSoup(markup, "html.parser")
        self.children(soup)
        self.flush()
        return self.result

    # --- walking -------------------------------------------------------

    def children(self, node):
        for child in list(node.children):
            self.node(child)

    def node(self, node):
        if isinstance(node, Comment):
            return
        if isinstance(node, NavigableString):
            if str(node).strip():
                self.pending.append(htmllib.escape(str(node), quote=False))
            elif self.pending:
                self.pending.append(" ")
            return
        if not isinstance(node, Tag):
            return
        name = node.name.lower()
        if name in DROPPED:
            if name not in {"link", "meta", "source", "track"}:
                self.note(f"removed a <{name}> element (not something an article body carries)")
            return
        if name in INLINE:
            if node.find(NOT_INLINE):
                # An image or a frame inside a link or a span, as old editors
                # wrote them: each part is read for what it is.
                self.children(node)
            else:
                self.pending.append(str(node))
            return
        self.flush()
        if name == "p" and not node.find(NOT_INLINE):
            self.rich(str(node), INLINE_TAGS | {"p"})
        elif name == "p":
            self.children(node)
            self.flush()
        elif name in HEADINGS:
            self.heading(node)
        elif name in {"ul", "ol"}:
            self.rich(re.sub(r">\s+<", "><", str(node)), LIST_TAGS)
        elif name == "blockquote":
            self.quote(node)
        elif name == "figure":
            self.figure(node)
        elif name == "img":
            self.image(node, caption="")
        elif name in {"iframe", "embed"}:
            self.frame(node)
        elif name in KEPT_AS_HTML:
            self.html(node)
        elif name in WRAPPERS or name in {"body", "html", "li"}:
            if self.is_embed_wrapper(node):
                return
            self.children(node)
            self.flush()
        else:
            self.html(node, note=True)

    # --- blocks --------------------------------------------------------

    def flush(self):
        inline = "".join(self.pending).strip()
        self.pending = []
        if inline:
            self.rich(f"<p>{inline}</p>", INLINE_TAGS | {"p"})

    def rich(self, markup: str, tags: set[str]):
        for old, new in RENAMED.items():
            markup = re.sub(rf"<(/?){old}\b", rf"<\1{new}", markup, flags=re.I)
        clean = nh3.clean(
            markup,
            tags=tags,
            attributes={"a": {"href"}},
            url_schemes={"http", "https", "mailto"},
            link_rel=None,
            strip_comments=True,
        ).strip()
        text = re.sub(r"<[^>]+>", "", clean).strip()
        if not text:
            return
        if not clean.startswith(("<p>", "<ul", "<ol")):
            clean = f"<p>{clean}</p>"
        self.result.blocks.append({"type": "paragraph", "value": self.page_links(clean)})

    def page_links(self, clean: str) -> str:
        def replace(match):
            href = htmllib.unescape(match[1])
            target = self.link(href)
            if target is None:
                return match[0]
            return f'<a linktype="page" id="{target.page_id}">'

        return LINK.sub(replace, clean)

    def link(self, href: str) -> PageLink | None:
        if not href or href.startswith(("#", "mailto:")) or not self.is_internal(href):
            return None
        target = self.resolve_link(href)
        if target is None:
            self.result.unresolved.add(href)
        return target

    def heading(self, node: Tag):
        text = " ".join(node.get_text(" ").split())
        if not text:
            return
        if len(text) > HEADING_MAX:
            self.rich(f"<p><b>{htmllib.escape(text)}</b></p>", INLINE_TAGS | {"p"})
        else:
            self.result.blocks.append({"type": "heading", "value": text})

    def quote(self, node: Tag):
        embed = self.is_embed_wrapper(node)
        if embed:
            return
        attribution = ""
        for cite in node.find_all(["cite", "footer"]):
            attribution = attribution or " ".join(cite.get_text(" ").split())
            cite.decompose()
        paragraphs = [" ".join(p.get_text(" ").split()) for p in node.find_all("p")]
        text = "\n\n".join(p for p in paragraphs if p) or " ".join(node.get_text(" ").split())
        if text:
            self.result.blocks.append(
                {
                    "type": "quote",
                    "value": {"text": text, "attribution": attribution.lstrip("—–- ")[:200]},
                }
            )

    def figure(self, node: Tag):
        classes = set(node.get("class") or [])
        if self.is_embed_wrapper(node):
            return
        if "kg-bookmark-card" in classes and node.find("a"):
            link = node.find("a")
            title = node.find(class_="kg-bookmark-title")
            text = " ".join((title or link).get_text(" ").split()) or link.get("href", "")
            self.link_paragraph(link.get("href", ""), text)
            return
        if node.find("table"):
            self.html(node.find("table"))
            return
        if node.find("blockquote"):
            self.quote(node.find("blockquote"))
            return
        images = node.find_all("img")
        caption_node = node.find("figcaption")
        caption = " ".join(caption_node.get_text(" ").split()) if caption_node else ""
        if images:
            if len(images) > 1 or "wp-block-gallery" in classes or "kg-gallery-card" in classes:
                for img in images:
                    self.image(img, caption="")
                if caption:
                    self.rich(f"<p><i>{htmllib.escape(caption)}</i></p>", INLINE_TAGS | {"p"})
            else:
                self.image(images[0], caption=caption)
            return
        if node.find(["iframe", "embed"]):
            self.frame(node.find(["iframe", "embed"]))
            return
        self.html(node, note=True)

    def is_embed_wrapper(self, node: Tag) -> bool:
        """A WordPress embed block, a Ghost embed card, a classic auto-embed, a
        tweet's blockquote: the address it shows becomes an embed block."""
        classes = set(node.get("class") or [])
        url = node.get("data-url") or ""
        if not url and (classes & {"wp-block-embed", "kg-embed-card"}):
            wrapper = node.find(class_="wp-block-embed__wrapper")
            text = (wrapper or node).get_text(" ").strip()
            url = text.split()[0] if text else ""
            if not url and node.find("iframe"):
                url = node.find("iframe").get("src") or ""
        if not url and (classes & {"twitter-tweet", "instagram-media", "tiktok-embed"}):
            links = [a.get("href") for a in node.find_all("a") if a.get("href")]
            url = links[-1] if links else ""
        if not url:
            return False
        target = embeddable(url)
        if target:
            self.result.blocks.append({"type": "embed", "value": target})
        else:
            self.note(f"an embed of {url[:120]} is kept as a link (no oEmbed provider shows it)")
            self.link_paragraph(url, url)
        return True

    def frame(self, node: Tag):
        src = node.get("src") or ""
        target = embeddable(src)
        if target:
            self.result.blocks.append({"type": "embed", "value": target})
            return
        self.note(f"a frame showing {src[:120] or '(no address)'} is kept as a link")
        if src.startswith(("http://", "https://", "//")):
            self.link_paragraph(src, src)

    def link_paragraph(self, href: str, text: str):
        self.rich(
            f'<p><a href="{htmllib.escape(href)}">{htmllib.escape(text)}</a></p>',
            INLINE_TAGS | {"p"},
        )

    def figure_block(self, img: Tag, caption: str) -> dict | None:
        src = img.get("src") or img.get("data-src") or ""
        media = None
        for cls in img.get("class") or []:
            if cls.startswith("wp-image-") and cls[9:] in self.attachments:
                media = self.attachments[cls[9:]]
        alt = " ".join((img.get("alt") or "").split())
        if media is None:
            media = Media(url=src, alt=alt, caption=caption)
        else:
            media = Media(
                url=src or media.url,
                alt=alt or media.alt,
                caption=caption or media.caption,
                title=media.title,
                credit=media.credit,
            )
        if not media.url:
            self.note("an image without an address was left out")
            return None
        image_id = self.image_for(media)
        if image_id is None:
            self.note(f"image {media.url[:160]} is missing, so it was left out")
            return None
        caption = (media.caption or media.alt)[:CAPTION_MAX]
        return {"type": "image", "value": {"image": image_id, "caption": caption}}

    def image(self, img: Tag, caption: str):
        block = self.figure_block(img, caption)
        if block:
            self.result.blocks.append(block)

    def html(self, node: Tag, note: bool = False):
        markup = str(node)
        if note:
            self.note(f"a <{node.name}> element is kept as an HTML block")
        if node.find("img"):
            self.note(
                f"an image inside a <{node.name}> could not be kept (HTML blocks hold no images)"
            )
        clean = sanitise_html(markup).strip()
        if not re.sub(r"<[^>]+>", "", clean).strip() and "<hr" not in clean:
            return

        def replace(match):
            target = self.link(htmllib.unescape(match[1]))
            if target is None:
                return match[0]
            return f'<a href="{htmllib.escape(target.url)}"'

        clean = re.sub(r'<a href="([^"]*)"', replace, clean)
        self.result.blocks.append({"type": "html", "value": clean})

    def note(self, text: str):
        if text not in self.result.notes:
            self.result.notes.append(text)
