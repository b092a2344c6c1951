#!/usr/bin/env node
// Generates test/vectors/notes.json: C2SP signed-note known answers computed
// with node:crypto alone (no notar code), straight from the C2SP signed-note
// text: key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4]; verifier key
// `<name>+<hex ID>+<base64(0x01 || key)>`; signer key `PRIVATE+KEY+<name>+<hex
// ID>+<base64(0x01 || seed)>`; signature line `— <name> <base64(ID || sig)>`
// over the body bytes. Ed25519 is deterministic, so the file is reproducible:
//   node test/core/notes-vectors.gen.mjs > test/vectors/notes.json
import crypto from 'node:crypto';

const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

function key(name, seed) {
  const priv = crypto.createPrivateKey({ key: Buffer.concat([PKCS8, seed]), format: 'der', type: 'pkcs8' });
  const pub = crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(-32);
  const id = crypto
    .createHash('sha256')
    .update(Buffer.concat([Buffer.from(name + '\n', 'utf8'), Buffer.of(1), pub]))
    .digest()
    .subarray(0, 4);
  return {
    name,
    seed: seed.toString('hex'),
    publicKey: pub.toString('hex'),
    keyId: id.toString('hex'),
    verifierKey: `${name}+${id.toString('hex')}+${Buffer.concat([Buffer.of(1), pub]).toString('base64')}`,
    signerKey: `PRIVATE+KEY+${name}+${id.toString('hex')}+${Buffer.concat([Buffer.of(1), seed]).toString('base64')}`,
    priv,
    id,
  };
}

function sigLine(k, body) {
  const sig = crypto.sign(null, Buffer.from(body, 'utf8'), k.priv);
  return `\u2014 ${k.name} ${Buffer.concat([k.id, sig]).toString('base64')}\n`;
}

const fixed = key('notary.example.gov/test', Buffer.alloc(32, 0x01));
const witness = key('witness.example.org', Buffer.alloc(32, 0x02));

// The first seed 0x03.., 0x04.., … whose verifier key's base64 holds a '+'.
let plus;
for (let b = 3; !plus; b++) {
  const k = key('plus.example.net/log', Buffer.alloc(32, b));
  if (k.verifierKey.split('+').length > 3 && k.signerKey.split('+').length > 5) plus = k;
}

const root = crypto.createHash('sha256').update('notar notes.json vector root').digest();
const checkpointBody = `${fixed.name}\n1\n${root.toString('base64')}\n`;
const textBody = 'notar signed-note vector\nsecond line, UTF-8: \u00e9\u2713\n';
const plusBody = `${plus.name}\n42\n${root.toString('base64')}\n`;

// The example of golang.org/x/mod/sumdb/note (package doc, TestSign).
// Written here as published, then re-derived: the generator refuses to emit
// it unless node:crypto reproduces every part from the signer key's seed.
const go = {
  source: 'golang.org/x/mod/sumdb/note: package documentation and note_test.go TestSign',
  verifierKey: 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
  signerKey: 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz',
  body: "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n",
  signatureLine:
    '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n',
};
{
  const seed = Buffer.from(go.signerKey.slice('PRIVATE+KEY+PeterNeumann+c74f20a3+'.length), 'base64').subarray(1);
  const k = key('PeterNeumann', seed);
  if (k.verifierKey !== go.verifierKey || k.signerKey !== go.signerKey || sigLine(k, go.body) !== go.signatureLine) {
    throw new Error('node:crypto does not reproduce the Go sumdb/note example');
  }
}

const pub = ({ priv: _p, id: _i, ...k }) => k;
const out = {
  description:
    'C2SP signed-note known answers, computed with node:crypto only by test/core/notes-vectors.gen.mjs (Ed25519 is deterministic). ' +
    'keys[].seed and publicKey are hex; notes[].signed = body + "\\n" + one signature line per signer, in order.',
  keys: [pub(fixed), pub(witness), pub(plus)],
  notes: [
    { signers: [fixed.name], body: checkpointBody, signed: checkpointBody + '\n' + sigLine(fixed, checkpointBody) },
    { signers: [fixed.name], body: textBody, signed: textBody + '\n' + sigLine(fixed, textBody) },
    {
      signers: [fixed.name, witness.name],
      body: checkpointBody,
      signed: checkpointBody + '\n' + sigLine(fixed, checkpointBody) + sigLine(witness, checkpointBody),
    },
    { signers: [plus.name], body: plusBody, signed: plusBody + '\n' + sigLine(plus, plusBody) },
  ],
  go,
};
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
