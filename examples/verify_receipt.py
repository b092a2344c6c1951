#!/usr/bin/env python3
"""
verify_receipt.py - check a notar receipt with nothing but Python's standard library.

This is a second, independent implementation of the receipt check in the notar wire
format (docs: FORMAT.md section 8). It was written from the specification text alone,
not from notar's source code, so that an auditor can verify receipts without trusting
(or even installing) notar, and so that the two implementations can check each other.

    python3 verify_receipt.py DOCUMENT RECEIPT --key VERIFIER_KEY [--key ...] [--key-file FILE]

Output and exit status:
    OK: stamped by <origin> at <time> (block <seq>)        exit 0
    FAILED: <step>: <reason>                                exit 1  (checked: not valid / not trusted)
    ERROR: <what is wrong>              (on stderr)         exit 2  (unreadable or malformed input)

The steps named in FAILED lines are those of FORMAT.md section 8:
    digest     the document is not the one the receipt was made for      (step 1)
    batch      the leaf does not lead to the batch root in the block     (step 2)
    history    the block does not lead to the checkpoint's history root  (step 3)
    signature  a trusted key's signature on the checkpoint is invalid    (step 4)
    trust      no key you trust has signed the checkpoint                (step 4)

What counts as "malformed" (exit 2) and what as "failed" (exit 1): anything that can be seen
to be wrong from the receipt's syntax alone (bad JSON, a missing or unknown field, a hash that
is not 64 lowercase hex digits, a number out of range such as leaf.index >= block.size, an
unparseable checkpoint) is malformed. A receipt that is well-formed but whose proofs or
signatures do not check out - including a proof path of the wrong length for its tree
shape - FAILED.

Standards used, all public:
    FIPS 180-4 SHA-256 / SHA-512               (hashlib)
    RFC 6962 / RFC 9162 section 2.1           Merkle tree hashing and inclusion proofs
    RFC 8032 section 5.1                      Ed25519 (implemented below, pure Python)
    c2sp.org/signed-note, c2sp.org/tlog-checkpoint

Python 3.11+, standard library only.
"""

import argparse
import base64
import hashlib
import json
import re
import sys
from datetime import datetime

# ---------------------------------------------------------------------------------------
# Errors: two kinds, because they mean different things to the person running the check.
# ---------------------------------------------------------------------------------------


class Malformed(Exception):
    """The input cannot be read or is not a well-formed receipt/key/checkpoint (exit 2)."""


class Failed(Exception):
    """The receipt was checked and is not valid or not trusted (exit 1)."""

    def __init__(self, step, reason):
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


# The largest integer every JSON implementation represents exactly (2^53 - 1). Receipts are
# JSON; a count beyond this could be read differently by different verifiers, so reject it.
MAX_SAFE_INT = 2**53 - 1

# Limits on untrusted input sizes: a receipt is a few KiB; these are generous.
MAX_RECEIPT_BYTES = 1 << 20
MAX_NOTE_BYTES = 64 * 1024
MAX_SIGNATURE_LINES = 100  # c2sp.org/signed-note: verifiers MUST accept at least 16
MAX_KEY_FILE_BYTES = 1 << 20

HEX32 = re.compile(r"[0-9a-f]{64}")  # FORMAT.md: hex is lowercase
TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")  # FORMAT.md section 4
DECIMAL_RE = re.compile(r"0|[1-9][0-9]*")  # no sign, no leading zeros

# ---------------------------------------------------------------------------------------
# Small strict decoders. "Strict" means: exactly one text encodes a given value, and
# anything else is rejected rather than repaired (FORMAT.md section 8, last paragraph).
# ---------------------------------------------------------------------------------------


def sha256(data):
    return hashlib.sha256(data).digest()


def hash32(value, where):
    """A 32-byte hash written as 64 lowercase hex digits."""
    if not isinstance(value, str) or not HEX32.fullmatch(value):
        raise Malformed(f"{where} must be 64 lowercase hex digits (a SHA-256 hash)")
    return bytes.fromhex(value)


