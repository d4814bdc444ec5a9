#!/usr/bin/env python3
"""Generate tests/data/interop/argon2.json: Argon2 PHC strings made by the C reference.

argon2-cffi wraps the reference C implementation (phc-winner-argon2, bundled in
argon2-cffi-bindings), so these hashes come from code independent of portcullis.
Salts are derived from each case's name, so a rerun reproduces the file byte for byte.

Each case: {"name", "password_hex", "password_utf8", "phc", "variant", "version",
"m", "t", "p", "salt_hex", "hash_len", "expect_ok"[, "note"]}. password_hex is the
password to TEST against phc; for expect_ok=false cases phc was made from another one.

Run from the repository root (takes well under 10 s):
    pip install -r tests/interop/requirements.txt && python3 tests/interop/make_argon2_fixtures.py
"""

import hashlib
import json
import platform
import sys
import time
import unicodedata
from importlib.metadata import version as pkg_version
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from argon2.low_level import Type, hash_secret

OUT = Path(__file__).resolve().parents[1] / "data" / "interop" / "argon2.json"
TYPES = {"argon2id": Type.ID, "argon2i": Type.I, "argon2d": Type.D}

CAFE_NFC = "caf\u00e9"  # c a f U+00E9 (precomposed e-acute)
CAFE_NFD = "cafe\u0301"  # c a f e U+0301 (combining acute accent)
assert unicodedata.normalize("NFC", CAFE_NFD) == CAFE_NFC and CAFE_NFC != CAFE_NFD
LONG_ASCII = "".join(chr(0x21 + i % 94) for i in range(1000))  # printable ASCII, no spaces
# 1,000 code points, none of them ASCII. Escapes, not literals, so the source's own encoding can't matter.
NON_ASCII_ALPHABET = "\u00e9\u07f7\u6f22\u0436\u20ac\U0001f980\u00fc"  # é ߷ 漢 ж € 🦀 ü (2-4 UTF-8 bytes each)
LONG_NON_ASCII = "".join(NON_ASCII_ALPHABET[i % len(NON_ASCII_ALPHABET)] for i in range(1000))
EMOJI = "\U0001f469\u200d\U0001f4bb\U0001f980\U0001f511"  # woman-technologist (ZWJ sequence), crab, key
SPACE_TAB = "correct horse\tbattery staple"


def salt_for(name, n):
    # Deterministic but distinct per case; n <= 32.
    return hashlib.sha256(b"portcullis argon2 fixture salt:" + name.encode()).digest()[:n]


def make(name, pw, variant="argon2id", version=19, m=64, t=1, p=1, salt_len=16, hash_len=32, note=None):
    phc = hash_secret(pw.encode(), salt_for(name, salt_len), t, m, p, hash_len, TYPES[variant], version).decode()
    case = dict(name=name, password_hex=pw.encode().hex(), password_utf8=pw, phc=phc, variant=variant,
                version=version, m=m, t=t, p=p, salt_hex=salt_for(name, salt_len).hex(), hash_len=hash_len,
                expect_ok=True)
    if note:
        case["note"] = note
    return case


def wrong(name, base, tested_pw, note, **edits):
    """A case whose PHC (from `base`) must NOT verify `tested_pw`. `edits` replace fields
    of the base case, e.g. an edited phc plus the variant/version it now claims."""
    return dict(base, name=name, password_hex=tested_pw.encode().hex(), password_utf8=tested_pw,
                expect_ok=False, note=note, **edits)


