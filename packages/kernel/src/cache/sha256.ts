// SHA-256, three ways, one result. Node's own hash (reached through
// `process.getBuiltinModule`, so nothing is imported and browsers never see it)
// digests in place, without a copy, at native speed. Where it is missing
// (browsers, older Node), Web Crypto (`crypto.subtle`) digests large inputs off
// the main thread (it copies them first); small inputs are digested here,
// synchronously, because each Web Crypto call is a round trip of tens of µs.
// All three compute the same function, so where a fingerprint was computed
// never changes it (a test cross-checks them).

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const W = new Int32Array(64);

function compress(state: Int32Array, block: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++) {
    const j = at + i * 4;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!;
    const b = W[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

const STATE = new Int32Array(8);
const TAIL = new Uint8Array(128);
const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** SHA-256 of `data`, computed here (synchronously). Meant for small inputs. */
export function sha256Sync(data: Uint8Array): Uint8Array {
  const state = STATE;
  for (let i = 0; i < 8; i++) state[i] = INITIAL[i]!;
  const n = data.length;
  const whole = n - (n % 64);
  for (let at = 0; at < whole; at += 64) compress(state, data, at);
  // padding: 0x80, zeros, then the length in bits as a big-endian 64-bit number
  const rest = n - whole;
  const tailLength = rest < 56 ? 64 : 128;
  const tail = TAIL;
  tail.fill(0);
  tail.set(data.subarray(whole));
  tail[rest] = 0x80;
  const high = Math.floor(n / 0x20000000);
  const low = (n * 8) >>> 0;
  tail[tailLength - 8] = high >>> 24;
  tail[tailLength - 7] = high >>> 16;
  tail[tailLength - 6] = high >>> 8;
  tail[tailLength - 5] = high;
  tail[tailLength - 4] = low >>> 24;
  tail[tailLength - 3] = low >>> 16;
  tail[tailLength - 2] = low >>> 8;
  tail[tailLength - 1] = low;
  for (let at = 0; at < tailLength; at += 64) compress(state, tail, at);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = state[i]!;
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = v >>> 16;
    out[i * 4 + 2] = v >>> 8;
    out[i * 4 + 3] = v;
  }
  return out;
}

interface Subtle {
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
}
interface NodeCrypto {
  createHash(algorithm: "sha256"): { update(data: Uint8Array): { digest(): Uint8Array } };
  /** One-shot digest (Node 20.12+): no Hash object, and the text made natively. */
  hash?(algorithm: "sha256", data: Uint8Array, encoding: "base64url"): string;
}

/** Web Crypto's digest, when this realm has it (browsers offer it in secure contexts only). */
const subtle: Subtle | undefined = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;

/** Node's crypto module (Node 20.16+, Bun, Deno), when the runtime offers it without an import. */
const nodeCrypto: NodeCrypto | undefined = (() => {
  try {
    const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const m = p?.getBuiltinModule?.("crypto") as NodeCrypto | undefined;
    return typeof m?.createHash === "function" ? m : undefined;
  } catch {
    return undefined;
  }
})();

/** Below this, hashing here beats a call into Node's hash. */
const NODE_DIGEST_MIN_BYTES = 128;

/** Inputs at least this large are digested by Web Crypto when Node's hash is missing; smaller ones here. */
export const NATIVE_DIGEST_MIN_BYTES = 4 * 1024;

/**
 * SHA-256 of `data`. Reads `data` before returning (Web Crypto copies its input
 * when called), so the caller may change the bytes afterwards.
 */
export function sha256(data: Uint8Array): Uint8Array | Promise<Uint8Array> {
  if (nodeCrypto) return data.byteLength < NODE_DIGEST_MIN_BYTES ? sha256Sync(data) : nodeCrypto.createHash("sha256").update(data).digest();
  if (subtle === undefined || data.byteLength < NATIVE_DIGEST_MIN_BYTES) return sha256Sync(data);
  return subtle.digest("SHA-256", data).then((buf) => new Uint8Array(buf));
}

/** Node's one-shot hash, where it exists: a third of the cost of a Hash object for small inputs. */
const nodeHash = nodeCrypto?.hash?.bind(nodeCrypto);

/**
 * SHA-256 of `data` as unpadded base64url text (what fingerprints are): the
 * same as `toBase64Url(await sha256(data))`, in one native call where Node
 * offers it.
 */
export function sha256Text(data: Uint8Array): string | Promise<string> {
  if (nodeHash) return nodeHash("sha256", data, "base64url");
  const d = sha256(data);
  return d instanceof Uint8Array ? toBase64Url(d) : d.then(toBase64Url);
}

/** Which digest `sha256` uses for large inputs here (for tests and benchmarks). */
export const digestBackend: "node" | "web-crypto" | "js" = nodeCrypto ? "node" : subtle ? "web-crypto" : "js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Unpadded base64url text of a digest: short, and safe in file names and URLs. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]!;
  }
  return out;
}
