"""Which addresses a page may be fetched from: public ones only.

A feed is someone else's text, and so are its links and a page's redirects:
a link to 127.0.0.1, 10.0.0.5 or the cloud metadata address 169.254.169.254
would have rewriter read (and publish) what only this machine can see. Every
host is resolved here and refused when any of its addresses is not global;
the request then goes to the address checked, so a second DNS answer cannot
swap it (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from rewriter.errors import RewriterError


class PageRefused(RewriterError):
    """A page that is not fetched or not used; the item goes on with its own text."""


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not address.is_multicast


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL; PageRefused for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise PageRefused(f"not a valid URL: {url!r}") from None
    if parts.scheme not in ("http", "https"):
        raise PageRefused(f"refused: only http and https links are fetched, not {parts.scheme or 'a relative'!s} ({url})")
    if not parts.hostname:
        raise PageRefused(f"refused: no host in {url!r}")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def resolve(host: str, port: int, allowed: frozenset[str]) -> str:
    """The address to connect to for `host`; PageRefused when it is not public
    (unless the host is one of `allowed`, as the tests' 127.0.0.1 is)."""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            raise PageRefused(f"cannot resolve {host}: {exc}") from None
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
        if not addresses:
            raise PageRefused(f"cannot resolve {host}")
    if host.lower() not in allowed:
        private = [str(a) for a in addresses if not _public(a)]
        if private:
            raise PageRefused(
                f"refused: {host} is a private, loopback or link-local address ({private[0]}); "
                "only public hosts are fetched (--allow-private-hosts names exceptions)"
            )  # fmt: skip
    return str(addresses[0])
