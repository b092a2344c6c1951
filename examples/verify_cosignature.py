#!/usr/bin/env python3
"""Check witness cosignatures on a signed checkpoint, without notar.

    python3 verify_cosignature.py CHECKPOINT --witness 'w.example/w1+1a2b3c4d+BAbC...=' [--witness ...]

CHECKPOINT is a signed note (a file, or - for stdin): the checkpoint body, an
empty line, signature lines. For each --witness key (a C2SP vkey of signature
type 0x04) it prints one line:

    OK <name> <POSIX time>     a valid cosignature/v1 by that key
    MISSING <name>             no signature line with that name and key ID
    INVALID <name>             a line with that name and key ID that does not verify

Exit 0 if every witness given cosigned validly, 1 if not, 2 on malformed input.

Written from the C2SP texts alone (tlog-cosignature v1, signed-note), standard
library only, with its own RFC 8032 Ed25519 verifier in the strict, cofactored
form notar uses (docs/FORMAT.md section 6):

  * key ID  = SHA-256(name || 0x0A || 0x04 || public key)[:4]
  * line    = "\u2014 " name " " base64(key ID || timestamp (8 bytes, big-endian) || signature (64))
  * message = "cosignature/v1\\ntime <timestamp>\\n" || checkpoint body (final newline included)
"""
import base64
import binascii
import hashlib
import sys

# ---- Ed25519 (RFC 8032 section 5.1), verification only -----------------------
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def edwards_add(a, b):
    """Extended coordinates (X, Y, Z, T), RFC 8032 section 5.1.4."""
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % P
    bb = (y1 + x1) * (y2 + x2) % P
    cc = 2 * t1 * t2 * D % P
    dd = 2 * z1 * z2 % P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def scalar_mul(k, point):
    acc = (0, 1, 1, 0)
    while k:
        if k & 1:
            acc = edwards_add(acc, point)
        point = edwards_add(point, point)
        k >>= 1
    return acc


def same_point(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def decode_point(data):
    """RFC 8032 section 5.1.3, refusing non-canonical y and x = 0 with the sign bit."""
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= P:
        return None
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if (v * x * x - u) % P != 0:
        x = x * SQRT_M1 % P
        if (v * x * x - u) % P != 0:
            return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


BASE = decode_point((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))
IDENTITY = (0, 1, 1, 0)


def ed25519_verify(public, message, sig):
    a, r = decode_point(public), decode_point(sig[:32])
    s = int.from_bytes(sig[32:], "little")
    if a is None or r is None or s >= L or len(sig) != 64:
        return False
    if same_point(scalar_mul(8, a), IDENTITY):  # small-order key: refused
        return False
    k = int.from_bytes(hashlib.sha512(sig[:32] + public + message).digest(), "little") % L
    left = scalar_mul(8, scalar_mul(s, BASE))
    right = scalar_mul(8, edwards_add(r, scalar_mul(k, a)))
    return same_point(left, right)


# ---- C2SP formats ------------------------------------------------------------
class Malformed(Exception):
    pass


def b64(text, what):
    """Standard padded base64, in its one canonical spelling (unused bits zero; notar FORMAT.md section 11)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Malformed(f"{what} is not base64")
    if base64.b64encode(raw).decode() != text:
        raise Malformed(f"{what} is not canonical base64")
    return raw


def parse_witness_key(text):
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise Malformed("a witness key looks like name+keyid+base64")
    name, key_id, raw = parts[0], parts[1], b64(parts[2], "witness key")
    if len(raw) != 33 or raw[0] != 0x04:
        raise Malformed(f"witness key {name} is not an Ed25519 cosignature/v1 key (type 0x04)")
    want = hashlib.sha256(name.encode() + b"\n\x04" + raw[1:]).digest()[:4].hex()
    if key_id != want:
        raise Malformed(f"witness key {name}: key ID {key_id} does not match the key ({want})")
    return name, bytes.fromhex(key_id), raw[1:]


def split_note(text):
    """signed-note: body ends at the last blank line; then signature lines."""
    if not text.endswith("\n") or "\n\n" not in text:
        raise Malformed("not a signed note")
    cut = text.rindex("\n\n")
    body, lines = text[: cut + 1], text[cut + 2 : -1].split("\n")
    sigs = []
    for line in lines:
        if not line.startswith("\u2014 ") or line.count(" ") != 2:
            raise Malformed("malformed signature line")
        _, name, data = line.split(" ")
        sigs.append((name, b64(data, "signature")))
    return body, sigs


def check(body, sigs, witness):
    """Every line naming the witness must verify (signed-note: a matching key MUST verify)."""
    name, key_id, public = witness
    times = []
    for sig_name, raw in sigs:
        if sig_name != name or raw[:4] != key_id:
            continue
        if len(raw) != 76:
            return "INVALID", None
        t = int.from_bytes(raw[4:12], "big")
        message = b"cosignature/v1\ntime %d\n" % t + body.encode()
        if t >= 2**63 or not ed25519_verify(public, message, raw[12:]):
            return "INVALID", None
        times.append(t)
    return ("OK", min(times)) if times else ("MISSING", None)


def main(argv):
    if len(argv) < 3 or "--witness" not in argv:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    source, keys = argv[0], [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--witness"]
    try:
        data = sys.stdin.buffer.read() if source == "-" else open(source, "rb").read((1 << 16) + 1)
        if len(data) > 1 << 16:
            raise Malformed("a signed note is at most 64 KiB")
        body, sigs = split_note(data.decode("utf-8"))
        witnesses = [parse_witness_key(k) for k in keys]
    except (OSError, UnicodeDecodeError, Malformed) as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 2
    ok = True
    for w in witnesses:
        verdict, t = check(body, sigs, w)
        ok &= verdict == "OK"
        print(f"{verdict} {w[0]}" + (f" {t}" if t is not None else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
