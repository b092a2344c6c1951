#!/usr/bin/env python3
"""
make_receipt.py - an independent PRODUCER of notar receipts, Python standard library only.

Written from the public format (FORMAT.md sections 1-7 and 11, RFC 6962, RFC 8032,
c2sp.org/signed-note, c2sp.org/tlog-checkpoint), not from notar's source code. It plays
the part of another implementation of a notary: it builds batches, blocks, the history
tree and signed checkpoints itself, signs with its own Ed25519 code, and writes receipts
in several JSON spellings that a conformant verifier must all accept (FORMAT.md section 11).

    python3 make_receipt.py OUTDIR --seed HEX64 --name ORIGIN [--batches 3,1,4]
                            [--extensions N] [--doc-name NAME] [--witness]

Writes:
    OUTDIR/docs/doc-<seq>-<i>.txt                   the documents
    OUTDIR/<spelling>/doc-<seq>-<i>.txt.notar.json  one receipt per document and spelling
    OUTDIR/checkpoint.txt                           the latest signed checkpoint
    OUTDIR/key.txt                                  the verifier key string
and prints a JSON manifest (key, spellings, receipts) on stdout.

Spellings (each a different text of the same JSON value):
    pretty-sorted    indent 2, members sorted, non-ASCII as is, final newline
    compact-ascii    no whitespace at all, every non-ASCII character \\u-escaped
                     (the em dash as \\u2014), no final newline
    crlf-indent4     indent 4, non-ASCII as is, CRLF line ends
    bom-tabs         a UTF-8 byte order mark, tab indentation, members in reverse order
    escaped-all      indent 1, every character of every string \\u-escaped

Only for tests and interoperability checks: the signing code is not constant-time.
"""

import argparse
import base64
import hashlib
import json
import os
import sys

# ---------------------------------------------------------------------------------------
# Ed25519 (RFC 8032 section 5.1), signing and key generation, pure Python.
# ---------------------------------------------------------------------------------------
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, -1, P) % P
_BY = 4 * pow(5, -1, P) % P
_BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202
BASE = (_BX, _BY, 1, _BX * _BY % P)


def _add(p1, p2):
    # RFC 8032 section 5.1.4, extended coordinates.
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * 2 * D * t2 % P
    d = z1 * 2 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(k, pt):
    acc = (0, 1, 1, 0)
    while k:
        if k & 1:
            acc = _add(acc, pt)
        pt = _add(pt, pt)
        k >>= 1
    return acc


def _encode(pt):
    x, y, z, _ = pt
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _expand(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, h[32:]


def ed25519_public(seed):
    return _encode(_mul(_expand(seed)[0], BASE))


def ed25519_sign(seed, msg):
    a, prefix = _expand(seed)
    pub = _encode(_mul(a, BASE))
    r = int.from_bytes(hashlib.sha512(prefix + msg).digest(), "little") % L
    big_r = _encode(_mul(r, BASE))
    k = int.from_bytes(hashlib.sha512(big_r + pub + msg).digest(), "little") % L
    return big_r + ((r + k * a) % L).to_bytes(32, "little")


# ---------------------------------------------------------------------------------------
# Signed notes (c2sp.org/signed-note) and keys.
# ---------------------------------------------------------------------------------------
def sha256(data):
    return hashlib.sha256(data).digest()


def key_id(name, pub):
    return sha256(name.encode("utf-8") + b"\n\x01" + pub)[:4]


def verifier_key(name, pub):
    typed = base64.b64encode(bytes([1]) + pub).decode()
    return f"{name}+{key_id(name, pub).hex()}+{typed}"


def sign_note(body, signers):
    lines = []
    for name, seed in signers:
        sig = ed25519_sign(seed, body.encode("utf-8"))
        lines.append(f"\u2014 {name} {base64.b64encode(key_id(name, ed25519_public(seed)) + sig).decode()}\n")
    return body + "\n" + "".join(lines)


# ---------------------------------------------------------------------------------------
# RFC 6962 Merkle trees (section 2.1): hash, inclusion paths.
# ---------------------------------------------------------------------------------------
def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def _split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(hashes):
    if len(hashes) == 1:
        return hashes[0]
    k = _split(len(hashes))
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def path(m, hashes):
    """RFC 6962 section 2.1.1 PATH(m, D[n]) over leaf hashes, bottom up."""
    if len(hashes) == 1:
        return []
    k = _split(len(hashes))
    if m < k:
        return path(m, hashes[:k]) + [mth(hashes[k:])]
    return path(m - k, hashes[k:]) + [mth(hashes[:k])]


# ---------------------------------------------------------------------------------------
# The notary: batches -> blocks -> history -> checkpoints -> receipts (FORMAT.md 2-7).
# ---------------------------------------------------------------------------------------
def build(name, seed, batch_sizes, extensions, doc_name, witness):
    docs, blocks, block_hashes, batches = {}, [], [], []
    prev = b"\x00" * 32
    for seq, n in enumerate(batch_sizes):
        items = []
        for i in range(n):
            data = f"independent document {i} of block {seq}\n".encode()
            salt = sha256(b"salt" + seed + bytes([seq, i]))
            digest = sha256(data)
            items.append((data, salt, digest, leaf_hash(salt + digest)))
            docs[(seq, i)] = data
        root = mth([it[3] for it in items])
        time = f"2026-03-{1 + seq:02d}T{seq % 24:02d}:{(7 * seq) % 60:02d}:05Z"
        line = f"notar-block/1 {seq} {time} {n} {root.hex()} {prev.hex()}"
        blocks.append({"seq": seq, "time": time, "size": n, "root": root.hex(), "prev": prev.hex()})
        prev = leaf_hash(line.encode("ascii"))  # block hash B = SHA-256(0x00 || line)
        block_hashes.append(prev)
        batches.append(items)
    size = len(blocks)
    ext = "".join(f"extension line {j + 1}: \u2603 x={j} \u2014 opaque\n" for j in range(extensions))
    body = f"{name}\n{size}\n{base64.b64encode(mth(block_hashes)).decode()}\n{ext}"
    signers = [(name, seed)] + ([("witness.example.net/w1", sha256(b"witness" + seed))] if witness else [])
    checkpoint = sign_note(body, signers)
    key = verifier_key(name, ed25519_public(seed))
    receipts = {}
    for seq, items in enumerate(batches):
        for i, (_data, salt, digest, _leaf) in enumerate(items):
            receipts[(seq, i)] = {
                "format": "notar-receipt/1",
                "document": {"sha256": digest.hex(), "name": doc_name.replace("{}", f"{seq}-{i}")},
                "leaf": {"salt": salt.hex(), "index": i, "path": [h.hex() for h in path(i, [it[3] for it in items])]},
                "block": blocks[seq],
                "history": {"size": size, "path": [h.hex() for h in path(seq, block_hashes)]},
                "checkpoint": checkpoint,
                "key": key,
            }
    return docs, receipts, checkpoint, key


# ---------------------------------------------------------------------------------------
# Spellings: one JSON value, several texts.
# ---------------------------------------------------------------------------------------
def _reverse(v):
    if isinstance(v, dict):
        return {k: _reverse(v[k]) for k in reversed(list(v))}
    if isinstance(v, list):
        return [_reverse(x) for x in v]
    return v


def _escape_all(s):
    out = []
    for unit in s.encode("utf-16-be").hex(" ", 2).split(" "):
        out.append("\\u" + unit)
    return '"' + "".join(out) + '"'


def _dump_escaped(v, depth=0):
    pad = "\n" + " " * (depth + 1)
    if isinstance(v, dict):
        return "{" + ",".join(pad + _escape_all(k) + " : " + _dump_escaped(x, depth + 1) for k, x in v.items()) + "\n" + " " * depth + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_dump_escaped(x, depth + 1) for x in v) + "]"
    if isinstance(v, str):
        return _escape_all(v)
    return json.dumps(v)


