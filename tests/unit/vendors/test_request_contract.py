"""The one contract over every `vendors.request.Request` subclass in vms_desk.vendors.

Each request class must build from `example()`, and its `decode` must turn a bad body into a typed
VmsDeskError (a ProtocolError, an AuthFailed...), never a bare ValueError, KeyError or ValidationError
that would reach the user as a crash. Classes with `reads_body = False` ignore the body: for them only
"no untyped error" is asked. A vendor converted to the request style is covered without editing this file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import httpx
import pytest

import vms_desk.vendors
from vms_desk.core.errors import VmsDeskError
from vms_desk.vendors.request import Reply, Request

# Bodies a broken, hostile or misconfigured server (or a proxy in between) sends with a 200.
GARBAGE = b"\x00\xff\xfe not a vendor reply \x01"
HTML = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
BAD_BODIES = (
    GARBAGE,
    HTML,
    b"",
    b"null",
    b"[1, 2",
    b"[]",
    b'{"unexpected": true}',
    b'{"state": "x", "progress": "y", "files": 3, "cameras": 1, "intervals": "x"}',
    b'{"ArchiveTaskId": [], "State": {}, "Percents": "many"}',
    "ünïcödé ☃ text".encode(),
)


def _all_request_classes() -> list[type[Request[object]]]:
    for module in pkgutil.walk_packages(vms_desk.vendors.__path__, "vms_desk.vendors."):
        importlib.import_module(module.name)
    found: list[type[Request[object]]] = []
    pending: list[type[Request[object]]] = list(Request.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        in_vendors = cls.__module__.startswith("vms_desk.vendors.")  # not requests made up by tests
        if in_vendors and not inspect.isabstract(cls) and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


CLASSES = _all_request_classes()


def test_the_vendors_use_the_request_style() -> None:
    """All five vendors are converted; a request class added later is covered here by itself."""
    modules = {cls.__module__ for cls in CLASSES}
    assert {
        "vms_desk.vendors.axxon_one.requests",
        "vms_desk.vendors.axxon_psim.requests",
        "vms_desk.vendors.vdg_sense.requests",
        "vms_desk.vendors.vdg_sense.login",
        "vms_desk.vendors.exacq.requests",
        "vms_desk.vendors.axis.requests",
    } <= modules
    assert len(CLASSES) >= 35


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__.split('.')[2]}.{c.__name__}")
def test_decode_turns_a_bad_body_into_a_typed_error(cls: type[Request[object]]) -> None:
    request = cls.example()
    assert isinstance(request, cls)
    assert request.method in {"GET", "POST", "PUT", "DELETE"}
    assert isinstance(request.path, str)
    typed: dict[bytes, VmsDeskError] = {}
    for body in BAD_BODIES:
        reply = Reply(200, body, httpx.Headers({}), request.method, f"http://vms.example/{request.path}")
        try:
            request.decode(reply)
        except VmsDeskError as exc:
            typed[body] = exc
        except Exception as exc:  # the contract: never an untyped error
            pytest.fail(f"{cls.__name__}.decode raised {type(exc).__name__} for {body!r}: {exc}")
    assert all(str(error) for error in typed.values()), f"{cls.__name__}: an error without a sentence"
    if cls.reads_body:
        assert GARBAGE in typed, f"{cls.__name__}.decode accepted binary garbage as a reply"
        assert HTML in typed, f"{cls.__name__}.decode accepted an HTML error page as a reply"
