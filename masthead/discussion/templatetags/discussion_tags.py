from django import template

from masthead.discussion import text

register = template.Library()
DELETED_READER = "Deleted reader"


@register.filter
def comment_html(value: str):
    """A comment's plain text as safe paragraphs with nofollow links."""
    return text.render(value)


@register.filter
def display_name(user) -> str:
    """How a commenter is shown: their name, else their username; never their email.
    A comment kept after its writer deleted their account has no user."""
    if user is None:
        return DELETED_READER
    return user.get_full_name() or user.get_username().split("@")[0]


@register.simple_tag(takes_context=True)
def discussion(context, article, gated):
    """The discussion for this reader, when the page is rendered outside the
    cached shell (previews). The same code fills the shell's slot."""
    from django.utils.safestring import mark_safe

    from masthead.discussion import section

    return mark_safe(section.render(context["request"], article.pk, gated.reader))