def strict_b64(text, where):
    """Standard base64 with padding (RFC 4648 section 4), in its one canonical form.

    b64decode(validate=True) rejects characters outside the alphabet but still accepts
    non-zero unused bits in the last group; re-encoding and comparing rejects those too.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise Malformed(f"{where} is not valid base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise Malformed(f"{where} is not canonical base64")
    return raw


def count(value, where, minimum=0):
    """A JSON integer in [minimum, 2^53-1]. JSON true/false and 1.0 are not integers here."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(f"{where} must be an integer")
    if value < minimum or value > MAX_SAFE_INT:
        raise Malformed(f"{where} is out of range ({value})")
    return value


def exact_fields(obj, where, required, optional=()):
    """A JSON object with exactly the fields the format defines (no missing, no unknown)."""
    if not isinstance(obj, dict):
        raise Malformed(f"{where} must be a JSON object")
    missing = [k for k in required if k not in obj]
    unknown = [k for k in obj if k not in required and k not in optional]
    if missing:
        raise Malformed(f"{where} lacks field {missing[0]!r}")
    if unknown:
        raise Malformed(f"{where} has unknown field {unknown[0]!r}")
    return obj


# Go's unicode.IsSpace, which golang.org/x/mod/sumdb/note uses for key names: the Unicode
# White_Space characters. (Python's str.isspace differs: it also counts U+001C-U+001F and
# not U+180E... so the list is written out.)
GO_SPACES = set("\t\n\v\f\r \u0085\u00a0\u1680\u2028\u2029\u202f\u205f\u3000") | {chr(c) for c in range(0x2000, 0x200B)}


def is_valid_key_name(name):
    """c2sp.org/signed-note as Go's note package checks it: non-empty, valid UTF-8, no '+',
    no Unicode space (FORMAT.md section 11). Nothing else is refused here; a name with ASCII
    control characters can still never appear in a signed note, which may not hold them."""
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(c in GO_SPACES or 0xD800 <= ord(c) <= 0xDFFF for c in name)
    )


# ---------------------------------------------------------------------------------------
# Ed25519 signature verification, RFC 8032 section 5.1 (pure Python).
#
# Curve: -x^2 + y^2 = 1 + d*x^2*y^2 over GF(p), p = 2^255 - 19.
# Points are kept in extended homogeneous coordinates (X, Y, Z, T) with
# x = X/Z, y = Y/Z, x*y = T/Z (RFC 8032 section 5.1.4).
#
# Strictness (RFC 8032 section 5.1.7 plus the usual "strict" choices):
#   * S must be < L (the group order); S >= L is rejected, never reduced.
#   * The public key A and the commitment R must be canonical encodings: y < p, and the
#     x sign bit may not be set when x = 0. Non-canonical encodings are rejected.
#   * The group equation is checked COFACTORED: [8][S]B = [8]R + [8][k]A', the form
#     RFC 8032 section 5.1.7 states. (For every honestly made signature the cofactorless
#     check [S]B = R + [k]A' gives the same answer; they can differ only on deliberately
#     crafted signatures involving small-order components.)
# This is for verifying public data: it is not constant-time and must not be used to sign.
# ---------------------------------------------------------------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493  # order of the base point
D = -121665 * pow(121666, -1, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)  # a square root of -1 mod p

# The base point B (RFC 8032 section 5.1): y = 4/5, x the even ("positive") root.
_BY = 4 * pow(5, -1, P) % P
_BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202
BASE = (_BX, _BY, 1, _BX * _BY % P)
IDENTITY = (0, 1, 1, 0)


def point_add(p1, p2):
    """Point addition, RFC 8032 section 5.1.4 (complete: also correct for doubling)."""
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    dd = 2 * z1 * z2 % P
    e, f, g, h = b - a, dd - c, dd + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def point_neg(pt):
    x, y, z, t = pt
    return (-x % P, y, z, -t % P)


def scalar_mult(k, pt):
    """[k]pt by double-and-add, most significant bit first."""
    result = IDENTITY
    for i in reversed(range(k.bit_length())):
        result = point_add(result, result)
        if (k >> i) & 1:
            result = point_add(result, pt)
    return result


def is_identity(pt):
    x, y, z, _ = pt
    return x % P == 0 and (y - z) % P == 0  # x/z = 0 and y/z = 1


