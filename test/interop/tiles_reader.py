#!/usr/bin/env python3
"""
An independent reader of a log published as C2SP tlog-tiles (https://c2sp.org/tlog-tiles),
written from the specification text with the Python standard library only. It shares no
code with notar's TypeScript; for the checkpoint signature it borrows the stand-alone
Ed25519 and signed-note functions of examples/verify_receipt.py (only with --key).

    python3 tiles_reader.py PREFIX [--key VKEY] [--leaves]

PREFIX is an http(s) URL prefix or a directory. The reader fetches <prefix>/checkpoint,
every entry bundle <prefix>/tile/entries/<N>[.p/<W>] the tree size implies, hashes the
entries (RFC 6962 leaf hashes), computes the Merkle Tree Hash and compares it with the
checkpoint root; then fetches every Merkle tile <prefix>/tile/<L>/<N>[.p/<W>] the size
implies and checks each hash in it. The entries of a notar log are block lines
(`notar-block/1 <seq> <time> <size> <root> <prev>`): their seq and prev links are checked,
and with --leaves each batch root is recomputed from <prefix>/notar/leaves/<N>.
Prints a JSON summary; exit 0 if everything holds, 1 if not, 2 on a usage error.
"""

import base64
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TILE = 256


class Bad(Exception):
    pass


def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(entry):
    return sha256(b"\x00" + entry)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def fetch(prefix, rel):
    """The resource's bytes, or None if the server says it does not exist."""
    if prefix.startswith("http://") or prefix.startswith("https://"):
        req = urllib.request.Request(prefix.rstrip("/") + "/" + rel, headers={"Accept-Encoding": "identity"})
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return res.read()
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise
    path = os.path.join(prefix, *rel.split("/"))
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as f:
        return f.read()


def index_path(n):
    """<N>: zero-padded 3-digit path elements, all but the last prefixed with 'x'."""
    groups = []
    while True:
        groups.insert(0, "%03d" % (n % 1000))
        n //= 1000
        if n == 0:
            break
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def tile_name(kind, n, width):
    suffix = "" if width == TILE else ".p/%d" % width
    return "tile/%s/%s%s" % (kind, index_path(n), suffix)


def must_fetch(prefix, rel):
    data = fetch(prefix, rel)
    if data is None:
        raise Bad("missing: " + rel)
    return data


def mth(hashes):
    """RFC 6962 section 2.1 Merkle Tree Hash over leaf hashes (split at the largest power of two)."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def split_bundle(data, count, rel):
    """Entry bundles: sequences of big-endian uint16 length-prefixed entries."""
    entries, off = [], 0
    while off < len(data):
        if off + 2 > len(data):
            raise Bad(rel + ": truncated length")
        n = int.from_bytes(data[off : off + 2], "big")
        if off + 2 + n > len(data):
            raise Bad(rel + ": entry runs past the end")
        entries.append(data[off + 2 : off + 2 + n])
        off += 2 + n
    if len(entries) != count:
        raise Bad("%s: %d entries, expected %d" % (rel, len(entries), count))
    return entries


def read_checkpoint(prefix, key_text):
    text = must_fetch(prefix, "checkpoint").decode("utf-8")
    split = text.rfind("\n\n")
    body = text[: split + 1]
    lines = body.split("\n")
    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
    if key_text:
        sys.path.insert(0, os.path.join(HERE, "..", "..", "examples"))
        import verify_receipt as v  # noqa: E402

        _, sigs = v.parse_signed_note(text)
        v.check_signatures(body, origin, sigs, [v.parse_verifier_key(key_text)])
    return origin, size, root


def read_entries(prefix, size):
    entries = []
    for n in range((size + TILE - 1) // TILE):
        width = TILE if (n + 1) * TILE <= size else size % TILE
        rel = tile_name("entries", n, width)
        entries += split_bundle(must_fetch(prefix, rel), width, rel)
    return entries


def check_tiles(prefix, leaves):
    """Every tile of the tree: level l, tile n, hash i = MTH(D[(n*256+i)*256^l : ...+256^l])."""
    size, level, hashes, count = len(leaves), 0, leaves, 0
    while len(hashes) > 0:
        for n in range((len(hashes) + TILE - 1) // TILE):
            part = hashes[n * TILE : (n + 1) * TILE]
            rel = tile_name(str(level), n, len(part))
            if must_fetch(prefix, rel) != b"".join(part):
                raise Bad(rel + ": does not hold the expected hashes")
            count += 1
        # The next level hashes only full tiles of this one.
        hashes = [mth(hashes[j : j + TILE]) for j in range(0, len(hashes) - TILE + 1, TILE)]
        level += 1
    return count


def check_blocks(prefix, entries, with_leaves):
    prev = "0" * 64
    for seq, entry in enumerate(entries):
        fields = entry.decode("ascii").split(" ")
        if len(fields) != 6 or fields[0] != "notar-block/1" or int(fields[1]) != seq:
            raise Bad("entry %d is not block %d" % (seq, seq))
        if fields[5] != prev:
            raise Bad("block %d does not link to block %d" % (seq, seq - 1))
        prev = leaf_hash(entry).hex()
        if with_leaves:
            data = must_fetch(prefix, "notar/leaves/" + index_path(seq))
            if len(data) != 32 * int(fields[3]):
                raise Bad("block %d: leaf hashes of the wrong length" % seq)
            if mth([data[i : i + 32] for i in range(0, len(data), 32)]).hex() != fields[4]:
                raise Bad("block %d: leaf hashes do not give its root" % seq)


def main(argv):
    if not argv or argv[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    prefix, key, with_leaves = argv[0], None, "--leaves" in argv
    if "--key" in argv:
        key = argv[argv.index("--key") + 1]
    try:
        origin, size, root = read_checkpoint(prefix, key)
        entries = read_entries(prefix, size)
        leaves = [leaf_hash(e) for e in entries]
        if size == 0 or mth(leaves) != root:
            raise Bad("the entries do not hash to the checkpoint root")
        tiles = check_tiles(prefix, leaves)
        check_blocks(prefix, entries, with_leaves)
    except Bad as e:
        print(json.dumps({"ok": False, "error": str(e)}))
        return 1
    except Exception as e:  # a failed signature check from verify_receipt, a bad checkpoint
        print(json.dumps({"ok": False, "error": "%s: %s" % (type(e).__name__, e)}))
        return 1
    print(json.dumps({"ok": True, "origin": origin, "size": size, "tiles": tiles, "signed": key is not None}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
