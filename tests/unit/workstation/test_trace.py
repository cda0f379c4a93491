"""The trace's redaction: secrets by name in headers, queries, forms, JSON and XML, then by value."""

from __future__ import annotations

import base64
import json

import httpx

from vms_desk.workstation.trace import REDACTED, Redactor

PASSWORD = "hunter2-pw"


def test_headers_keep_the_scheme_and_the_challenge_but_not_the_secret() -> None:
    r = Redactor()
    basic = base64.b64encode(f"demo:{PASSWORD}".encode()).decode()
    assert r.header("Authorization", f"Basic {basic}") == f"Basic {REDACTED}"
    assert PASSWORD in r.known  # the password inside Basic is scrubbed anywhere else too
    assert r.header("Authorization", "Bearer eyJabc.def") == f"Bearer {REDACTED}"
    assert r.header("Cookie", "JSESSIONID=abcd1234; theme=dark") == f"JSESSIONID={REDACTED}; theme={REDACTED}"
    assert r.header("Set-Cookie", "sid=zz99zz; Path=/; HttpOnly") == f"sid={REDACTED}; Path=/; HttpOnly"
    assert r.header("X-Auth-Token", "t0k3n-value") == REDACTED
    challenge = 'Digest realm="AXIS", nonce="abc", algorithm=SHA-256'
    assert r.header("WWW-Authenticate", challenge) == challenge
    assert r.header("Content-Type", "application/json") == "application/json"


def test_queries_forms_json_and_xml_lose_their_secrets() -> None:
    r = Redactor()
    url = r.url(httpx.URL(f"http://h/v1/login.web?u=demo&p={PASSWORD}&s=77123&password={PASSWORD}&x=1"))
    assert url == "http://h/v1/login.web?u=demo&p=%5Bredacted%5D&s=%5Bredacted%5D&password=%5Bredacted%5D&x=1"
    form = r.text(f"u=demo&p={PASSWORD}", "application/x-www-form-urlencoded")
    assert form == "u=demo&p=%5Bredacted%5D"
    reply = json.loads(r.text('{"success": true, "sessionId": 98765, "access_token": "tok-1", "n": 2}', ""))
    assert reply == {"success": True, "sessionId": 0, "access_token": REDACTED, "n": 2}
    xml = r.text(
        '<Login><User>demo</User><Password>pw-x1</Password><Nonce a="1">n0nce</Nonce></Login>', "text/xml"
    )
    assert (
        xml
        == f'<Login><User>demo</User><Password>{REDACTED}</Password><Nonce a="1">{REDACTED}</Nonce></Login>'
    )
    text = r.text("reply: ok token=abcd9999 next", "text/plain")
    assert text == f"reply: ok token={REDACTED} next"


def test_a_secret_seen_once_is_scrubbed_wherever_it_appears_again() -> None:
    r = Redactor()
    r.text('{"sessionId": "S3SS10N-42"}', "application/json")
    r.remember(PASSWORD)
    echoed = {"url": "http://h/session/S3SS10N-42/export", "body": f"bad password {PASSWORD}", "n": 1}
    assert r.scrub(echoed) == {
        "url": f"http://h/session/{REDACTED}/export",
        "body": f"bad password {REDACTED}",
        "n": 1,
    }
