"""A throwaway PKI like Alexa's: a root, an intermediate, and a signing certificate for echo-api.amazon.com."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

ALEXA_DOMAIN = "echo-api.amazon.com"


def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def certificate(
    subject: str,
    subject_key: rsa.RSAPrivateKey,
    issuer: str,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
    san: list[str] | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca, content_commitment=False, key_encipherment=not ca, data_encipherment=False,
                key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    )
    if san is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in san]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def sign(body: bytes, signing_key: rsa.RSAPrivateKey) -> str:
    """The Signature-256 header Alexa would send for this body."""
    return base64.b64encode(signing_key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


@dataclass
class Pki:
    """Everything a verification test needs."""

    root: x509.Certificate
    intermediate: x509.Certificate
    leaf_key: rsa.RSAPrivateKey
    leaf: x509.Certificate
    other_key: rsa.RSAPrivateKey  # a key no certificate vouches for
    intermediate_key: rsa.RSAPrivateKey
    untrusted_root: x509.Certificate
    untrusted_root_key: rsa.RSAPrivateKey

    @property
    def chain(self) -> bytes:
        return pem(self.leaf, self.intermediate)

    @property
    def trust_roots(self) -> list[bytes]:
        return [self.root.public_bytes(serialization.Encoding.DER)]

    def leaf_with(self, **kwargs) -> x509.Certificate:
        """Another signing certificate for the same key, from the same intermediate."""
        options = {"san": [ALEXA_DOMAIN], **kwargs}
        return certificate("Alexa signing", self.leaf_key, "Test Intermediate", self.intermediate_key, ca=False, **options)


def make_pki() -> Pki:
    root_key, intermediate_key, leaf_key, untrusted_key = key(), key(), key(), key()
    root = certificate("Test Root", root_key, "Test Root", root_key, ca=True)
    intermediate = certificate("Test Intermediate", intermediate_key, "Test Root", root_key, ca=True)
    leaf = certificate("Alexa signing", leaf_key, "Test Intermediate", intermediate_key, ca=False, san=[ALEXA_DOMAIN])
    untrusted_root = certificate("Untrusted Root", untrusted_key, "Untrusted Root", untrusted_key, ca=True)
    return Pki(root, intermediate, leaf_key, leaf, key(), intermediate_key, untrusted_root, untrusted_key)
