// C2SP tlog-policy: parsing (the spec's example shape, every refusal rule),
// quorum evaluation over nested groups, and checking a cosigned checkpoint.
import { describe, expect, it } from 'vitest';
import { cosign, cosignerFromSeed } from '../../src/core/cosignature.js';
import { signerFromSeed, signNote } from '../../src/core/note.js';
import { checkCheckpoint, formatPolicy, parsePolicy, quorumMet } from '../../src/core/policy.js';

const log = signerFromSeed('notary.example.gov/test', new Uint8Array(32).fill(1));
const ws = [2, 3, 4, 5, 6, 7].map((b, i) => cosignerFromSeed(`w${i + 1}.example.gov/w`, new Uint8Array(32).fill(b)));
const body = 'notary.example.gov/test\n2\nP9hdxeD42S9WsGlzWJRuz5SwzemAkHPfePClZwVa1nA=\n';

// The example of the tlog-policy text, with real keys.
const example = `# two organisations
log ${log.text}

witness X1 ${ws[0].text}
witness X2 ${ws[1].text}
witness X3 ${ws[2].text}
group X-witnesses 2 X1 X2 X3

\twitness Y1 ${ws[3].text} https://y1.example/
witness Y2 ${ws[4].text}
witness Y3 ${ws[5].text}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
`;

describe('parsePolicy', () => {
  it('reads the tlog-policy example: logs, witnesses with URLs, groups and quorum', () => {
    const p = parsePolicy(example);
    expect(p.logs.map((l) => l.key.text)).toEqual([log.text]);
    expect(p.witnesses.map((w) => w.name)).toEqual(['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3']);
    expect(p.witnesses[3].url).toBe('https://y1.example/');
    expect(p.groups).toEqual([
      { name: 'X-witnesses', k: 2, members: ['X1', 'X2', 'X3'] },
      { name: 'Y-witnesses', k: 1, members: ['Y1', 'Y2', 'Y3'] },
      { name: 'X-and-Y', k: 2, members: ['X-witnesses', 'Y-witnesses'] },
    ]);
    expect(p.quorum).toBe('X-and-Y');
    expect(parsePolicy(formatPolicy(p))).toEqual(p);
  });

  it('accepts quorum none with no witnesses', () => {
    expect(parsePolicy(`log ${log.text}\nquorum none\n`).quorum).toBe('none');
  });

  const refused: [string, string, RegExp][] = [
    ['no quorum', `log ${log.text}\n`, /no quorum/],
    ['two quorums', `witness a ${ws[0].text}\nquorum a\nquorum a\n`, /second quorum/],
    ['forward reference', `quorum a\nwitness a ${ws[0].text}\n`, /not defined/],
    ['group member undefined', `group g any a\nquorum g\n`, /not a witness or group/],
    ['none as member', `witness a ${ws[0].text}\ngroup g any a none\nquorum g\n`, /not a witness or group/],
    ['member twice', `witness a ${ws[0].text}\ngroup g 1 a a\nquorum g\n`, /twice/],
    ['k too large', `witness a ${ws[0].text}\ngroup g 2 a\nquorum g\n`, /threshold/],
    ['k zero', `witness a ${ws[0].text}\ngroup g 0 a\nquorum g\n`, /threshold/],
    ['duplicate name', `witness a ${ws[0].text}\nwitness a ${ws[1].text}\nquorum a\n`, /already defined/],
    ['duplicate witness key', `witness a ${ws[0].text}\nwitness b ${ws[0].text}\nquorum a\n`, /duplicate witness key/],
    ['duplicate log key', `log ${log.text}\nlog ${log.text}\nquorum none\n`, /duplicate log key/],
    ['log key as witness', `witness a ${log.text}\nquorum a\n`, /type byte 0x01/],
    ['witness key as log', `log ${ws[0].text}\nquorum none\n`, /policy line 1/],
    ['unknown keyword', `logs ${log.text}\nquorum none\n`, /unknown keyword/],
    ['control character', `log ${log.text}\r\nquorum none\n`, /control character/],
    ['name none', `witness none ${ws[0].text}\nquorum none\n`, /already defined/],
  ];
  for (const [what, text, why] of refused) {
    it(`refuses ${what}`, () => expect(() => parsePolicy(text)).toThrow(why));
  }
});

