#!/usr/bin/env python3
"""Verify Argon2 PHC strings made by another implementation (portcullis) with argon2-cffi.

argon2-cffi calls the reference C implementation (phc-winner-argon2), so this is an
independent check of portcullis's hashes and of its PHC encoding.

Reads JSON Lines on stdin, one {"phc": "...", "password": "..."} per line (blank lines
are skipped). The password is a JSON string and is hashed as its UTF-8 bytes, exactly as
given: no Unicode normalisation, no trimming.
Prints one JSON line per input line, in order:
    {"ok": true}            the password matches the hash
    {"ok": false}           argon2-cffi raised VerifyMismatchError
    {"error": "ClassName"}  anything else went wrong (bad JSON, bad PHC, ...), named by
                            the exception class so callers can assert on it
Exit status: 0 once all input is read (per-line failures are reported, not fatal),
3 if argon2-cffi is not installed (the caller can skip its test).
"""

import json
import sys

try:
    from argon2 import PasswordHasher
    from argon2.exceptions import VerifyMismatchError
except ImportError as e:
    print(f"verify_with_argon2: {e}; run: pip install -r tests/interop/requirements.txt", file=sys.stderr)
    sys.exit(3)


def verify_line(hasher, line):
    """Return the result object for one input line; never raises."""
    try:
        entry = json.loads(line)
        phc, password = entry["phc"], entry["password"]
        if not (isinstance(phc, str) and isinstance(password, str)):
            raise TypeError("phc and password must be strings")
        # verify() reads the variant from the PHC prefix and everything else (version,
        # m, t, p, salt, hash) from the string itself; the hasher's own parameters
        # only matter for hashing, which this script never does.
        hasher.verify(phc, password)
        return {"ok": True}
    except VerifyMismatchError:
        return {"ok": False}
    except Exception as e:  # report every other failure per line and keep going
        return {"error": type(e).__name__}


def main():
    hasher = PasswordHasher()
    for line in sys.stdin:
        if not line.strip():
            continue
        print(json.dumps(verify_line(hasher, line)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
