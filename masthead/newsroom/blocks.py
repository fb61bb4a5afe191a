"""The blocks an article body is made of.

Each body block is one unit of the teaser count (``ArticlePage.teaser_blocks``),
so a block should be a reader-sized piece: a paragraph, not a whole section.
"""

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
