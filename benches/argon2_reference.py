#!/usr/bin/env python3
"""Time the reference C Argon2 (via argon2-cffi) as a yardstick for portcullis's hasher.

argon2id, version 0x13, 32-byte output, 16-byte salt, raw hash (no PHC encoding), at
two cost settings. Each setting is warmed up first (page faults on the first big
allocation, CPU frequency ramp-up), then timed run by run; the table gives the median
(the typical cost) and the minimum (the least-disturbed run) in milliseconds.

argon2-cffi-bindings wheels for x86-64 build the C library's SSE2-optimised code
(opt.c), and argon2_hash runs one thread per lane, so p=4 uses 4 threads: on a
2-core machine that is at most 2x faster than one lane, not 4x.

Run: pip install -r tests/interop/requirements.txt && python3 benches/argon2_reference.py
"""

import os
import statistics
import time
from importlib.metadata import version

from argon2.low_level import Type, hash_secret_raw

PASSWORD = b"correct horse battery staple"
SALT = bytes(range(16))
# (label, m KiB, t, p, timed runs)
SETTINGS = [
    ("OWASP m=19456 t=2 p=1", 19456, 2, 1, 30),
    ("m=65536 t=3 p=4", 65536, 3, 4, 15),
]
WARMUP = 3


def run(m, t, p):
    start = time.perf_counter()
    hash_secret_raw(PASSWORD, SALT, t, m, p, 32, Type.ID, 19)
    return (time.perf_counter() - start) * 1000.0


def main():
    print(f"argon2-cffi {version('argon2-cffi')}, argon2-cffi-bindings {version('argon2-cffi-bindings')}, "
          f"{os.cpu_count()} CPUs; argon2id v19, 32-byte tag, 16-byte salt")
    print(f"{'setting':<24}{'runs':>6}{'median ms':>12}{'min ms':>10}")
    for label, m, t, p, runs in SETTINGS:
        for _ in range(WARMUP):
            run(m, t, p)
        times = [run(m, t, p) for _ in range(runs)]
        print(f"{label:<24}{runs:>6}{statistics.median(times):>12.1f}{min(times):>10.1f}")


if __name__ == "__main__":
    main()
