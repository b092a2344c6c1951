/**
 * notar core: everything needed to build and check notar v1 receipts, with no
 * I/O and no Node built-ins (runs unchanged in browsers).
 */
export * from './errors.js';
export * from './bytes.js';
export * from './hash.js';
export * from './crypto.js';
export * from './merkle.js';
export * as ed25519 from './ed25519.js';
export { NOBLE_ED25519, type Ed25519Provider } from './ed25519.js';
export * from './note.js';
export * from './checkpoint.js';
export * from './block.js';
export * from './chain.js';
export * from './batch.js';
export * from './receipt.js';
export * from './verify.js';
export * from './consistency.js';
// Witnesses (FORMAT.md §12): cosignature/v1, tlog-policy, tlog-witness.
export * from './cosignature.js';
export * from './policy.js';
export * from './policy-verify.js';
export * from './witness-protocol.js';
export * from './witness.js';
// Published logs (C2SP tlog-tiles).
export * from './tiles.js';