def decode_point(s):
    """Point decoding, RFC 8032 section 5.1.3; returns None for an invalid or
    non-canonical encoding."""
    if len(s) != 32:
        return None
    n = int.from_bytes(s, "little")
    sign = n >> 255  # the x_0 bit
    y = n & ((1 << 255) - 1)
    if y >= P:  # non-canonical y: rejected (step 1)
        return None
    # Step 2: x^2 = u/v with u = y^2 - 1, v = d*y^2 + 1; candidate x = u v^3 (u v^7)^((p-5)/8).
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    # Step 3: fix up or reject the candidate root.
    vxx = v * x * x % P
    if vxx == u:
        pass
    elif vxx == (-u) % P:
        x = x * SQRT_M1 % P
    else:
        return None  # not on the curve
    # Step 4: pick the root with the encoded sign; x = 0 with sign 1 is non-canonical.
    if x == 0 and sign == 1:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


def ed25519_verify(public_key, message, signature):
    """RFC 8032 section 5.1.7 (Ed25519, no context, no prehash). Returns True or False."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    # Step 1: decode A and R; S is a little-endian integer that must be below L.
    a_point = decode_point(public_key)
    r_point = decode_point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a_point is None or r_point is None or s >= L:
        return False
    # Step 2: k = SHA-512(R || A || M), as a little-endian integer mod L.
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % L
    # Step 3 (cofactored): [8]([S]B - R - [k]A) must be the identity.
    diff = point_add(scalar_mult(s, BASE), point_neg(point_add(r_point, scalar_mult(k, a_point))))
    return is_identity(scalar_mult(8, diff))


# ---------------------------------------------------------------------------------------
# Verifier keys (c2sp.org/signed-note; FORMAT.md section 5).
# ---------------------------------------------------------------------------------------


def key_id(name, public_key):
    """key ID = first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)."""
    return sha256(name.encode("utf-8") + b"\n" + b"\x01" + public_key)[:4]


def parse_verifier_key(text):
    """`<name>+<key ID, 8 hex digits>+<base64(0x01 || 32-byte public key)>` -> dict."""
    # Names contain no '+', but base64 may: split at the first two '+' only.
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise Malformed(f"verifier key {text!r} is not of the form name+keyid+base64")
    name, hex_id, b64 = parts
    if not is_valid_key_name(name):
        raise Malformed(f"verifier key {text!r}: invalid key name")
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise Malformed(f"verifier key {text!r}: key ID must be 8 lowercase hex digits")
    raw = strict_b64(b64, f"verifier key {text!r}")
    if len(raw) != 33 or raw[0] != 0x01:  # 0x01 = Ed25519 signature type
        raise Malformed(f"verifier key {text!r}: not an Ed25519 key (0x01 || 32 bytes)")
    public_key = raw[1:]
    if key_id(name, public_key).hex() != hex_id:
        raise Malformed(f"verifier key {text!r}: key ID does not match the name and public key")
    return {"name": name, "id": bytes.fromhex(hex_id), "public_key": public_key, "text": text}


# ---------------------------------------------------------------------------------------
# Signed notes (c2sp.org/signed-note) and checkpoints (FORMAT.md section 5).
# ---------------------------------------------------------------------------------------

SIG_PREFIX = "\u2014 "  # em dash, space


def parse_signed_note(text):
    """Splits a signed note into (body, [(name, key_id_bytes, signature_bytes), ...]).

    Format: text ending in newline, one blank line, then one or more lines
    `— <name> <base64(key ID (4 bytes) || signature)>`. The body is separated from the
    signatures by the LAST blank line and includes its own final newline.
    """
    if len(text.encode("utf-8")) > MAX_NOTE_BYTES:
        raise Malformed("checkpoint is too large")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise Malformed("checkpoint contains control characters (signed notes may not)")
    split = text.rfind("\n\n")
    if split < 0:
        raise Malformed("checkpoint has no blank line before its signatures")
    body, sig_block = text[: split + 1], text[split + 2 :]
    if not sig_block.endswith("\n"):
        raise Malformed("checkpoint signature block must end with a newline")
    lines = sig_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURE_LINES:
        raise Malformed("checkpoint has too many signature lines")
    return body, [parse_signature_line(line) for line in lines]


def parse_signature_line(line):
    if not line.startswith(SIG_PREFIX):
        raise Malformed(f"checkpoint signature line {line!r} does not start with '— '")
    fields = line[len(SIG_PREFIX) :].split(" ")
    if len(fields) != 2 or not is_valid_key_name(fields[0]):
        raise Malformed(f"checkpoint signature line {line!r} is not '— <name> <base64>'")
    raw = strict_b64(fields[1], "checkpoint signature")
    if len(raw) < 5:  # 4-byte key ID and at least one signature byte
        raise Malformed("checkpoint signature is too short")
    return fields[0], raw[:4], raw[4:]


def parse_checkpoint_body(body):
    """FORMAT.md section 5 and c2sp.org/tlog-checkpoint: `<origin>\\n<size>\\n<base64 root>\\n`,
    then optional non-empty extension lines, which are signed but carry no meaning here."""
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise Malformed("checkpoint body must have at least three lines: origin, size, root")
    origin, size_text, root_text = lines[:3]
    if any(line == "" for line in lines[3:-1]):
        raise Malformed("checkpoint has an empty extension line")
    if not is_valid_key_name(origin):
        raise Malformed(f"checkpoint origin {origin!r} is not a valid name")
    if not DECIMAL_RE.fullmatch(size_text) or int(size_text) > MAX_SAFE_INT:
        raise Malformed(f"checkpoint size {size_text!r} is not a decimal number in range")
    root = strict_b64(root_text, "checkpoint root")
    if len(root) != 32:
        raise Malformed("checkpoint root is not 32 bytes")
    return origin, int(size_text), root


# ---------------------------------------------------------------------------------------
# Merkle trees: RFC 6962 section 2.1 / RFC 9162 section 2.1.
#   leaf hash = SHA-256(0x00 || input), node hash = SHA-256(0x01 || left || right).
# ---------------------------------------------------------------------------------------


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def inclusion_path_length(index, size):
    """How many hashes the inclusion proof of leaf `index` in a tree of `size` leaves has.

    Straight from the recursive definition of PATH in RFC 6962 section 2.1.1: with k the
    largest power of two below n, a leaf in the left subtree D[0:k] needs its path there plus
    the root of the right subtree, and a leaf in the right subtree the reverse.
    """
    if size <= 1:
        return 0
    k = 1 << ((size - 1).bit_length() - 1)  # largest power of two < size
    if index < k:
        return 1 + inclusion_path_length(index, k)
    return 1 + inclusion_path_length(index - k, size - k)


def root_from_inclusion_path(index, size, leaf, path):
    """RFC 9162 section 2.1.3.2, verbatim: the root a leaf hash and its path lead to,
    or None if the path does not fit a tree of this size."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None  # path longer than the tree is deep
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:  # fn == sn on the right edge: skip levels
                fn >>= 1  # where this node has no right sibling
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None  # sn != 0: path shorter than required


