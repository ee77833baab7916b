from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def percent(fraction, digits: int = 1) -> str:
    """A fraction (0.123) as a percentage in the page's locale ("12.3"); empty when there is none."""
    if fraction in (None, ""):
        return ""
    return floatformat(float(fraction) * 100, f"{digits}g")
