#!/usr/bin/env node
/**
 * Builds a real notar store with a long chain, fast, for `notar chain verify`
 * figures: `node bench/make-chain.mjs STORE BLOCKS [DOCS_PER_BLOCK] [--dist DIR]`.
 *
 * Stamping 10,000 tiny batches through the CLI costs a process each, and
 * each process's first seal parses the whole chain and builds the history
 * tree (quadratic over the run); this writes the same files directly with the library modules
 * in dist/: a signed leaves file per block, and the chain file with a signed
 * checkpoint after every block. The history root after each block comes from
 * a compact range (the stack of perfect subtrees), so the whole run is
 * linear. The result is indistinguishable from a store built by `notar stamp`
 * (same modules, same formats): `notar chain verify` must accept it.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

function parseArgs(argv) {
  const args = [...argv];
  let dist = new URL('../dist/', import.meta.url).pathname;
  const at = args.indexOf('--dist');
  if (at >= 0) [, dist] = args.splice(at, 2);
  const [store, blocks, perBlock = '1'] = args;
  if (!store || !(Number(blocks) > 0)) {
    process.stderr.write('usage: node bench/make-chain.mjs STORE BLOCKS [DOCS_PER_BLOCK] [--dist DIR]\n');
    process.exit(2);
  }
  return { store: path.resolve(store), blocks: Number(blocks), perBlock: Number(perBlock), dist: path.resolve(dist) };
}

async function load(dist) {
  const mod = (p) => import(pathToFileURL(path.join(dist, p)).href);
  const [crypto, store, leaves, paths, batch, block, chain, checkpoint, note, merkle] = await Promise.all(
    [
      'node/crypto.js',
      'store/store.js',
      'store/leaves.js',
      'store/paths.js',
      'core/batch.js',
      'core/block.js',
      'core/chain.js',
      'core/checkpoint.js',
      'core/note.js',
      'core/merkle.js',
    ].map(mod),
  );
  return {
    nodeCrypto: crypto.nodeCrypto,
    ...store,
    ...leaves,
    ...paths,
    ...batch,
    ...block,
    ...chain,
    ...checkpoint,
    ...note,
    ...merkle,
  };
}

/** Compact range of the history tree: perfect subtree roots, largest first. */
class HistoryRoot {
  stack = [];
  constructor(nodeHash) {
    this.nodeHash = nodeHash;
  }
  push(leaf) {
    let node = { hash: leaf, height: 0 };
    while (this.stack.length && this.stack[this.stack.length - 1].height === node.height) {
      const left = this.stack.pop();
      node = { hash: this.nodeHash(left.hash, node.hash), height: node.height + 1 };
    }
    this.stack.push(node);
  }
  /** RFC 9162 §2.1.1 MTH: fold the subtrees from the right. */
  root() {
    let r = this.stack[this.stack.length - 1].hash;
    for (let i = this.stack.length - 2; i >= 0; i--) r = this.nodeHash(this.stack[i].hash, r);
    return r;
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const m = await load(opts.dist);
  const origin = 'bench.notar.example/chain';
  // node:crypto, passed explicitly to every core call (as the CLI does).
  const c = m.nodeCrypto;
  const signer = m.generateSigner(origin, new Uint8Array(randomBytes(32)), c);
  const store = m.initStore(opts.store, signer, null, c);
  const history = new HistoryRoot((l, r) => m.nodeHash(l, r, c));
  const lines = [];
  const start = Date.parse('2025-01-01T00:00:00Z');
  let last;
  for (let seq = 0; seq < opts.blocks; seq++) {
    const batch = m.buildPackedBatch(new Uint8Array(randomBytes(32 * opts.perBlock)), undefined, c);
    const time = m.formatTime(new Date(start + seq * 1000));
    const block = m.nextBlock(last, batch.count, batch.root, time, c);
    const names = Array.from({ length: batch.count }, (_, i) => `doc-${seq}-${i}.txt`);
    fs.writeFileSync(m.leavesFile(store.paths, seq), m.encodeLeaves(seq, batch, names, signer, c));
    history.push(m.blockHash(block, c));
    const checkpoint = m.signNote(m.formatCheckpoint({ origin, size: seq + 1, root: history.root() }), signer, c);
    lines.push(m.formatChainRecord({ ...block, checkpoint }) + '\n');
    last = block;
  }
  fs.writeFileSync(store.paths.chain, lines.join(''));
  process.stdout.write(signer.text + '\n');
}

await main();
