"""Trusting a VMS by its certificate's SHA-256 fingerprint (self-signed servers are common on site).

Verification stays on by default. A server the user trusted explicitly gets its own SSL context that
accepts exactly the certificate with the stored fingerprint and refuses any other, before a single
byte of the request (and its credentials) is sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl

from vms_desk.core.errors import ConnectionFailed, InputError, TlsError


def normalise_fingerprint(text: str) -> str:
    """AA:BB:... upper-case hex with colons; accepts any separators; refuses what is not SHA-256."""
    digits = "".join(c for c in text if c.isalnum()).upper()
    if len(digits) != 64 or any(c not in "0123456789ABCDEF" for c in digits):
        raise InputError("A certificate fingerprint must be a SHA-256: 64 hexadecimal digits.")
    return ":".join(digits[i : i + 2] for i in range(0, 64, 2))


def fingerprint_of(der: bytes) -> str:
    """The SHA-256 fingerprint of a DER certificate, as AA:BB:..."""
    return normalise_fingerprint(hashlib.sha256(der).hexdigest())


class PinMismatch(ssl.SSLCertVerificationError):
    """The server presented a certificate other than the one the user trusted."""


def pinned_context(fingerprint: str) -> ssl.SSLContext:
    """An SSL context that accepts only the certificate with this SHA-256 fingerprint."""
    expected = normalise_fingerprint(fingerprint)
    context = ssl.create_default_context()
    # The chain cannot be checked for a self-signed server; the exact certificate is checked instead.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    class PinnedSSLObject(ssl.SSLObject):
        def do_handshake(self) -> None:
            super().do_handshake()
            der = self.getpeercert(binary_form=True)
            got = fingerprint_of(der) if der else "none"
            if got != expected:
                raise PinMismatch(
                    f"The certificate of {self.server_hostname} has changed since it was trusted "
                    f"(trusted SHA-256 {expected}, now {got}). Someone may be intercepting the connection: "
                    "do not continue unless the administrator confirms the server's certificate was replaced."
                )

    context.sslobject_class = PinnedSSLObject
    return context


def pin_error(exc: BaseException) -> TlsError | None:
    """The TlsError for a PinMismatch anywhere in an exception's cause chain, else None."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, PinMismatch):
            return TlsError(str(seen), detail="certificate fingerprint mismatch")
        seen = seen.__cause__ or seen.__context__
    return None


async def probe_fingerprint(host: str, port: int, seconds: float = 5.0) -> str:
    """Connect once without trusting anything and return the server's certificate fingerprint.

    Shown to the user on first contact so they can compare it with what the administrator says.
    """
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=context, server_hostname=host), seconds
        )
    except (OSError, TimeoutError) as exc:
        raise ConnectionFailed(
            f"Cannot reach {host}:{port} to read its certificate: check the address.", detail=repr(exc)
        ) from exc
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        if not der:
            raise TlsError(f"{host}:{port} presented no certificate.")
        return fingerprint_of(der)
    finally:
        writer.close()
