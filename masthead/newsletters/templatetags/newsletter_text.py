from django import template
from wagtail.rich_text import expand_db_html

from masthead.newsletters.rendering import plain

register = template.Library()


@register.filter
def as_text(rich_text) -> str:
    return plain(expand_db_html(str(rich_text)))


@register.filter
def blocks_as_text(blocks) -> str:
    """Blocks the gate handed out, as plain text (one paragraph each)."""
    return "\n\n".join(plain(str(block.render())) for block in blocks)
