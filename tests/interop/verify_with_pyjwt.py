#!/usr/bin/env python3
"""Verify tokens issued by another JWT implementation (portcullis) with PyJWT.

Reads one JSON document from stdin, shaped like tests/data/interop/pyjwt.json:
    {"issuer": ..., "audience": ..., "jwks": {"keys": [...]},
     "tokens": [{"alg": ..., "kid": ..., "token": ...}, ...]}
Prints one JSON line per token: {"kid", "alg", "ok": true} or
{"kid", "alg", "ok": false, "error": "..."}.
Exit status: 0 all tokens verified, 1 at least one failed, 2 bad input,
3 PyJWT (or cryptography) is not installed.
"""

import json
import sys

try:
    import jwt
    import cryptography  # noqa: F401  (needed for every non-HMAC algorithm)
except ImportError as e:
    print(f"verify_with_pyjwt: {e}; run: pip install -r tests/interop/requirements.txt", file=sys.stderr)
    sys.exit(3)

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth"}


def load_input(text):
    doc = json.loads(text)
    issuer, audience = doc["issuer"], doc["audience"]
    keys, tokens = doc["jwks"]["keys"], doc["tokens"]
    if not (isinstance(issuer, str) and isinstance(audience, str)):
        raise ValueError("issuer and audience must be strings")
    if not (isinstance(keys, list) and all(isinstance(k, dict) for k in keys)):
        raise ValueError("jwks.keys must be a list of objects")
    if not (isinstance(tokens, list) and tokens):
        raise ValueError("tokens must be a non-empty list")
    for t in tokens:
        if not all(isinstance(t.get(f), str) for f in ("alg", "kid", "token")):
            raise ValueError(f"token entry needs string alg, kid, token: {t!r}")
    return issuer, audience, keys, tokens


def verify(entry, keys, issuer, audience):
    """Raise on any problem; the expected alg comes from the entry, never the header."""
    alg, token = entry["alg"], entry["token"]
    kid = jwt.get_unverified_header(token).get("kid")
    if kid != entry["kid"]:
        raise ValueError(f"header kid {kid!r} != expected kid {entry['kid']!r}")
    matches = [k for k in keys if k.get("kid") == kid]
    if len(matches) != 1:
        raise ValueError(f"JWKS has {len(matches)} keys with kid {kid!r}, expected exactly 1")
    jwk = matches[0]
    if jwk.get("alg", alg) != alg or jwk.get("use", "sig") != "sig":
        raise ValueError(f"JWK alg/use {jwk.get('alg')!r}/{jwk.get('use')!r} unfit for {alg} signatures")
    if jwk.get("kty") != "oct" and PRIVATE_MEMBERS & jwk.keys():
        raise ValueError("public JWKS contains private key members")
    key = jwt.PyJWK(jwk, algorithm=alg)
    jwt.decode(
        token,
        key,
        algorithms=[alg],
        issuer=issuer,
        audience=audience,
        options={"require": ["exp", "iat", "sub"], "enforce_minimum_key_length": True},
    )


def main():
    try:
        issuer, audience, keys, tokens = load_input(sys.stdin.read())
    except (ValueError, KeyError, TypeError) as e:  # JSONDecodeError is a ValueError
        print(f"verify_with_pyjwt: bad input: {type(e).__name__}: {e}", file=sys.stderr)
        return 2

    all_ok = True
    for entry in tokens:
        result = {"kid": entry["kid"], "alg": entry["alg"], "ok": True}
        try:
            verify(entry, keys, issuer, audience)
        except Exception as e:  # report every failure per token, keep going
            result.update(ok=False, error=f"{type(e).__name__}: {e}")
            all_ok = False
        print(json.dumps(result), flush=True)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
