#!/usr/bin/env python3
"""
Checks the building blocks of examples/verify_receipt.py against published vectors.

    python3 verifier_selfcheck.py selftest  unittest: RFC 8032 section 7.1 vectors and crafted
                                            Ed25519 edge cases, the Go/C2SP signed-note example,
                                            key-string parsing, and the RFC 6962 inclusion vectors
                                            in test/vectors/rfc6962 (exit 0 iff all pass)
    python3 verifier_selfcheck.py batch     reads [{"pub","msg","sig"} hex, ...] JSON on stdin,
                                            prints a JSON list of Ed25519 verdicts (true/false)

Run by test/interop/python-verifier.test.ts, which also feeds `batch` with signatures made
by node:crypto (OpenSSL) so the two implementations are compared on the same inputs.
"""

import base64
import glob
import hashlib
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples"))
import verify_receipt as v  # noqa: E402

# RFC 8032 section 7.1, TEST 1-3: (secret seed, public key, message, signature), hex.
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


# --- a tiny test-only signer, to craft edge-case signatures (RFC 8032 section 5.1.6) ------


def encode_point(pt):
    x, y, z, _ = pt
    zi = pow(z, -1, v.P)
    x, y = x * zi % v.P, y * zi % v.P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def secret_scalar(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8  # clear the 3 low bits and bit 255
    a |= 1 << 254  # set bit 254
    return a, h[32:]


def sign_with(seed, msg, r, r_bytes=None, extra_r_point=None):
    """S = r + k*a for a chosen nonce r; R = [r]B (+ extra point), optionally encoded as
    the given (possibly non-canonical) bytes. Returns (public key, signature)."""
    a, _ = secret_scalar(seed)
    pub = encode_point(v.scalar_mult(a, v.BASE))
    r_point = v.scalar_mult(r, v.BASE)
    if extra_r_point is not None:
        r_point = v.point_add(r_point, extra_r_point)
    r_bytes = r_bytes if r_bytes is not None else encode_point(r_point)
    k = int.from_bytes(hashlib.sha512(r_bytes + pub + msg).digest(), "little") % v.L
    s = (r + k * a) % v.L
    return pub, r_bytes + s.to_bytes(32, "little")


def torsion_point_of_order_8():
    """[L]Q for points Q on the curve lies in the 8-torsion; find one of order exactly 8."""
    for i in range(1000):
        q = v.decode_point(hashlib.sha256(b"torsion %d" % i).digest())
        if q is None:
            continue
        t = v.scalar_mult(v.L, q)
        if not v.is_identity(v.scalar_mult(4, t)):
            return t
    raise AssertionError("no order-8 point found")


NONCANONICAL_IDENTITY = (v.P + 1).to_bytes(32, "little")  # y = p + 1 = 1 (mod p), x = 0
CANONICAL_IDENTITY = (1).to_bytes(32, "little")


class Ed25519(unittest.TestCase):
    def test_rfc8032_vectors(self):
        for seed, pub, msg, sig in RFC8032:
            self.assertTrue(v.ed25519_verify(bytes.fromhex(pub), bytes.fromhex(msg), bytes.fromhex(sig)))

    def test_helper_signer_reproduces_rfc8032(self):
        # Validates the test-only signer used for the crafted cases below.
        for seed, pub, msg, sig in RFC8032:
            seed_b, m = bytes.fromhex(seed), bytes.fromhex(msg)
            _, prefix = secret_scalar(seed_b)
            r = int.from_bytes(hashlib.sha512(prefix + m).digest(), "little") % v.L
            self.assertEqual(sign_with(seed_b, m, r), (bytes.fromhex(pub), bytes.fromhex(sig)))

    def test_rejects_modified_message_key_or_signature(self):
        seed, pub, msg, sig = (bytes.fromhex(x) for x in RFC8032[1])
        self.assertFalse(v.ed25519_verify(pub, b"\x73", sig))
        self.assertFalse(v.ed25519_verify(bytes.fromhex(RFC8032[2][1]), msg, sig))
        for i in (0, 31, 32, 63):
            bad = bytearray(sig)
            bad[i] ^= 0x01
            self.assertFalse(v.ed25519_verify(pub, msg, bytes(bad)), f"bit flip in byte {i}")
        self.assertFalse(v.ed25519_verify(pub, msg, sig[:63]))
        self.assertFalse(v.ed25519_verify(pub[:31], msg, sig))

    def test_rejects_s_not_below_l(self):
        _, pub, msg, sig = (bytes.fromhex(x) for x in RFC8032[0])
        s = int.from_bytes(sig[32:], "little")
        self.assertFalse(v.ed25519_verify(pub, msg, sig[:32] + (s + v.L).to_bytes(32, "little")))
        self.assertFalse(v.ed25519_verify(pub, msg, sig[:32] + v.L.to_bytes(32, "little")))

    def test_point_decoding_is_strict(self):
        self.assertTrue(v.is_identity(v.decode_point(CANONICAL_IDENTITY)))
        self.assertIsNone(v.decode_point(NONCANONICAL_IDENTITY))  # y >= p
        self.assertIsNone(v.decode_point((1 | (1 << 255)).to_bytes(32, "little")))  # x = 0, sign 1
        self.assertIsNone(v.decode_point((2).to_bytes(32, "little")))  # y = 2 is not on the curve
        self.assertIsNone(v.decode_point(b"\xff" * 32))  # y = 2^255 - 1 >= p

    def test_rejects_noncanonical_r(self):
        # R = identity, i.e. nonce r = 0. The canonical encoding verifies; the same point
        # encoded with y = p + 1 must be rejected, not reduced mod p.
        seed = bytes.fromhex(RFC8032[0][0])
        pub, good = sign_with(seed, b"m", 0, CANONICAL_IDENTITY)
        self.assertTrue(v.ed25519_verify(pub, b"m", good))
        pub, bad = sign_with(seed, b"m", 0, NONCANONICAL_IDENTITY)
        self.assertFalse(v.ed25519_verify(pub, b"m", bad))

    def test_rejects_noncanonical_a(self):
        # A = identity (a weak key, which RFC 8032 does not forbid): R = [s]B, S = s verifies
        # for any message when A is encoded canonically; the non-canonical encoding is rejected.
        s = 12345
        sig = encode_point(v.scalar_mult(s, v.BASE)) + s.to_bytes(32, "little")
        self.assertTrue(v.ed25519_verify(CANONICAL_IDENTITY, b"m", sig))
        self.assertFalse(v.ed25519_verify(NONCANONICAL_IDENTITY, b"m", sig))

    def test_cofactored_equation(self):
        # R = [r]B + T with T of order 8: [S]B = R + [k]A fails (cofactorless), but
        # [8][S]B = [8]R + [8][k]A holds. This verifier documents itself as cofactored.
        seed = bytes.fromhex(RFC8032[1][0])
        t = torsion_point_of_order_8()
        pub, sig = sign_with(seed, b"m", 777, extra_r_point=t)
        self.assertTrue(v.ed25519_verify(pub, b"m", sig))
        r_point = v.decode_point(sig[:32])
        k = int.from_bytes(hashlib.sha512(sig[:32] + pub + b"m").digest(), "little") % v.L
        s = int.from_bytes(sig[32:], "little")
        lhs = v.scalar_mult(s, v.BASE)
        rhs = v.point_add(r_point, v.scalar_mult(k, v.decode_point(pub)))
        self.assertFalse(v.is_identity(v.point_add(lhs, v.point_neg(rhs))), "cofactorless check should fail")


# The example of golang.org/x/mod/sumdb/note and c2sp.org/signed-note implementations.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY_SEED_B64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"  # from PRIVATE+KEY+PeterNeumann+c74f20a3+...
GO_NOTE = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


class KeysAndNotes(unittest.TestCase):
    def test_go_signed_note_example(self):
        key = v.parse_verifier_key(GO_VKEY)  # also checks the key ID against name + key
        self.assertEqual((key["name"], key["id"].hex()), ("PeterNeumann", "c74f20a3"))
        seed = base64.b64decode(GO_SKEY_SEED_B64)[1:]
        self.assertEqual(encode_point(v.scalar_mult(secret_scalar(seed)[0], v.BASE)), key["public_key"])
        body, sigs = v.parse_signed_note(GO_NOTE)
        self.assertTrue(body.endswith("problem is.\n"))
        self.assertEqual([(n, k.hex()) for n, k, _ in sigs], [("PeterNeumann", "c74f20a3")])
        v.check_signatures(body, "PeterNeumann", sigs, [key])  # raises unless valid

    def test_note_signature_checks(self):
        key = v.parse_verifier_key(GO_VKEY)
        body, sigs = v.parse_signed_note(GO_NOTE)
        with self.assertRaises(v.Failed) as e:
            v.check_signatures(body.replace("problem,", "problem;"), "PeterNeumann", sigs, [key])
        self.assertEqual(e.exception.step, "signature")
        with self.assertRaises(v.Failed) as e:  # a trusted key, but not named like the origin
            v.check_signatures(body, "someone.else", sigs, [key])
        self.assertEqual(e.exception.step, "trust")
        unknown = [("PeterNeumann", b"\x00\x00\x00\x00", sigs[0][2])]  # same name, other ID: ignored
        with self.assertRaises(v.Failed) as e:
            v.check_signatures(body, "PeterNeumann", unknown, [key])
        self.assertEqual(e.exception.step, "trust")
        v.check_signatures(body, "PeterNeumann", unknown + sigs, [key])

    def test_malformed_notes(self):
        for bad in [
            GO_NOTE.replace("\n\n", "\n"),  # no blank line
            GO_NOTE[:-1],  # signature block without final newline
            GO_NOTE.replace("\u2014 ", "-- "),  # not an em dash
            GO_NOTE.replace("x08go", "x08g*"),  # not base64
            GO_NOTE.replace("problem,", "problem,\t"),  # control character
        ]:
            with self.assertRaises(v.Malformed, msg=repr(bad)):
                v.parse_signed_note(bad)

    def test_verifier_key_strings(self):
        raw = base64.b64decode(GO_SKEY_SEED_B64)  # any 0x01 || 32 bytes, here with '+' in base64
        kid = v.key_id("example.org/log", raw[1:]).hex()
        key = v.parse_verifier_key(f"example.org/log+{kid}+{GO_SKEY_SEED_B64}")
        self.assertEqual(key["public_key"], raw[1:])
        for bad in [
            GO_VKEY.replace("c74f20a3", "c74f20a4"),  # key ID does not match
            GO_VKEY.replace("c74f20a3", "C74F20A3"),  # hex is lowercase
            GO_VKEY.replace("+ARpc", "+AhRpc"),  # not 0x01 || 32 bytes
            "Peter Neumann" + GO_VKEY[len("PeterNeumann") :],  # space in name
            GO_VKEY.replace("+c74f20a3", ""),
        ]:
            with self.assertRaises(v.Malformed, msg=bad):
                v.parse_verifier_key(bad)


class Rfc6962InclusionVectors(unittest.TestCase):
    """test/vectors/rfc6962/inclusion (transparency-dev/merkle test data): every case with
    wantErr must be rejected, every other case accepted."""

    def test_vectors(self):
        files = sorted(glob.glob(os.path.join(HERE, "..", "vectors", "rfc6962", "inclusion", "**", "*.json"), recursive=True))
        self.assertGreater(len(files), 20)
        for f in files:
            with open(f, encoding="utf-8") as fh:
                case = json.load(fh)
            self.assertEqual(self.rejected(case), bool(case.get("wantErr")), f)

    @staticmethod
    def rejected(case):
        b64 = lambda s: base64.b64decode(s) if s else b""  # noqa: E731
        root, leaf, path = b64(case.get("root")), b64(case.get("leafHash")), [b64(p) for p in case.get("proof") or []]
        if any(len(h) != 32 for h in [root, leaf, *path]):
            return True  # the receipt parser accepts only 32-byte hashes
        try:
            v.check_inclusion("batch", "leaf", case["leafIdx"], case["treeSize"], leaf, path, root)
        except v.Failed:
            return True
        return False


def batch():
    cases = json.load(sys.stdin)
    out = [v.ed25519_verify(bytes.fromhex(c["pub"]), bytes.fromhex(c["msg"]), bytes.fromhex(c["sig"])) for c in cases]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1:] == ["batch"]:
        batch()
    elif sys.argv[1:] == ["selftest"]:
        result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
        sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
    else:
        print("usage: ed25519_check.py selftest|batch", file=sys.stderr)
        sys.exit(2)