SPELLINGS = {
    "pretty-sorted": lambda r: (json.dumps(r, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"),
    "compact-ascii": lambda r: json.dumps(r, separators=(",", ":"), ensure_ascii=True).encode("ascii"),
    "crlf-indent4": lambda r: (json.dumps(r, indent=4, ensure_ascii=False) + "\n").replace("\n", "\r\n").encode("utf-8"),
    "bom-tabs": lambda r: (json.dumps(_reverse(r), indent="\t", ensure_ascii=False) + "\n").encode("utf-8-sig"),
    "escaped-all": lambda r: (_dump_escaped(r) + "\n").encode("ascii"),
}


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write notar receipts as an independent producer would.")
    ap.add_argument("outdir")
    ap.add_argument("--seed", required=True, help="32-byte Ed25519 seed, 64 hex digits")
    ap.add_argument("--name", required=True, help="key name = checkpoint origin")
    ap.add_argument("--batches", default="3,1,4", help="batch sizes, comma-separated")
    ap.add_argument("--extensions", type=int, default=0, help="checkpoint extension lines to add")
    ap.add_argument("--doc-name", default="Grundbuch \u2013 M\u00fcller \u6771\u4eac \U0001f4dc {}.txt")
    ap.add_argument("--witness", action="store_true", help="add a cosignature line by a key the verifier does not know")
    a = ap.parse_args(argv)
    seed = bytes.fromhex(a.seed)
    if len(seed) != 32:
        ap.error("--seed must be 32 bytes")
    sizes = [int(x) for x in a.batches.split(",")]
    docs, receipts, checkpoint, key = build(a.name, seed, sizes, a.extensions, a.doc_name, a.witness)
    os.makedirs(os.path.join(a.outdir, "docs"), exist_ok=True)
    written = []
    for (seq, i), data in docs.items():
        doc = os.path.join(a.outdir, "docs", f"doc-{seq}-{i}.txt")
        with open(doc, "wb") as f:
            f.write(data)
        for spelling, dump in SPELLINGS.items():
            os.makedirs(os.path.join(a.outdir, spelling), exist_ok=True)
            out = os.path.join(a.outdir, spelling, f"doc-{seq}-{i}.txt.notar.json")
            text = dump(receipts[(seq, i)])
            assert json.loads(text.decode("utf-8-sig")) == receipts[(seq, i)], spelling
            with open(out, "wb") as f:
                f.write(text)
            written.append({"document": doc, "receipt": out, "spelling": spelling})
    with open(os.path.join(a.outdir, "checkpoint.txt"), "w", encoding="utf-8", newline="") as f:
        f.write(checkpoint)
    with open(os.path.join(a.outdir, "key.txt"), "w", encoding="utf-8", newline="") as f:
        f.write(key + "\n")
    json.dump({"key": key, "spellings": list(SPELLINGS), "receipts": written}, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
