"""tui.xmpp.account.tls_policy.certificate_reason: each verification failure has a
line of its own (the ones a real server produces are in tests/hostile/test_tls.py)."""

from __future__ import annotations

import ssl

from tui.xmpp.account.tls_policy import certificate_reason


def verify_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] {message}")
    error.verify_code, error.verify_message = code, message
    return error


def test_every_kind_of_refused_certificate_reads_differently() -> None:
    cases = {
        (9, "certificate is not yet valid"):
            "certificate of example.org is not valid yet (is this machine's clock right?); not retrying",
        (10, "certificate has expired"): "certificate of example.org has expired; not retrying",
        (62, "Hostname mismatch, certificate is not valid for 'example.org'."):
            "certificate presented for example.org names another host (host name mismatch); not retrying",
        (18, "self-signed certificate"):
            "certificate of example.org not trusted (self-signed); not retrying — "
            "set ca_file if you trust this server",
        (20, "unable to get local issuer certificate"):
            "certificate of example.org not trusted (unknown issuer); not retrying — "
            "set ca_file if you trust this server",
        (23, "certificate revoked\x1b[2J"):
            "certificate of example.org not trusted (certificate revoked\u241b[2J); not retrying — "
            "set ca_file if you trust this server",
    }
    for (code, message), expected in cases.items():
        assert certificate_reason(verify_error(code, message), "example.org") == expected
    assert len(set(cases.values())) == len(cases)


def test_a_tls_failure_that_is_not_about_the_certificate_says_so() -> None:
    error = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    error.reason = "WRONG_VERSION_NUMBER"
    assert certificate_reason(error, "example.org") == \
        "TLS with example.org failed (WRONG_VERSION_NUMBER); not retrying"


def test_the_tls_context_requires_a_verified_certificate_and_adds_the_ca_file(tmp_path) -> None:
    from tests.harness.certs import make_ca
    from tui.xmpp.account.tls_policy import tls_context

    plain = tls_context()
    assert plain.verify_mode is ssl.CERT_REQUIRED and plain.check_hostname
    ca = make_ca(tmp_path)
    with_ca = tls_context(ca.cert_file)
    assert with_ca.verify_mode is ssl.CERT_REQUIRED and with_ca.check_hostname
    def subjects(context: ssl.SSLContext) -> str:
        return repr([cert.get("subject") for cert in context.get_ca_certs()])

    assert "Parlons test CA" in subjects(with_ca)
    assert "Parlons test CA" not in subjects(plain)
