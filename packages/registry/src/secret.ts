// Runs in workerd and in Node 20 alike (both expose Web Crypto as the global `crypto`): no
// `node:crypto`, and no `crypto.subtle.timingSafeEqual`, which is a workerd-only extension.

const SHA256_BYTES = 32;

/** Hex SHA-256 of a tunnel secret: the only form in which a secret is ever stored. */
export async function hashSecret(secret: Uint8Array): Promise<string> {
  return toHex(await sha256(secret));
}

/**
 * True when `secret` hashes to `expectedHashHex`, compared in constant time.
 * Both sides are 32-byte digests, so the comparison takes the same time whatever was presented.
 */
export async function secretMatches(secret: Uint8Array, expectedHashHex: string): Promise<boolean> {
  // Hashing first, whatever the input's length, means neither the secret's length nor how many of
  // its leading bytes are right changes how long the comparison below takes.
  const actual = await sha256(secret);
  const expected = fromHex(expectedHashHex);
  // XOR every byte of both fixed-length digests and OR the differences together: no early exit,
  // so the time taken never tells an attacker how long a prefix they guessed right.
  let difference = expected.valid ? 0 : 1;
  for (let index = 0; index < SHA256_BYTES; index++) {
    difference |= (actual[index] ?? 0) ^ (expected.bytes[index] ?? 0);
  }
  return difference === 0;
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

// Always yields 32 bytes so the comparison loop keeps its shape; a malformed stored hash (wrong
// length or non-hex characters) is reported through `valid` instead of throwing.
function fromHex(hex: string): { bytes: Uint8Array; valid: boolean } {
  const bytes = new Uint8Array(SHA256_BYTES);
  let valid = hex.length === SHA256_BYTES * 2;
  for (let index = 0; index < SHA256_BYTES; index++) {
    const byte = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
    if (Number.isNaN(byte)) valid = false;
    else bytes[index] = byte;
  }
  if (!/^[0-9a-fA-F]*$/.test(hex)) valid = false;
  return { bytes, valid };
}
