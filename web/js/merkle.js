// web/js/merkle.js: the ledger's math, checked in the browser with WebCrypto alone (no trust
// in the server): RFC 6962 leaf and node hashes, the tree head of N leaves, inclusion proofs
// (RFC 9162 2.1.3.2), and the Ed25519 signed note of a checkpoint (c2sp.org/signed-note,
// docs/LEDGER.md).

const te = new TextEncoder();

export function hasCrypto() {
  return Boolean(globalThis.crypto && crypto.subtle);
}

export function b64decode(s) {
  const bin = atob(String(s).trim());
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function b64encode(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

function concat(...parts) {
  const n = parts.reduce((k, p) => k + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

/** SHA-256(0x00 || UTF-8 bytes of the entry's text). */
export const leafHash = (entryText) => sha256(concat(LEAF, te.encode(entryText)));
/** SHA-256(0x01 || left || right). */
export const nodeHash = (l, r) => sha256(concat(NODE, l, r));

/** The Merkle tree head of `leaves` (RFC 6962 2.1: split at the largest power of two below
 * n), built left to right with a stack of perfect subtrees. */
export async function treeHead(leaves) {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  const stack = []; // [hash, size]
  for (const leaf of leaves) {
    let node = leaf;
    let size = 1;
    while (stack.length && stack[stack.length - 1][1] === size) {
      const [left] = stack.pop();
      node = await nodeHash(left, node);
      size *= 2;
    }
    stack.push([node, size]);
  }
  let root = stack.pop()[0];
  while (stack.length) root = await nodeHash(stack.pop()[0], root);
  return root;
}

/** 1 when `path` (hashes, leaf side first) proves leaf `index` of a tree of `size` leaves
 * with head `root` (RFC 9162 2.1.3.2). */
export async function verifyInclusion(index, size, leaf, path, root) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/** Parses a signed checkpoint note: {body (signed text, final newline included), origin,
 * size, root (bytes), time, sigs: [{name, keyHash (bytes), sig (bytes)}]}; throws Error
 * naming what is wrong. */
export function parseCheckpoint(note) {
  const sep = note.indexOf('\n\n');
  if (sep < 0) throw new Error('no blank line before the signatures');
  const body = note.slice(0, sep + 1);
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw new Error('fewer than three body lines');
  const [origin, sizeLine, rootLine, ...rest] = lines;
  if (!/^\d+$/.test(sizeLine)) throw new Error(`size line "${sizeLine}"`);
  const root = b64decode(rootLine);
  if (root.length !== 32) throw new Error('root is not 32 bytes');
  const timeLine = rest.find((l) => l.startsWith('time ')) || '';
  const sigs = [];
  for (const line of note.slice(sep + 2).split('\n')) {
    if (line === '') continue;
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error(`signature line "${line.slice(0, 40)}"`);
    const blob = b64decode(m[2]);
    if (blob.length !== 68) throw new Error('signature is not 4 + 64 bytes');
    sigs.push({ name: m[1], keyHash: blob.slice(0, 4), sig: blob.slice(4) });
  }
  if (sigs.length === 0) throw new Error('no signature');
  return { body, origin, size: Number(sizeLine), root, time: timeLine.slice(5), sigs };
}

/** Checks a parsed checkpoint against the raw Ed25519 public key `pub` (32 bytes):
 * {ok, keyId (hex SHA-256 of pub), why (dictionary key) , vars}. */
export async function verifyCheckpoint(cp, pub, claimedKeyId) {
  const keyId = hex(await sha256(pub));
  if (claimedKeyId && claimedKeyId.toLowerCase() !== keyId) return { ok: false, keyId, why: 'why.keyid' };
  const expected = `custody/${keyId.slice(0, 16)}`;
  if (cp.origin !== expected) return { ok: false, keyId, why: 'why.origin', vars: { origin: cp.origin } };
  const sig = cp.sigs.find((s) => s.name === cp.origin);
  if (!sig) return { ok: false, keyId, why: 'why.keyhash' };
  const kh = (await sha256(concat(te.encode(sig.name), new Uint8Array([0x0a, 0x01]), pub))).slice(0, 4);
  if (!equal(kh, sig.keyHash)) return { ok: false, keyId, why: 'why.keyhash' };
  const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
  const good = await crypto.subtle.verify({ name: 'Ed25519' }, key, sig.sig, te.encode(cp.body));
  return good ? { ok: true, keyId } : { ok: false, keyId, why: 'why.sig' };
}
