#!/usr/bin/env python3
"""An independent implementation of portcullis's "Sealed data, version 1" (DESIGN.md),
on Python's `cryptography` package, checking vectors portcullis made and making some of
its own for portcullis to open.

Input (stdin): {"keyring": <keyring document>, "cases": [{"context": {name: value},
"plaintext_hex": "...", "sealed": "<text form>"}]}.

For every case it opens `sealed` with the key its header names and the case's context
and compares the plaintext; it checks that the same data under another context, and
with its last byte changed, does not open. Then it seals each case's plaintext again
under the document's primary key, with fresh salt and nonce.

Output (stdout): one JSON document {"opened": N, "sealed": [{"context", "plaintext_hex",
"sealed"}]}. Exit codes: 0 every case opened, 1 a case failed (the reason on stderr),
2 malformed input, 3 `cryptography` is not installed.
"""
import base64
import json
import os
import struct
import sys

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
except ImportError as missing:
    print(f"cryptography is not installed: {missing}", file=sys.stderr)
    sys.exit(3)

SUITES = {1: ("aes-256-gcm", AESGCM), 2: ("chacha20-poly1305", ChaCha20Poly1305)}
SUITE_BYTES = {name: byte for byte, (name, _) in SUITES.items()}
HEADER_LEN = 50


def b64decode(text):
    if "=" in text:
        raise ValueError("padding")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode_context(context):
    """Count, then entries sorted bytewise by name: u32 length + UTF-8, big-endian."""
    entries = sorted((name.encode(), value.encode()) for name, value in context.items())
    out = struct.pack(">I", len(entries))
    for name, value in entries:
        out += struct.pack(">I", len(name)) + name + struct.pack(">I", len(value)) + value
    return out


def message_key(key, suite, key_id, salt):
    info = b"portcullis sealed v1" + bytes([suite]) + struct.pack(">I", key_id)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def open_sealed(keys, sealed, context):
    version, suite, key_id = sealed[0], sealed[1], struct.unpack(">I", sealed[2:6])[0]
    if version != 1:
        raise ValueError(f"version {version}")
    name, aead = SUITES[suite]
    key = keys[key_id]
    if key["suite"] != name:
        raise ValueError("suite does not match the key")
    salt, nonce = sealed[6:38], sealed[38:50]
    cipher = aead(message_key(key["material"], suite, key_id, salt))
    return cipher.decrypt(nonce, sealed[HEADER_LEN:], sealed[:HEADER_LEN] + encode_context(context))


def seal(key_id, key, plaintext, context):
    suite = SUITE_BYTES[key["suite"]]
    salt, nonce = os.urandom(32), os.urandom(12)
    header = bytes([1, suite]) + struct.pack(">I", key_id) + salt + nonce
    cipher = SUITES[suite][1](message_key(key["material"], suite, key_id, salt))
    return header + cipher.encrypt(nonce, plaintext, header + encode_context(context))


def main():
    try:
        doc = json.load(sys.stdin)
        keyring = doc["keyring"]
        keys = {
            entry["id"]: {"suite": entry["suite"], "material": b64decode(entry["key"])}
            for entry in keyring["keys"]
        }
        cases = doc["cases"]
    except (ValueError, KeyError, TypeError) as err:
        print(f"malformed input: {err}", file=sys.stderr)
        return 2
    if any(len(key["material"]) != 32 for key in keys.values()):
        print("malformed input: a key is not 32 bytes", file=sys.stderr)
        return 2
    opened = 0
    for number, case in enumerate(cases):
        sealed = b64decode(case["sealed"])
        expected = bytes.fromhex(case["plaintext_hex"])
        try:
            plaintext = open_sealed(keys, sealed, case["context"])
        except (InvalidTag, ValueError, KeyError) as err:
            print(f"case {number}: did not open: {err!r}", file=sys.stderr)
            return 1
        if plaintext != expected:
            print(f"case {number}: opened to other bytes", file=sys.stderr)
            return 1
        for other in ({**case["context"], "extra": "x"}, {}):
            if other == case["context"]:
                continue
            try:
                open_sealed(keys, sealed, other)
                print(f"case {number}: opened under another context", file=sys.stderr)
                return 1
            except InvalidTag:
                pass
        changed = sealed[:-1] + bytes([sealed[-1] ^ 1])
        try:
            open_sealed(keys, changed, case["context"])
            print(f"case {number}: opened after a change", file=sys.stderr)
            return 1
        except InvalidTag:
            pass
        opened += 1
    primary = keyring["primary"]
    ours = [
        {
            "context": case["context"],
            "plaintext_hex": case["plaintext_hex"],
            "sealed": b64encode(seal(primary, keys[primary], bytes.fromhex(case["plaintext_hex"]), case["context"])),
        }
        for case in cases
    ]
    json.dump({"opened": opened, "sealed": ours}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
