from django import template

from masthead.members.money import format_money

register = template.Library()


@register.filter
def percent(share) -> str:
    """A share (0.2162) as a percentage ("21.6%"), or a dash when there is none."""
    if share is None or share == "":
        return "—"
    return f"{float(share) * 100:.1f}%"


@register.simple_tag
def money(amounts: dict, currency: str) -> str:
    """``amounts[currency]`` (minor units) as money; nothing counts as zero."""
    return format_money(amounts.get(currency, 0), currency)
