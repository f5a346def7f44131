"""A timestamp authority speaking RFC 3161 over HTTP: ``python -m cqs.integrations.simulators.tsa``.

It answers ``POST`` bodies of type ``application/timestamp-query`` with an
``application/timestamp-reply`` whose token is signed by a TSA certificate (extended key usage
``timeStamping``, critical) that it issues at start under the CA given by ``--issuer-cert`` and
``--issuer-key`` (PEM files), so a platform trusting that CA trusts its timestamps. It prints
``TSA <url>`` once it listens (``--port 0`` picks a free port) and serves until stopped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

MAX_QUERY_BYTES = 64 * 1024


def tsa_certificate(
    issuer_cert: x509.Certificate, issuer_key: Any, *, name: str = "Máy chủ dấu thời gian thử nghiệm"
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """A fresh key and a one-year TSA certificate for it, issued by ``issuer_cert``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return cert, key


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def stamper_for(issuer_cert: x509.Certificate, issuer_key: Any) -> DummyTimeStamper:
    cert, key = tsa_certificate(issuer_cert, issuer_key)
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return DummyTimeStamper(
        tsa_cert=_asn1(cert),
        tsa_key=asn1_keys.PrivateKeyInfo.load(der_key),
        certs_to_embed=SimpleCertificateStore.from_certs([_asn1(issuer_cert)]),
    )


def handler_for(stamper: DummyTimeStamper) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if self.headers.get_content_type() != "application/timestamp-query":
                return self._reply(415, b"application/timestamp-query expected", "text/plain")
            if not 0 < length <= MAX_QUERY_BYTES:
                return self._reply(413, b"bad length", "text/plain")
            try:
                query = tsp.TimeStampReq.load(self.rfile.read(length))
                query.native  # noqa: B018 (parse it all now: a malformed query is a 400, not a crash later)
            except ValueError:
                return self._reply(400, b"malformed TimeStampReq", "text/plain")
            reply = stamper.request_tsa_response(query)
            return self._reply(200, reply.dump(), "application/timestamp-reply")

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--issuer-cert", required=True, type=Path, help="CA certificate (PEM)")
    parser.add_argument("--issuer-key", required=True, type=Path, help="CA private key (PEM, unencrypted)")
    args = parser.parse_args(argv)
    issuer_cert = x509.load_pem_x509_certificate(args.issuer_cert.read_bytes())
    issuer_key = serialization.load_pem_private_key(args.issuer_key.read_bytes(), password=None)
    server = ThreadingHTTPServer((args.host, args.port), handler_for(stamper_for(issuer_cert, issuer_key)))
    print(f"TSA http://{args.host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
