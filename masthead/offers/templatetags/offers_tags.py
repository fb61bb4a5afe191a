from django import template

register = template.Library()


@register.filter
def points(difference) -> str:
    """A difference of two shares (0.0123) in percentage points ("+1.23 pp")."""
    if difference is None or difference == "":
        return "—"
    return f"{float(difference) * 100:+.2f} pp"


@register.filter
def interval(bounds) -> str:
    """A share's 95 % interval as percentages ("2.10 – 3.45 %")."""
    if not bounds:
        return "—"
    low, high = bounds
    return f"{low * 100:.2f} – {high * 100:.2f} %"


@register.filter
def pvalue(value) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


@register.filter
def share_of(result, kind):
    """``result.shares[kind]`` (a template cannot index by a variable)."""
    return result.shares.get(kind)


@register.filter
def versus_on(result, kind):
    return result.versus.get(kind)
