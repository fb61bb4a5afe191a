from django import template

from masthead.newsletters import signup

register = template.Library()


@register.simple_tag
def wall_newsletters():
    """What a free account brings by email, for the registration wall. The wall
    is kept in cached pages: saving a newsletter changes the content
    generation (newsletters/apps.py), so it is never stale."""
    return signup.offered_at_signup()