def check_inclusion(step, what, index, size, leaf, path, want_root):
    """Raises Failed(step) unless `path` proves `leaf` at `index` in a tree with `want_root`."""
    need = inclusion_path_length(index, size)
    if len(path) != need:
        raise Failed(step, f"{what} path has {len(path)} hashes; index {index} of a {size}-leaf tree needs exactly {need}")
    root = root_from_inclusion_path(index, size, leaf, path)
    if root is None:  # cannot happen once the length is right; kept as a second guard
        raise Failed(step, f"{what} path does not fit a {size}-leaf tree")
    if root != want_root:
        raise Failed(step, f"{what} path leads to {root.hex()}, not to the expected root {want_root.hex()}")


# ---------------------------------------------------------------------------------------
# The receipt (FORMAT.md section 7): parse and check its shape.
# ---------------------------------------------------------------------------------------


def _no_duplicate_keys(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise Malformed(f"receipt has a duplicate field {k!r}")
        obj[k] = v
    return obj


def _no_constants(name):
    raise Malformed(f"receipt contains {name}, which is not JSON")


def parse_receipt(raw):
    """Bytes of a receipt file -> a dict of checked, decoded values."""
    if len(raw) > MAX_RECEIPT_BYTES:
        raise Malformed("receipt is too large")
    try:
        # RFC 8259 section 8.1 allows ignoring a byte order mark; FORMAT.md section 11 does.
        text = raw.decode("utf-8")
        text = text[1:] if text.startswith("\ufeff") else text
        doc = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)
        # RFC 7493 (I-JSON): no lone surrogates, even escaped; they cannot be UTF-8.
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError, json.JSONDecodeError, RecursionError) as e:
        raise Malformed(f"receipt is not valid UTF-8 JSON ({str(e)[:200]})") from None
    exact_fields(doc, "receipt", ["format", "document", "leaf", "block", "history", "checkpoint"], ["key"])
    if doc["format"] != "notar-receipt/1":
        raise Malformed(f"receipt format is {doc['format']!r}, expected 'notar-receipt/1'")
    if "key" in doc and not isinstance(doc["key"], str):
        raise Malformed("receipt key hint must be a string")
    if not isinstance(doc["checkpoint"], str):
        raise Malformed("receipt checkpoint must be a string (a signed note)")
    r = {"checkpoint": doc["checkpoint"], "key_hint": doc.get("key")}
    r.update(_parse_document_and_leaf(doc))
    r.update(_parse_block(doc["block"]))
    r.update(_parse_history(doc["history"], r["seq"]))
    return r


