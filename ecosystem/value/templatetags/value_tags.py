from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def percent(fraction, digits: int = 1) -> str:
    """A fraction (0.123) as a percentage in the page's locale ("12.3"); empty when there is none."""
    if fraction in (None, ""):
        return ""
    return floatformat(float(fraction) * 100, f"{digits}g")


@register.filter
def weight(value) -> str:
    """A contribution weight (0.7500) with the places it needs ("0.75", "1"), in the page's locale."""
    if value in (None, ""):
        return ""
    places = max(0, -Decimal(value).normalize().as_tuple().exponent)
    return floatformat(value, min(places, 4))


@register.filter
def measure(value, unit: str = "") -> str:
    """An objective's figure: money with cents, a quantity as it is, followed by its unit ("120 tCO2e")."""
    if value in (None, ""):
        return ""
    if not unit:
        return floatformat(value, "2g")
    return f"{floatformat(value, '-2g')} {unit}"
