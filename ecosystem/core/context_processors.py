from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .roles import ADMINS, PARTNER_USERS, REVIEWERS, STAFF

# (url name, label, roles that see it). Later issues add their sections here.
NAVIGATION = [
    ("core:dashboard", _("Dashboard"), STAFF),
    ("partners:directory", _("Partners"), STAFF),
    ("missions:list", _("Missions"), STAFF),
    ("value:list", _("Reports"), STAFF),
    ("partners:ecosystem", _("Ecosystem"), ADMINS),
    ("governance:reviews", _("Reviews"), STAFF),
    ("governance:rules", _("Rule book"), STAFF),
    ("governance:appeals", _("Appeals"), STAFF),
    ("governance:audit", _("Audit trail"), REVIEWERS),
    ("accounts:team", _("Team"), ADMINS),
    ("core:settings", _("Settings"), ADMINS),
    ("portal:home", _("Home"), PARTNER_USERS),
    ("mission_portal:list", _("Missions"), PARTNER_USERS),
    ("value_portal:home", _("My value"), PARTNER_USERS),
    ("governance_portal:decisions", _("Decisions"), PARTNER_USERS),
    ("governance_portal:rules", _("Rule book"), PARTNER_USERS),
    ("portal:profile", _("Our profile"), PARTNER_USERS),
    ("portal:team", _("Our team"), PARTNER_USERS),
    ("portal:participants", _("Participants"), PARTNER_USERS),
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