def _hash_list(value, where):
    if not isinstance(value, list):
        raise Malformed(f"{where} must be a list of hashes")
    return [hash32(h, f"{where}[{i}]") for i, h in enumerate(value)]


def _parse_document_and_leaf(doc):
    document = exact_fields(doc["document"], "receipt document", ["sha256"], ["name"])
    if "name" in document and not isinstance(document["name"], str):
        raise Malformed("receipt document.name must be a string")
    leaf = exact_fields(doc["leaf"], "receipt leaf", ["salt", "index", "path"])
    return {
        "digest": hash32(document["sha256"], "document.sha256"),
        "salt": hash32(leaf["salt"], "leaf.salt"),  # FORMAT.md section 2: 32 bytes
        "index": count(leaf["index"], "leaf.index"),
        "leaf_path": _hash_list(leaf["path"], "leaf.path"),
    }


def _parse_block(block):
    exact_fields(block, "receipt block", ["seq", "time", "size", "root", "prev"])
    time = block["time"]
    if not isinstance(time, str) or not TIME_RE.fullmatch(time):
        raise Malformed("block.time must be YYYY-MM-DDTHH:MM:SSZ")
    try:
        datetime.strptime(time, "%Y-%m-%dT%H:%M:%SZ")  # a real calendar date and time
    except ValueError:
        raise Malformed(f"block.time {time!r} is not a valid date and time") from None
    out = {
        "seq": count(block["seq"], "block.seq"),
        "time": time,
        "size": count(block["size"], "block.size", minimum=1),  # a batch has n >= 1 leaves
        "root": hash32(block["root"], "block.root"),
        "prev": hash32(block["prev"], "block.prev"),
    }
    if out["seq"] == 0 and out["prev"] != bytes(32):
        raise Malformed("block 0 must have prev = 64 zeros (FORMAT.md section 4)")
    return out


def _parse_history(history, seq):
    exact_fields(history, "receipt history", ["size", "path"])
    size = count(history["size"], "history.size", minimum=1)
    return {"history_size": size, "history_path": _hash_list(history["path"], "history.path")}


def check_ranges(r):
    """Numbers that contradict each other make the receipt malformed (FORMAT.md section 8)."""
    if r["index"] >= r["size"]:
        raise Malformed(f"leaf.index {r['index']} is not below block.size {r['size']}")
    if r["seq"] >= r["history_size"]:
        raise Malformed(f"block.seq {r['seq']} is not below history.size {r['history_size']}")


# ---------------------------------------------------------------------------------------
# FORMAT.md section 8: the four steps.
# ---------------------------------------------------------------------------------------


def block_line(r):
    """FORMAT.md section 4: `notar-block/1 <seq> <time> <size> <root> <prev>` (ASCII)."""
    return f"notar-block/1 {r['seq']} {r['time']} {r['size']} {r['root'].hex()} {r['prev'].hex()}".encode("ascii")


