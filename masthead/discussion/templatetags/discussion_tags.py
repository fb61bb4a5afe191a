from django import template

from masthead.discussion import section, text
from masthead.discussion.models import public_name

register = template.Library()


@register.filter
def comment_html(value: str):
    """A comment's plain text as safe paragraphs with nofollow links."""
    return text.render(value)


@register.filter
def display_name(user) -> str:
    """How a commenter is shown (``models.public_name``): never their email."""
    return public_name(user)


@register.simple_tag(takes_context=True)
def discussion(context, article, gated):
    """The discussion for this reader, when the page is rendered outside the
    cached shell (previews). The same code fills the shell's slot."""
    from django.utils.safestring import mark_safe

    return mark_safe(section.render(context["request"], article.pk, gated.reader))
