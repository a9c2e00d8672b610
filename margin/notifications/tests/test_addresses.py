from __future__ import annotations

import socket
from typing import Any

import pytest

from margin.core.errors import Invalid
from margin.notifications.addresses import check_url, post

REFUSED = [
    "http://127.0.0.1/hook",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://017700000001/",
    "http://[::1]/",
    "http://localhost/",
    "http://localhost./",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[::]/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_loopback_and_odd_forms_are_refused(url: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_url(url)
    assert refused.value.field == "url"
    assert "does not send webhooks there" in str(refused.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/", "Only http"),
        ("file:///etc/passwd", "Only http"),
        ("gopher://example.com/", "Only http"),
        ("https://user:pw@example.com/", "user name or password"),
        ("https://user@example.com/", "user name or password"),
        ("http:///nohost", "no host"),
        ("http://example.com:99999/", "not a valid URL"),
        ("http://no-such-host.invalid/", "could not be resolved"),
    ],
)
def test_malformed_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        check_url(url)


def fake_dns(*answers: str) -> Any:
    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers
        ]

    return resolve


def test_a_name_is_refused_if_any_of_its_addresses_is_private() -> None:
    with pytest.raises(Invalid, match=r"10\.0\.0\.5"):
        check_url("https://hooks.example.com/x", resolve=fake_dns("93.184.216.34", "10.0.0.5"))
    target = check_url("https://hooks.example.com/x?a=1", resolve=fake_dns("93.184.216.34"))
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https",
        "hooks.example.com",
        443,
        "/x?a=1",
        "93.184.216.34",
    )
    assert target.host_header == "hooks.example.com"


def test_allow_list_lets_a_named_host_through_and_only_that_spelling() -> None:
    target = check_url("http://127.0.0.1:8080/hook", allowed_hosts=["127.0.0.1"])
    assert target.address == "127.0.0.1" and target.host_header == "127.0.0.1:8080"
    assert check_url("http://LOCALHOST./", allowed_hosts=["localhost"]).host == "localhost"
    with pytest.raises(Invalid):
        check_url("http://2130706433/", allowed_hosts=["127.0.0.1"])
    with pytest.raises(Invalid):
        check_url("http://localhost/", allowed_hosts=["127.0.0.1"])


def test_the_connection_goes_to_the_vetted_address_not_a_fresh_lookup() -> None:
    from margin.notifications.tests.receivers import receiving

    with receiving() as receiver:
        # the name resolves (fake DNS) to the receiver's address when checked; the POST must use that address
        # even though "rebound.example" resolves to nothing real afterwards
        target = check_url(
            f"http://rebound.example:{receiver.port}/hook",
            allowed_hosts=["rebound.example"],
            resolve=fake_dns("127.0.0.1"),
        )
        reply = post(target, b"{}", {}, timeout=5)
    assert reply.status == 200
    assert receiver.requests[0].headers["Host"] == f"rebound.example:{receiver.port}"