def verify(document_digest, r, trusted_keys):
    """Runs FORMAT.md section 8 on a parsed receipt. Returns the checkpoint origin, or
    raises Failed / Malformed."""
    check_ranges(r)
    body, signatures = parse_signed_note(r["checkpoint"])
    origin, cp_size, cp_root = parse_checkpoint_body(body)

    # Step 1: the document is the one the receipt is for.
    if document_digest != r["digest"]:
        raise Failed("digest", f"the document's SHA-256 is {document_digest.hex()}, the receipt is for {r['digest'].hex()}")

    # Step 2: salted leaf hash L = SHA-256(0x00 || salt || d), up the batch tree to block.root.
    leaf = sha256(b"\x00" + r["salt"] + r["digest"])
    check_inclusion("batch", "leaf", r["index"], r["size"], leaf, r["leaf_path"], r["root"])

    # Step 3: block hash B = SHA-256(0x00 || line), up the history tree to the checkpoint root.
    if cp_size != r["history_size"]:
        raise Failed("history", f"history.size is {r['history_size']} but the checkpoint is for size {cp_size}")
    block_hash = sha256(b"\x00" + block_line(r))
    check_inclusion("history", "history", r["seq"], r["history_size"], block_hash, r["history_path"], cp_root)

    # Step 4: a valid signature on the checkpoint body by a trusted key named like the origin.
    check_signatures(body, origin, signatures, trusted_keys)
    return origin


def check_signatures(body, origin, signatures, trusted_keys):
    """c2sp.org/signed-note: a signature line counts only if both its name and key ID match
    a trusted key; every such signature must verify (a bad one rejects the whole note); at
    least one must come from a trusted key whose name is the checkpoint's origin. Lines from
    keys we do not know (e.g. witnesses) are ignored."""
    message = body.encode("utf-8")
    notary_signed = False
    for name, kid, sig in signatures:
        for key in trusted_keys:
            if key["name"] != name or key["id"] != kid:
                continue
            if not ed25519_verify(key["public_key"], message, sig):
                raise Failed("signature", f"the checkpoint signature by {name} (key {kid.hex()}) is invalid")
            notary_signed = notary_signed or name == origin
    if not notary_signed:
        names = ", ".join(sorted({k["text"] for k in trusted_keys}))
        raise Failed("trust", f"the checkpoint of {origin} is not signed by any trusted key for that origin (trusted: {names})")


# ---------------------------------------------------------------------------------------
# Command line.
# ---------------------------------------------------------------------------------------


def read_bytes(path, what, limit=None):
    try:
        with open(path, "rb") as f:
            data = f.read() if limit is None else f.read(limit + 1)
    except OSError as e:
        raise Malformed(f"cannot read {what} {path}: {e.strerror}") from None
    if limit is not None and len(data) > limit:
        raise Malformed(f"{what} {path} is too large")
    return data


def digest_file(path):
    """SHA-256 of a file, read in chunks (documents may be large): what sha256sum prints."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as e:
        raise Malformed(f"cannot read document {path}: {e.strerror}") from None
    return h.digest()


def load_trusted_keys(keys, key_files):
    """Every --key, and every non-empty line not starting with '#' of every --key-file."""
    texts = [k.strip() for k in keys]
    for path in key_files:
        try:
            content = read_bytes(path, "key file", MAX_KEY_FILE_BYTES).decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed(f"key file {path} is not UTF-8 text") from None
        texts += [t for t in (line.strip() for line in content.split("\n")) if t and not t.startswith("#")]
    return [parse_verifier_key(t) for t in texts]


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Verify a notar receipt (FORMAT.md section 8) with the Python standard library only.",
        epilog="Exit status: 0 verified, 1 checked and not valid or not trusted, 2 unreadable or malformed input.",
    )
    ap.add_argument("document", help="the document the receipt is for")
    ap.add_argument("receipt", help="the receipt, usually DOCUMENT.notar.json")
    ap.add_argument("--key", action="append", default=[], help="a verifier key you trust (name+keyid+base64); repeatable")
    ap.add_argument("--key-file", action="append", default=[], help="a file of trusted verifier keys, one per line; repeatable")
    args = ap.parse_args(argv)  # argparse itself exits 2 on bad usage
    try:
        trusted = load_trusted_keys(args.key, args.key_file)
        receipt = parse_receipt(read_bytes(args.receipt, "receipt", MAX_RECEIPT_BYTES))
        if not trusted:
            hint = f" (the receipt suggests {receipt['key_hint']}; confirm it with the notary first)" if receipt["key_hint"] else ""
            raise Malformed("no trusted key given: pass the notary's published key with --key or --key-file" + hint)
        origin = verify(digest_file(args.document), receipt, trusted)
    except Malformed as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 2
    except Failed as e:
        print(f"FAILED: {e.step}: {e.reason}")
        return 1
    print(f"OK: stamped by {origin} at {receipt['time']} (block {receipt['seq']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
