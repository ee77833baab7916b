"""The API's request parsers (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES).

A module of its own: DRF imports the default parsers while `rest_framework.views`
loads, so this module must not import views (nor `core.api`, which does).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


class SafeJSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering 400 to a body nested too deeply to decode.

    Python's decoder recurses once per level: `[` repeated 100,000 times
    raises RecursionError, which would otherwise be a 500 on every JSON
    endpoint, anonymous ones included.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from None