describe('quorumMet', () => {
  const p = parsePolicy(example);
  const cases: [string[], boolean][] = [
    [[], false],
    [['X1', 'X2'], false],
    [['X1', 'Y1'], false],
    [['X1', 'X3', 'Y2'], true],
    [['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3'], true],
  ];
  for (const [set, met] of cases)
    it(`${set.join('+') || 'nobody'} → ${met}`, () => expect(quorumMet(p, new Set(set))).toBe(met));
});

describe('checkCheckpoint', () => {
  const policy = parsePolicy(
    `log ${log.text}\nwitness a ${ws[0].text}\nwitness b ${ws[1].text}\nwitness c ${ws[2].text}\ngroup g 2 a b c\nquorum g\n`,
  );
  const signed = signNote(body, log);

  it('counts valid cosignatures with their times and meets 2 of 3', () => {
    const note = signed + cosign(ws[0], body, 100) + cosign(ws[2], body, 200);
    const r = checkCheckpoint(note, 'notary.example.gov/test', policy);
    expect(r.quorumMet).toBe(true);
    expect(r.cosigners.map((c) => [c.name, c.status, c.time])).toEqual([
      ['a', 'valid', 100],
      ['b', 'missing', undefined],
      ['c', 'valid', 200],
    ]);
  });

  it('reports a forged cosignature as invalid and does not count it', () => {
    const forged = cosign(ws[3], body, 100).replace(ws[3].name, ws[1].name); // right name, wrong key ID and key
    const good = cosign(ws[1], body, 100);
    const tampered = good.slice(0, -6) + (good.at(-6) === 'A' ? 'B' : 'A') + good.slice(-5);
    const r = checkCheckpoint(signed + cosign(ws[0], body, 1) + tampered, 'notary.example.gov/test', policy);
    expect(r.cosigners[1].status).toBe('invalid');
    expect(r.quorumMet).toBe(false);
    // A line naming the witness but with another key ID is not this witness's line.
    expect(checkCheckpoint(signed + forged, 'notary.example.gov/test', policy).cosigners[1].status).toBe('missing');
  });

  it('a bad second line by a witness makes its cosignature invalid, even after a good one', () => {
    const good = cosign(ws[0], body, 5);
    const bad = cosign(ws[0], body.replace('\n2\n', '\n3\n'), 6);
    expect(checkCheckpoint(signed + good + bad, 'notary.example.gov/test', policy).cosigners[0].status).toBe('invalid');
    expect(
      checkCheckpoint(signed + good + cosign(ws[0], body, 3), 'notary.example.gov/test', policy).cosigners[0],
    ).toMatchObject({ status: 'valid', time: 3 });
  });

  it('refuses a cosignature over another checkpoint body', () => {
    const other = body.replace('\n2\n', '\n3\n');
    const r = checkCheckpoint(
      signed + cosign(ws[0], other, 1) + cosign(ws[1], body, 1),
      'notary.example.gov/test',
      policy,
    );
    expect(r.cosigners.map((c) => c.status)).toEqual(['invalid', 'valid', 'missing']);
  });

  it('needs the log signature: untrusted without a log of that origin', () => {
    expect(() => checkCheckpoint(signed, 'other.example/x', policy)).toThrow(/no log key named/);
    const stranger = signerFromSeed('notary.example.gov/test', new Uint8Array(32).fill(9));
    expect(() =>
      checkCheckpoint(signNote(body, stranger) + cosign(ws[0], body, 1), 'notary.example.gov/test', policy),
    ).toThrow(/no signature by a trusted key/);
  });
});

