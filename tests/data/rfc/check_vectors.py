#!/usr/bin/env python3
"""Re-verify the published RFC test vectors in this directory.

Requires the `cryptography` package (pip install cryptography).

For every *.json vector file this checks that:
  * the token has three canonical unpadded base64url parts (a changed
    trailing bit is caught even where a lenient decoder would drop it), and
    the decoded header and payload
    are byte-for-byte equal to "protected_header" and "payload";
  * the header's "alg" equals the file's "alg";
  * "public_jwk" is "jwk" without its private members;
  * the signature verifies with the public key (HS256: HMAC-SHA256 with k;
    RS256: RSASSA-PKCS1-v1_5 SHA-256; ES256: ECDSA P-256 SHA-256, the raw
    R||S signature converted to DER; EdDSA: Ed25519);
  * the private members are consistent with the public key and, where the
    algorithm is deterministic (HS256, RS256, EdDSA), re-signing the signing
    input with the private key gives exactly the published signature.

Prints one line per file and exits non-zero if any check fails.
"""

import base64
import hashlib
import hmac
import json
import pathlib
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def b64d(s):
    """Strict unpadded base64url decode: the text must be the canonical
    encoding of the result (no padding, no stray bits in the last character)."""
    if "=" in s or "+" in s or "/" in s or len(s) % 4 == 1:
        raise ValueError("not unpadded base64url: %r" % s)
    raw = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != s:
        raise ValueError("non-canonical base64url: %r" % s)
    return raw


def b64int(s):
    return int.from_bytes(b64d(s), "big")


def check_hs256(jwk, public_jwk, signing_input, sig):
    assert jwk["kty"] == "oct"
    assert public_jwk == jwk, "for an oct key public_jwk must equal jwk"
    key = b64d(jwk["k"])
    mac = hmac.new(key, signing_input, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, sig):
        raise InvalidSignature("HMAC-SHA256 mismatch")
    return "HMAC-SHA256 verified (%d-byte key)" % len(key)


def check_rs256(jwk, public_jwk, signing_input, sig):
    assert jwk["kty"] == "RSA"
    n, e = b64int(public_jwk["n"]), b64int(public_jwk["e"])
    pub = rsa.RSAPublicNumbers(e, n).public_key()
    pub.verify(sig, signing_input, padding.PKCS1v15(), hashes.SHA256())
    # Private members: consistency and deterministic re-signing.
    d, p, q = b64int(jwk["d"]), b64int(jwk["p"]), b64int(jwk["q"])
    dp, dq, qi = b64int(jwk["dp"]), b64int(jwk["dq"]), b64int(jwk["qi"])
    assert p * q == n, "p*q != n"
    assert (d * e) % ((p - 1) * (q - 1) // _gcd(p - 1, q - 1)) == 1, "d is not e^-1"
    assert dp == d % (p - 1) and dq == d % (q - 1), "dp/dq inconsistent"
    assert (qi * q) % p == 1, "qi inconsistent"
    priv = rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, rsa.RSAPublicNumbers(e, n)).private_key()
    resigned = priv.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    assert resigned == sig, "re-signing with d does not reproduce the signature"
    return "RSASSA-PKCS1-v1_5 SHA-256 verified (%d-bit n), private key re-signs identically" % n.bit_length()


def check_es256(jwk, public_jwk, signing_input, sig):
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256"
    if len(sig) != 64:
        raise InvalidSignature("ES256 signature must be 64 bytes, got %d" % len(sig))
    x, y = b64int(public_jwk["x"]), b64int(public_jwk["y"])
    pub = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    pub.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
    derived = ec.derive_private_key(b64int(jwk["d"]), ec.SECP256R1()).public_key().public_numbers()
    assert (derived.x, derived.y) == (x, y), "d does not derive (x, y)"
    return "ECDSA P-256 SHA-256 verified (R||S -> DER), d derives (x, y)"


def check_eddsa(jwk, public_jwk, signing_input, sig):
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    x = b64d(public_jwk["x"])
    pub = ed25519.Ed25519PublicKey.from_public_bytes(x)
    pub.verify(sig, signing_input)
    priv = ed25519.Ed25519PrivateKey.from_private_bytes(b64d(jwk["d"]))
    assert priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == x, "d does not derive x"
    assert priv.sign(signing_input) == sig, "re-signing with d does not reproduce the signature"
    return "Ed25519 verified, d derives x and re-signs identically"


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


CHECKS = {"HS256": check_hs256, "RS256": check_rs256, "ES256": check_es256, "EdDSA": check_eddsa}


def check_file(path):
    v = json.loads(path.read_text(encoding="utf-8"))
    expected_keys = {"source", "alg", "jwk", "public_jwk", "token", "protected_header", "payload"}
    assert set(v) == expected_keys, "unexpected top-level keys: %s" % sorted(set(v) ^ expected_keys)
    token = v["token"]
    assert token == token.strip() and "\n" not in token and " " not in token, "token has whitespace"
    parts = token.split(".")
    assert len(parts) == 3, "token must have three parts"
    header_b, payload_b, sig = b64d(parts[0]), b64d(parts[1]), b64d(parts[2])
    assert header_b == v["protected_header"].encode("utf-8"), "decoded header != protected_header"
    assert payload_b == v["payload"].encode("utf-8"), "decoded payload != payload"
    assert json.loads(header_b)["alg"] == v["alg"], "header alg != alg"
    if v["jwk"]["kty"] != "oct":
        expected_public = {k: val for k, val in v["jwk"].items() if k not in PRIVATE_MEMBERS}
        assert v["public_jwk"] == expected_public, "public_jwk != jwk minus private members"
        assert not PRIVATE_MEMBERS & set(v["public_jwk"]), "public_jwk has private members"
    signing_input = (parts[0] + "." + parts[1]).encode("ascii")
    return CHECKS[v["alg"]](v["jwk"], v["public_jwk"], signing_input, sig), v["source"]


def main():
    here = pathlib.Path(__file__).resolve().parent
    files = sorted(here.glob("rfc*.json"))
    if not files:
        print("no vector files found in %s" % here)
        return 1
    failures = 0
    for path in files:
        try:
            detail, source = check_file(path)
            print("OK   %s [%s]: %s" % (path.name, source, detail))
        except Exception as exc:  # report every file, then fail
            failures += 1
            print("FAIL %s: %s: %s" % (path.name, type(exc).__name__, exc))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
