#!/usr/bin/env python3
"""Write tests/data/interop/pyjwt.json: fresh keys, a public JWKS and one
PyJWT-issued token per algorithm, for portcullis' interop tests.

Run once by a developer; the output is committed:
    pip install -r tests/interop/requirements.txt
    python3 tests/interop/make_pyjwt_fixtures.py
"""

import json
import secrets
from pathlib import Path

import cryptography
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms

OUT = Path(__file__).resolve().parents[1] / "data" / "interop" / "pyjwt.json"
ISSUER = "https://issuer.example"
AUDIENCE = "portcullis-tests"
CLAIMS = {
    "iss": ISSUER,
    "aud": AUDIENCE,
    "sub": "user-123",
    "iat": 1767225600,  # 2026-01-01T00:00:00Z
    "nbf": 1767225600,
    "exp": 4102444800,  # 2100-01-01T00:00:00Z
    "scope": "orders.read orders.write",
    "roles": ["viewer", "clerk"],
    "tenant": "acme",
}


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# alg -> fresh signing key (HMAC: raw secret bytes of at least the hash size)
KEYGEN = {
    "HS256": lambda: secrets.token_bytes(32),
    "HS384": lambda: secrets.token_bytes(48),
    "HS512": lambda: secrets.token_bytes(64),
    "RS256": rsa_key,
    "PS256": rsa_key,
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "ES384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate,
}


def public_jwk(alg, kid, key):
    """Public JWK via PyJWT's own to_jwk (for HMAC the secret itself)."""
    public = key if isinstance(key, bytes) else key.public_key()
    material = get_default_algorithms()[alg].to_jwk(public, as_dict=True)
    material.pop("key_ops", None)  # we publish "use": "sig" instead (RFC 7517 4.3)
    return {"kty": material.pop("kty"), "kid": kid, "use": "sig", "alg": alg, **material}


def main():
    keys, tokens = [], []
    for alg, generate in KEYGEN.items():
        kid = f"pyjwt-{alg.lower()}"
        key = generate()
        keys.append(public_jwk(alg, kid, key))
        claims = {**CLAIMS, "jti": f"jti-{kid}"}
        token = jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})
        tokens.append({"alg": alg, "kid": kid, "token": token})

    doc = {
        "generator": f"PyJWT {jwt.__version__} / cryptography {cryptography.__version__}",
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "jwks": {"keys": keys},
        "tokens": tokens,
        "claims": CLAIMS,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {OUT} ({len(tokens)} tokens)")


if __name__ == "__main__":
    main()
