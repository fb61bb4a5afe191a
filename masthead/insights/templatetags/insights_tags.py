from django import template

register = template.Library()


@register.filter
def percent(share) -> str:
    """A share (0.2162) as a percentage ("21.6%"), or a dash when there is none."""
    if share is None or share == "":
        return "—"
    return f"{float(share) * 100:.1f}%"
