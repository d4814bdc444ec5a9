"""API keys (DESIGN.md, "API keys") checked by an independent implementation on
Python's standard library: zlib's CRC-32 and hmac/hashlib's HMAC-SHA-256.

Input (stdin, JSON): {"pepper_hex", "keys": [{"key", "hash"}], "typos": [...]}
where `hash` is the base64url keyed hash the store holds (or null: the shape only). Checks every key's shape
and checksum, that each typo fails, and that each hash is HMAC-SHA-256(pepper, key).
Output (stdout, JSON): {"made": [...]}: keys made here, for the Rust side to check.
Exit 0 when every check passed, 1 otherwise (the failures on stderr).
"""
import base64
import hashlib
import hmac
import json
import re
import secrets
import sys
import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SHAPE = re.compile(r"^([a-z][a-z0-9]{1,15})_([0-9A-Za-z]{30})([0-9A-Za-z]{6})$")


def checksum(body: str) -> str:
    value = zlib.crc32(body.encode("ascii")) & 0xFFFFFFFF
    digits = ""
    for _ in range(6):
        digits = BASE62[value % 62] + digits
        value //= 62
    return digits


def well_formed(key: str) -> bool:
    match = SHAPE.match(key)
    return bool(match) and checksum(key[:-6]) == match.group(3)


def make(prefix: str) -> str:
    body = prefix + "_" + "".join(secrets.choice(BASE62) for _ in range(30))
    return body + checksum(body)


def main() -> int:
    request = json.load(sys.stdin)
    pepper = bytes.fromhex(request["pepper_hex"])
    failures = []
    for entry in request["keys"]:
        key = entry["key"]
        if not well_formed(key):
            failures.append(f"not well formed: {key[:8]}…")
        if entry.get("hash") is None:
            continue
        expected = base64.urlsafe_b64encode(hmac.new(pepper, key.encode(), hashlib.sha256).digest()).rstrip(b"=")
        if expected.decode() != entry["hash"]:
            failures.append(f"keyed hash differs for {key[:8]}…")
    for typo in request["typos"]:
        if well_formed(typo):
            failures.append(f"a typo checks: {typo[:8]}…")
    for failure in failures:
        print(failure, file=sys.stderr)
    json.dump({"made": [make(p) for p in ("pk", "orders", "a1", "sixteencharsxyz0")]}, sys.stdout)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
