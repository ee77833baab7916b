"""The client's address, as far as this server can vouch for it.

`X-Forwarded-For` is written by whoever sends the request: it is read only
when the direct peer (REMOTE_ADDR) is one of TRUSTED_PROXIES, and then only
the hops those proxies appended. Audit entries, sign-in lockouts (django-axes)
and request limits all take the address from here.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str | None) -> Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """REMOTE_ADDR; when that is a trusted proxy, the nearest address in
    X-Forwarded-For that is not one (read from the right: each trusted proxy
    appended the address it received the request from)."""
    if request is None:
        return None
    peer = request.META.get("REMOTE_ADDR")
    trusted = _networks(tuple(settings.TRUSTED_PROXIES))
    address = _address(peer)
    if address is None or not any(address in network for network in trusted):
        return peer
    client = peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:  # not an address: keep the last one a trusted proxy vouched for
            break
        client = str(address)
        if not any(address in network for network in trusted):
            break
    return client
