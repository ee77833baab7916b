"""OpenAPI helpers for the API modules (drf-spectacular)."""

from __future__ import annotations

from drf_spectacular.serializers import PolymorphicProxySerializerExtension
from drf_spectacular.utils import PolymorphicProxySerializer


class AnyOf(PolymorphicProxySerializer):
    """A body that takes the shape of one of `serializers`, depending on who asks.

    Use with `resource_type_field_name=None`. drf-spectacular's proxy writes
    `oneOf`, which a body fails when it matches several overlapping shapes (a
    staff member's full partner profile is also a valid participant entry);
    this one writes `anyOf`.
    """


class AnyOfExtension(PolymorphicProxySerializerExtension):
    target_class = AnyOf
    priority = 0

    def map_serializer(self, auto_schema, direction):
        schema = super().map_serializer(auto_schema, direction)
        return {"anyOf": schema.pop("oneOf"), **schema}
