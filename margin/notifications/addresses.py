"""The address guard for outgoing hooks (pure): which URLs Margin may POST to, and a connection pinned to the
address that was checked.

A webhook URL is chosen by a user, so without a guard Margin's server could be made to call its own network
(the cloud metadata service at 169.254.169.254, an admin port on localhost, a database on 10.x). The rules:

- only `http` and `https`, no user name or password in the URL, a host name present;
- the host is resolved (`socket.getaddrinfo`) and refused if ANY of its addresses is private, loopback,
  link-local, multicast, reserved, unspecified, shared (100.64.0.0/10) or otherwise not global, including
  IPv4-mapped IPv6 forms of those; odd spellings (`2130706433`, `0x7f.1`, `[::1]`, `localhost.`) resolve
  to what they are and are refused with them;
- unless the host, exactly as written (lower case, without a final dot), is on the organisation's allow-list
  (administrators add on-premises receivers there).

The check runs when an endpoint is saved AND before every send, and the send connects to the address the
check returned (`pinned_connection`): a name that resolves elsewhere a second later (DNS rebinding) is not
asked again. TLS still verifies the certificate for the host name (SNI and Host header are the name).
Redirects are never followed: a 3xx is a failed attempt.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from margin.core.errors import Invalid

Resolver = Callable[..., list[tuple[Any, ...]]]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A URL that passed the guard, with the address to connect to."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, at least "/"
    address: str  # the vetted IP address

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def normalise_host(host: str) -> str:
    return host.strip().lower().rstrip(".")


def blocked_reason(ip: IPAddress) -> str | None:
    """Why Margin must not connect to `ip`, or None for an ordinary public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return blocked_reason(mapped)
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (such as the cloud metadata service)"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "an unspecified address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.IPv4Network("100.64.0.0/10"):
        return "a shared (carrier-grade NAT) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "an address that is not public"
    return None


def check_url(url: str, *, allowed_hosts: Collection[str] = (), resolve: Resolver = socket.getaddrinfo) -> Target:
    """The vetted target of `url`, or Invalid (field "url") saying why Margin will not post there."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise Invalid(f"This is not a valid URL: {error}.", field="url") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Invalid("Only http:// and https:// addresses can receive webhooks.", field="url")
    if parts.username is not None or parts.password is not None:
        raise Invalid("Do not put a user name or password in the URL; the signature authenticates Margin.", field="url")
    host = normalise_host(parts.hostname or "")
    if not host:
        raise Invalid("The URL has no host name.", field="url")
    port = port or (443 if scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    allowed = {normalise_host(h) for h in allowed_hosts}
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise Invalid(f"The host {host} could not be resolved.", field="url") from error
    addresses: list[IPAddress] = []
    for info in infos:
        try:
            addresses.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
        except ValueError:
            continue
    if not addresses:
        raise Invalid(f"The host {host} has no address.", field="url")
    if host not in allowed:
        for ip in addresses:
            reason = blocked_reason(ip)
            if reason is not None:
                raise Invalid(
                    f"{host} resolves to {ip}, {reason}; Margin does not send webhooks there. An administrator "
                    "can allow an on-premises host in Webhooks & chat → Allowed hosts.",
                    field="url",
                )
    first = sorted(addresses, key=lambda ip: ip.version)[0]  # IPv4 first: what most receivers listen on
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(first))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._pinned = target.address
        self._create_connection = self._connect_pinned  # http.client sets this per instance

    def _connect_pinned(
        self, address: tuple[str, int], timeout: float, source_address: tuple[str, int] | None = None
    ) -> socket.socket:
        return socket.create_connection((self._pinned, address[1]), timeout, source_address)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float, context: ssl.SSLContext | None = None) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context or ssl.create_default_context())
        self._pinned = target.address
        self._create_connection = self._connect_pinned  # http.client sets this per instance

    def _connect_pinned(
        self, address: tuple[str, int], timeout: float, source_address: tuple[str, int] | None = None
    ) -> socket.socket:
        return socket.create_connection((self._pinned, address[1]), timeout, source_address)


def pinned_connection(target: Target, *, timeout: float) -> http.client.HTTPConnection:
    """A connection to the vetted address of `target` (TLS checks the certificate against the host name)."""
    if target.scheme == "https":
        return _PinnedHTTPSConnection(target, timeout)
    return _PinnedHTTPConnection(target, timeout)


@dataclass(frozen=True)
class Response:
    status: int
    excerpt: str


def post(
    target: Target,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    connection: http.client.HTTPConnection | None = None,
) -> Response:
    """POST `body` to the vetted target; never follows a redirect. Network errors raise OSError (or
    http.client.HTTPException). Pass an open `connection` to the same target to reuse it."""
    conn = connection or pinned_connection(target, timeout=timeout)
    request_headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": "Margin-Webhooks/1",
        **headers,
    }
    try:
        conn.request("POST", target.path, body=body, headers=request_headers)
        reply = conn.getresponse()
        excerpt = reply.read(2048).decode("utf-8", "replace")
        reply.read(65536)
        if not reply.isclosed():
            conn.close()  # a longer reply is not read to the end; the next request reconnects
    finally:
        if connection is None:
            conn.close()
    return Response(status=reply.status, excerpt=excerpt[:500])