describe('verifyReceiptWithPolicy', async () => {
  const { buildHistory, receiptFor, documentBytes, sha256 } = await import('./helpers.js');
  const { verifyReceiptWithPolicy } = await import('../../src/core/policy-verify.js');
  const { formatReceipt } = await import('../../src/core/receipt.js');
  const h = buildHistory([2, 3]);
  const receipt = receiptFor(h, 1, 2);
  const cpBody = h.checkpoints[1].split('\n\n')[0] + '\n';
  const digest = sha256(documentBytes(1, 2));
  const blockTime = Date.parse(h.blocks[1].time) / 1000;
  const policy = parsePolicy(
    `log ${h.signer.text}\nwitness a ${ws[0].text}\nwitness b ${ws[1].text}\nwitness c ${ws[2].text}\ngroup g 2 a b c\nquorum g\n`,
  );
  const withCosigs = (...lines: string[]) =>
    formatReceipt({ ...receipt, checkpoint: receipt.checkpoint + lines.join('') });

  it('OK with 2 of 3, naming witnesses, times and the earliest', () => {
    const r = verifyReceiptWithPolicy(
      withCosigs(cosign(ws[0], cpBody, blockTime + 60), cosign(ws[2], cpBody, blockTime + 5)),
      digest,
      policy,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.cosigners.filter((c) => c.status === 'valid').map((c) => c.name)).toEqual(['a', 'c']);
    expect(r.witnessedBy).toBe(new Date((blockTime + 5) * 1000).toISOString().replace('.000', ''));
    expect(r.clockWarning).toBeUndefined();
  });

  it('fails at step witness when the quorum is not met, saying who is missing', () => {
    const r = verifyReceiptWithPolicy(withCosigs(cosign(ws[0], cpBody, blockTime)), digest, policy);
    expect(r).toMatchObject({ ok: false, step: 'witness' });
    expect(!r.ok && r.reason).toMatch(/quorum g not met \(valid: a; missing: b, c\)/);
  });

  it('fails at step witness on a forged cosignature even when the quorum holds otherwise', () => {
    const good = cosign(ws[1], cpBody, blockTime);
    const raw = Buffer.from(good.trim().split(' ')[2], 'base64');
    raw[40] ^= 1;
    const forged = `— ${ws[1].name} ${raw.toString('base64')}\n`;
    const r = verifyReceiptWithPolicy(
      withCosigs(cosign(ws[0], cpBody, blockTime), forged, cosign(ws[2], cpBody, blockTime)),
      digest,
      policy,
    );
    expect(r).toMatchObject({ ok: false, step: 'witness' });
    expect(!r.ok && r.reason).toMatch(/cosignature by b does not verify/);
  });

  it('flags a block time later than a witness saw the checkpoint', () => {
    const r = verifyReceiptWithPolicy(
      withCosigs(cosign(ws[0], cpBody, blockTime - 3600), cosign(ws[1], cpBody, blockTime)),
      digest,
      policy,
    );
    expect(r.ok && r.clockWarning).toMatch(/clock is wrong/);
  });

  it('keeps the earlier steps: wrong document, untrusted log; quorum none needs no witness', () => {
    expect(verifyReceiptWithPolicy(withCosigs(), sha256('other'), policy)).toMatchObject({ ok: false, step: 'digest' });
    const other = parsePolicy(`log ${h.signer.text}\nquorum none\n`);
    expect(verifyReceiptWithPolicy(withCosigs(), digest, other).ok).toBe(true);
    const stranger = parsePolicy(
      `log ${signerFromSeed('notary.example.gov/test', new Uint8Array(32).fill(8)).text}\nquorum none\n`,
    );
    expect(verifyReceiptWithPolicy(withCosigs(), digest, stranger)).toMatchObject({ ok: false, step: 'trust' });
  });
});

describe('notar extension #notar-key-until', () => {
  const old = signerFromSeed('notary.example.gov/test', new Uint8Array(32).fill(9));
  const text = `log ${log.text}\nlog ${old.text}\nquorum none\n#notar-key-until ${old.text} 41\n`;

  it('parses, round-trips through formatPolicy, and is a comment once the notar line is dropped', () => {
    const p = parsePolicy(text);
    expect(p.keyRanges).toEqual([{ key: expect.objectContaining({ text: old.text }), until: 41 }]);
    expect(formatPolicy(p)).toBe(text);
    expect(parsePolicy(text.replace(/^#notar-key-until .*$/m, '# other parsers see a comment')).keyRanges).toBe(
      undefined,
    );
  });

  it('refuses a bad size, a second range for one key, and a key that is not a log', () => {
    expect(() => parsePolicy(text.replace(' 41', ' -1'))).toThrow('policy line 4: expected `#notar-key-until');
    expect(() => parsePolicy(text.replace(' 41', ' 1e3'))).toThrow('policy line 4');
    expect(() => parsePolicy(text + `#notar-key-until ${old.text} 2\n`)).toThrow('a second #notar-key-until');
    expect(() => parsePolicy(text.replace(`log ${old.text}\n`, ''))).toThrow('which is not a log key');
  });
});
