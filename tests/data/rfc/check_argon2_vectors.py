#!/usr/bin/env python3
"""Re-check the published Argon2 vectors in this directory against the C reference.

Requires argon2-cffi (pip install -r tests/interop/requirements.txt), which wraps the
reference C implementation (phc-winner-argon2).

* argon2_rfc9106.json: recomputes each RFC 9106 section 5 tag. Those vectors use a
  secret key and associated data, which argon2-cffi's hash functions do not take, so
  this builds an argon2_context through argon2.low_level.ffi and calls argon2_ctx.
* argon2_reference_c.json: recomputes each raw hash from src/test.c and checks that
  argon2-cffi's PasswordHasher.verify accepts (or, for expect_ok=false, rejects) the
  encoded string. Cases marked "large" (1 GiB or more) are reported and skipped.

Prints one line per vector and exits non-zero if any check fails. Takes a few seconds
(the 256 MiB test.c cases dominate).
"""

import base64
import json
import pathlib
import sys

from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from argon2.low_level import Type, core, error_to_str, ffi, hash_secret_raw, lib

HERE = pathlib.Path(__file__).resolve().parent
TYPES = {"argon2d": Type.D, "argon2i": Type.I, "argon2id": Type.ID}
ONE_GIB_IN_KIB = 1 << 20


def argon2_ctx(variant, version, m, t, p, pwd, salt, secret, ad, tag_len):
    """Raw Argon2 with secret and associated data, via the C library's argon2_ctx."""
    # Keep every cffi buffer referenced until argon2_ctx returns.
    out = ffi.new("uint8_t[]", tag_len)
    bufs = [ffi.new("uint8_t[]", b) for b in (pwd, salt, secret, ad)]
    ctx = ffi.new("argon2_context *", dict(
        out=out, outlen=tag_len,
        pwd=bufs[0], pwdlen=len(pwd), salt=bufs[1], saltlen=len(salt),
        secret=bufs[2], secretlen=len(secret), ad=bufs[3], adlen=len(ad),
        t_cost=t, m_cost=m, lanes=p, threads=p, version=version,
        allocate_cbk=ffi.NULL, free_cbk=ffi.NULL, flags=lib.ARGON2_DEFAULT_FLAGS,
    ))
    rc = core(ctx, TYPES[variant].value)
    if rc != lib.ARGON2_OK:
        raise RuntimeError(f"argon2_ctx failed: {error_to_str(rc)}")
    return bytes(ffi.buffer(out, tag_len))


def check_rfc9106():
    doc = json.loads((HERE / "argon2_rfc9106.json").read_text())
    assert doc["source"] == "RFC 9106 section 5"
    assert {c["variant"] for c in doc["cases"]} == set(TYPES)
    for c in doc["cases"]:
        h = {k: bytes.fromhex(c[k + "_hex"]) for k in ("password", "salt", "secret", "ad", "tag")}
        tag = argon2_ctx(c["variant"], c["version"], c["m"], c["t"], c["p"],
                         h["password"], h["salt"], h["secret"], h["ad"], len(h["tag"]))
        assert tag == h["tag"], f"{c['variant']}: computed {tag.hex()} != published {c['tag_hex']}"
        yield f"RFC 9106 {c['section']} {c['variant']} v{c['version']}: tag {tag.hex()}"


def check_reference_c():
    doc = json.loads((HERE / "argon2_reference_c.json").read_text())
    ph = PasswordHasher()
    for c in doc["cases"]:
        label = (f"test.c {c['variant']} v{c['version']} t={c['t']} m=2^{c['m_log2']} p={c['p']} "
                 f"{c['password']}/{c['salt']}")
        assert c["m"] == 1 << c["m_log2"]
        encoded_hash = c["phc"].rsplit("$", 1)[1]
        assert base64.b64decode(encoded_hash + "=" * (-len(encoded_hash) % 4)).hex() == c["hash_hex"], label
        if c.get("large") or c["m"] >= ONE_GIB_IN_KIB:
            yield f"SKIP {label}: needs {c['m'] >> 10} MiB"
            continue
        try:
            ok = ph.verify(c["phc"], c["password"])
        except VerifyMismatchError:
            ok = False
        assert ok == c["expect_ok"], f"{label}: verify gave {ok}, expected {c['expect_ok']}"
        if c["expect_ok"]:  # the mismatch cases encode another password's hash
            raw = hash_secret_raw(c["password"].encode(), c["salt"].encode(), c["t"], c["m"], c["p"],
                                  len(c["hash_hex"]) // 2, TYPES[c["variant"]], c["version"])
            assert raw.hex() == c["hash_hex"], f"{label}: computed {raw.hex()}"
        yield f"{label}: {'verifies and recomputes' if c['expect_ok'] else 'rejected as expected'}"


def main():
    failures = 0
    for check in (check_rfc9106, check_reference_c):
        try:
            for line in check():
                print("OK  " if not line.startswith("SKIP") else "", line, sep="")
        except Exception as exc:  # report, then go on to the next file
            failures += 1
            print(f"FAIL {check.__name__}: {type(exc).__name__}: {exc}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
