from __future__ import annotations

from margin.notifications.signing import new_secret, signature, signature_header, signed_headers, verify

SECRET = "whsec-test"
BODY = b'{"id":1,"kind":"risk.raised"}'


def test_known_vector() -> None:
    # printf '1700000000.{"id":1,"kind":"risk.raised"}' | openssl dgst -sha256 -hmac whsec-test
    expected = "c73987c66eb3d5ca596044d1d42e64c0f111d3941055a10e4b40804a8b8c0dbb"
    assert signature(SECRET, BODY, 1700000000) == expected
    assert signature_header(SECRET, BODY, 1700000000) == f"t=1700000000,v1={expected}"


def test_verify_accepts_fresh_and_refuses_tampering_age_and_junk() -> None:
    header = signature_header(SECRET, BODY, 1700000000)
    assert verify(SECRET, header, BODY, now=1700000100)
    assert not verify(SECRET, header, BODY + b" ", now=1700000100)
    assert not verify("other", header, BODY, now=1700000100)
    assert not verify(SECRET, header, BODY, now=1700000000 + 301)
    assert verify(SECRET, header, BODY, now=1700000000 + 300)
    assert not verify(SECRET, "", BODY, now=1700000000)
    assert not verify(SECRET, "t=abc,v1=00", BODY, now=1700000000)
    assert not verify(SECRET, "v1=" + signature(SECRET, BODY, 1700000000), BODY, now=1700000000)


def test_signed_headers_and_secrets() -> None:
    headers = signed_headers(secret=SECRET, body=BODY, event_id=7, delivery_id=9, now=1700000000)
    assert headers["Margin-Event"] == "7" and headers["Margin-Delivery"] == "9"
    assert verify(SECRET, headers["Margin-Signature"], BODY, now=1700000010)
    first, second = new_secret(), new_secret()
    assert len(first) == 64 and int(first, 16) >= 0 and first != second
