#!/usr/bin/env python3
"""Verify a kamgov export (JSON lines) offline, stdlib only; docs/hash-chain.md.
hash_p = SHA-256(hash_{p-1} || BE64(p) || record_bytes); hash_0 = 32 zero bytes,
or the first line's prev_hash for a range. Prints OK ... (exit 0) or BAD ... (exit 1)."""
import argparse, base64, hashlib, json, sys


def bad(position, why):
    print(f"BAD position {position}: {why}")
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("dump", nargs="?", type=argparse.FileType("r"), default=sys.stdin)
    ap.add_argument("--head", help="POSITION:HEX, a pinned chain head the dump must contain")
    args = ap.parse_args()
    pin = args.head.lower().split(":") if args.head else None
    if pin and (len(pin) != 2 or not pin[0].isdigit()):
        ap.error("--head wants POSITION:HEX")
    prev, pos, n, pin_seen = bytes(32), 0, 0, False
    for line in filter(str.strip, args.dump):
        try:
            e = json.loads(line)
            p, record, stored = int(e["position"]), base64.b64decode(e["record"], validate=True), bytes.fromhex(e["hash"])
            if n == 0 and p > 1:  # a range: trust the exported hash_{p-1}
                pos = p - 1
                prev = bytes.fromhex(e["prev_hash"])
        except (ValueError, KeyError, TypeError) as err:
            bad(pos + 1, f"unreadable line: {err!r}")
        if p != pos + 1:
            bad(pos + 1, f"the next line is position {p}: a gap, repeat or reordering")
        prev, pos, n = hashlib.sha256(prev + p.to_bytes(8, "big") + record).digest(), p, n + 1
        if prev != stored:
            bad(p, f"stored hash {stored.hex()} != recomputed {prev.hex()}")
        if pin and p == int(pin[0]):
            if prev.hex() != pin[1]:
                bad(p, f"hash {prev.hex()} != pinned head {pin[1]}")
            pin_seen = True
    if pin and not pin_seen:
        bad(pin[0], "the pinned head is not in the dump")
    print(f"OK {n} events, head {pos} {prev.hex()}")


if __name__ == "__main__":
    main()
