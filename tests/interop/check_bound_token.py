"""A certificate-bound token (RFC 8705 §3.1) read by independent implementations:
PyJWT verifies it, and Python's `cryptography` computes the certificate's
SHA-256 thumbprint, which must be the token's `cnf` → `x5t#S256`.

Input (stdin, JSON): {"jwk": {...public JWK...}, "token": "...", "certificate": "<PEM>"}.
Output (stdout, JSON): {"sub": ..., "x5t#S256": <from the token>,
"thumbprint": <base64url of cryptography's SHA-256 fingerprint>}.
Exit 3 when PyJWT or `cryptography` is not installed.
"""
import base64
import json
import sys

try:
    import jwt
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
except ImportError:
    sys.exit(3)

request = json.load(sys.stdin)
jwk = request["jwk"]
key = jwt.PyJWK(jwk, algorithm=jwk["alg"])
claims = jwt.decode(request["token"], key, algorithms=[jwk["alg"]], options={"verify_aud": False})
certificate = x509.load_pem_x509_certificate(request["certificate"].encode("ascii"))
fingerprint = certificate.fingerprint(hashes.SHA256())
json.dump(
    {
        "sub": claims["sub"],
        "x5t#S256": claims["cnf"]["x5t#S256"],
        "thumbprint": base64.urlsafe_b64encode(fingerprint).rstrip(b"=").decode("ascii"),
    },
    sys.stdout,
)