def build_cases():
    cases = []
    # Every variant x both versions, smallest sensible cost.
    for variant in TYPES:
        for ver in (16, 19):
            cases.append(make(f"{variant}_v{ver}_m64_t1_p1", "password", variant, ver))
    cases += [
        make("argon2id_v19_owasp_m19456_t2_p1", "password", m=19456, t=2, p=1, note="OWASP default parameters"),
        make("argon2id_v19_m256_t3_p4", "password", m=256, t=3, p=4),
        make("argon2i_v16_m256_t3_p4", "password", "argon2i", 16, m=256, t=3, p=4),
        make("argon2d_v19_m256_t3_p4", "password", "argon2d", 19, m=256, t=3, p=4),
        make("argon2id_v19_hashlen16", "password", hash_len=16),
        make("argon2id_v19_hashlen64", "password", hash_len=64),
        make("argon2id_v19_salt8", "password", salt_len=8, note="8-byte salt, the minimum the C library accepts"),
        make("argon2id_v19_salt32", "password", salt_len=32),
        make("argon2id_v19_empty_password", ""),
        make("argon2id_v19_long_ascii_1000", LONG_ASCII, note="1000 printable ASCII characters"),
        make("argon2id_v19_long_non_ascii_1000", LONG_NON_ASCII,
             note=f"1000 non-ASCII code points, {len(LONG_NON_ASCII.encode())} UTF-8 bytes"),
        make("argon2id_v19_cafe_nfc", CAFE_NFC, note="NFC: U+0063 U+0061 U+0066 U+00E9"),
        make("argon2id_v19_cafe_nfd", CAFE_NFD, note="NFD: U+0063 U+0061 U+0066 U+0065 U+0301"),
        make("argon2id_v19_emoji", EMOJI, note="U+1F469 U+200D U+1F4BB U+1F980 U+1F511 (includes a ZWJ)"),
        make("argon2id_v19_space_and_tab", SPACE_TAB, note="contains U+0020 and U+0009"),
        make("argon2d_v16_salt32_hashlen64_long_non_ascii", LONG_NON_ASCII, "argon2d", 16, salt_len=32, hash_len=64),
    ]
    by = {c["name"]: c for c in cases}

    # Legacy encoding: early reference releases wrote v=0x10 hashes without "$v=..$".
    # The C decoder reads a missing version as 0x10, so this must still verify.
    v16 = by["argon2i_v16_m64_t1_p1"]
    assert "$v=16$" in v16["phc"]  # the current C library always writes the version
    cases.append(dict(v16, name="argon2i_v16_no_version_field", phc=v16["phc"].replace("$v=16$", "$"),
                      note="v=16 PHC with the version field removed (legacy form); missing version means 0x10"))

    cases += [
        wrong("wrong_nfc_hash_nfd_password", by["argon2id_v19_cafe_nfc"], CAFE_NFD,
              "hash of NFC cafe, tested with NFD cafe: no Unicode normalisation may happen"),
        wrong("wrong_nfd_hash_nfc_password", by["argon2id_v19_cafe_nfd"], CAFE_NFC,
              "hash of NFD cafe, tested with NFC cafe"),
        wrong("wrong_case", by["argon2id_v19_m64_t1_p1"], "Password", "hash of 'password', tested with 'Password'"),
        wrong("wrong_trailing_space", by["argon2id_v19_m64_t1_p1"], "password ",
              "hash of 'password', tested with 'password ' (no trimming)"),
        wrong("wrong_empty_vs_nul", by["argon2id_v19_empty_password"], "\x00",
              "hash of the empty password, tested with a single NUL byte"),
        wrong("wrong_tab_as_space", by["argon2id_v19_space_and_tab"], SPACE_TAB.replace("\t", " "),
              "hash of a password with a tab, tested with the tab replaced by a space"),
        wrong("wrong_version_field_edited", v16, "password",
              "v=16 hash relabelled v=19: the version must be honoured, not ignored",
              phc=v16["phc"].replace("$v=16$", "$v=19$"), version=19),
        wrong("wrong_variant_field_edited", by["argon2id_v19_m64_t1_p1"], "password",
              "argon2id hash relabelled argon2i: the variant must be honoured",
              phc=by["argon2id_v19_m64_t1_p1"]["phc"].replace("$argon2id$", "$argon2i$", 1), variant="argon2i"),
    ]
    return cases


def check(cases):
    """Self-check: every case verifies (or fails) with argon2-cffi as expected."""
    ph = PasswordHasher()
    for c in cases:
        try:
            ok = ph.verify(c["phc"], bytes.fromhex(c["password_hex"]))
        except VerifyMismatchError:
            ok = False
        assert ok == c["expect_ok"], c["name"]
        assert c["password_utf8"] is None or c["password_utf8"].encode().hex() == c["password_hex"]


def main():
    start = time.perf_counter()
    cases = build_cases()
    check(cases)
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names))
    doc = {
        "generator": (f"tests/interop/make_argon2_fixtures.py with argon2-cffi {pkg_version('argon2-cffi')}, "
                      f"argon2-cffi-bindings {pkg_version('argon2-cffi-bindings')} (bundled phc-winner-argon2 C "
                      f"reference), Python {platform.python_version()}"),
        "cases": cases,
    }
    # ensure_ascii keeps every non-ASCII code point as a \u escape, so no editor or tool can
    # silently re-normalise the NFC/NFD cases.
    OUT.write_text(json.dumps(doc, indent=2, ensure_ascii=True) + "\n")
    print(f"wrote {len(cases)} cases to {OUT} in {time.perf_counter() - start:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
