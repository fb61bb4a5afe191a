"""The blocks an article body is made of.

Each body block is one unit of the teaser count (``ArticlePage.teaser_blocks``),
so a block should be a reader-sized piece: a paragraph, not a whole section.
"""

import nh3
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


class FigureBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False, max_length=300)

    class Meta:
        icon = "image"
        template = "newsroom/blocks/figure.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "newsroom/blocks/quote.html"


# What an HTML block may hold: text structure, tables and links. No scripts,
# styles, frames, forms or images (an image is a figure block, so it carries a
# credit and renditions), and no attributes that could style or script.
HTML_TAGS = {
    "p", "br", "hr", "b", "strong", "i", "em", "u", "s", "sup", "sub", "small", "mark",
    "abbr", "cite", "code", "pre", "kbd", "q", "a", "ul", "ol", "li", "dl", "dt", "dd",
    "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "figcaption", "div", "span",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
}  # fmt: skip
HTML_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start", "reversed"},
}


def sanitise_html(markup: str) -> str:
    return nh3.clean(
        markup,
        tags=HTML_TAGS,
        attributes=HTML_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
        strip_comments=True,
    )


class HTMLBlock(blocks.RawHTMLBlock):
    """Markup no other block expresses (a table, a definition list, code), as
    imported from another platform. It is sanitised when saved and again when
    rendered, so neither an import file nor an editor can put script on a page."""

    def clean(self, value):
        return mark_safe(sanitise_html(super().clean(value)))

    def render_basic(self, value, context=None):
        return mark_safe(f'<div class="block-html">{sanitise_html(str(value or ""))}</div>')

    def get_searchable_content(self, value):
        return [strip_tags(str(value or ""))]

    class Meta:
        icon = "code"
        label = "HTML (tables, code, imported markup)"


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul", "superscript", "subscript"],
        template="newsroom/blocks/paragraph.html",
    )
    heading = blocks.CharBlock(
        max_length=200, icon="title", template="newsroom/blocks/heading.html"
    )
    image = FigureBlock()
    quote = QuoteBlock()
    embed = EmbedBlock(
        help_text="A link to a video, post or map from a provider that supports oEmbed.",
        template="newsroom/blocks/embed.html",
    )
    html = HTMLBlock(
        help_text="Sanitised when saved and shown: tables, lists, code and links stay; "
        "scripts, styles, frames and images do not."
    )
