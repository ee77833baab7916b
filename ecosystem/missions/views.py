"""The orchestrator's mission pages (the staff pages come with their own issue).

`evidence` serves a contribution's file to whoever may see the contribution,
staff and partners alike: the portal links to it.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from . import selectors


def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """A contribution's evidence file, for those who may see the contribution (404 otherwise)."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    contribution = get_object_or_404(selectors.contributions_visible_to(user), pk=pk)
    if not contribution.evidence_file:
        raise Http404
    return FileResponse(contribution.evidence_file.open("rb"), as_attachment=True)
