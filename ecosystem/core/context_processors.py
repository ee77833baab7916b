from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from ecosystem.accounts.models import Role

# (url name, label, roles that see it). Later issues add their sections here.
NAVIGATION = [
    ("core:dashboard", _("Dashboard"), tuple(Role.values)),
    ("accounts:team", _("Team"), (Role.ADMIN,)),
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
            items.append({"url": url, "label": label, "active": request.path == url})
    return {"nav_items": items}
