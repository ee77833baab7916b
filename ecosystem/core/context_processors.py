from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from ecosystem.accounts.models import PARTNER_ROLES, STAFF_ROLES, Role

# (url name, label, roles that see it). Later issues add their sections here.
NAVIGATION = [
    ("core:dashboard", _("Dashboard"), STAFF_ROLES),
    ("partners:directory", _("Partners"), STAFF_ROLES),
    ("partners:ecosystem", _("Ecosystem"), (Role.ADMIN,)),
    ("accounts:team", _("Team"), (Role.ADMIN,)),
    ("portal:home", _("Home"), PARTNER_ROLES),
    ("portal:profile", _("Our profile"), PARTNER_ROLES),
    ("portal:team", _("Our team"), PARTNER_ROLES),
    ("portal:participants", _("Participants"), PARTNER_ROLES),
]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    if not (user and user.is_authenticated and tenant is not None):
        return {"nav_items": []}
    items = []
    for name, label, roles in NAVIGATION:
        if getattr(user, "role", None) in roles:
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            active = request.path == url or (url not in ("/", "/portal/") and request.path.startswith(url))
            items.append({"url": url, "label": label, "active": active})
    return {"nav_items": items}
