"""Client certificates read by an independent implementation: Python's
`cryptography` (OpenSSL's X.509 parser), for comparison with PeerIdentity.

Input (stdin, JSON): {"certificates": ["<PEM>", ...]}.
Output (stdout, JSON): {"read": [{"sha256": hex, "uris": [...], "dns": [...],
"not_before": unix, "not_after": unix, "is_ca": bool}, ...]}.
Exit 3 when `cryptography` is not installed.
"""
import json
import sys

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
except ImportError:
    sys.exit(3)


def read(pem: str) -> dict:
    certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        uris = names.get_values_for_type(x509.UniformResourceIdentifier)
        dns = names.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        uris, dns = [], []
    try:
        is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    return {
        "sha256": certificate.fingerprint(hashes.SHA256()).hex(),
        "uris": uris,
        "dns": dns,
        "not_before": int(certificate.not_valid_before_utc.timestamp()),
        "not_after": int(certificate.not_valid_after_utc.timestamp()),
        "is_ca": is_ca,
    }


request = json.load(sys.stdin)
json.dump({"read": [read(pem) for pem in request["certificates"]]}, sys.stdout)
