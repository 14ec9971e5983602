import { ApiError } from "@burrow/cf-api";

/** cloudflared's tunnel secrets are at least 32 bytes (its own `tunnel create` makes 32). */
export const MIN_SECRET_BYTES = 32;
/** Larger secrets buy nothing and bound what a caller can make Burrow store. */
const MAX_SECRET_BYTES = 256;
const IV_BYTES = 12;

/** Standard base64 of bytes (cloudflared's credentials file and token use it). */
export function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * A `tunnel_secret` from a create or patch body: base64 of 32-256 bytes. Absent means 32 fresh
 * random bytes. The value is never quoted back, it is a secret.
 */
export function secretFrom(input: unknown): Uint8Array {
  if (input === undefined || input === null) {
    return crypto.getRandomValues(new Uint8Array(MIN_SECRET_BYTES));
  }
  const bytes = typeof input === "string" ? fromBase64(input) : null;
  if (!bytes || bytes.length < MIN_SECRET_BYTES || bytes.length > MAX_SECRET_BYTES) {
    throw new ApiError(
      400,
      "validation_failed",
      `tunnel_secret must be base64 of ${MIN_SECRET_BYTES}-${MAX_SECRET_BYTES} bytes`,
    );
  }
  return bytes;
}

async function sealingKey(passphrase: string): Promise<CryptoKey> {
  const material = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(passphrase));
  return crypto.subtle.importKey("raw", material, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/**
 * Seals a tunnel secret with AES-GCM under TUNNEL_SECRET_KEY, so the registry holds no usable
 * secret without the Worker's key; null without a key (the token is then shown once).
 */
export async function sealSecret(env: Env, secret: Uint8Array): Promise<string | null> {
  if (!env.TUNNEL_SECRET_KEY) return null;
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const key = await sealingKey(env.TUNNEL_SECRET_KEY);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, secret));
  const out = new Uint8Array(IV_BYTES + sealed.length);
  out.set(iv);
  out.set(sealed, IV_BYTES);
  return base64(out);
}

/** Opens a sealed secret; null when there is none or the key changed since it was sealed. */
export async function openSecret(env: Env, sealed: string | null): Promise<Uint8Array | null> {
  if (!sealed || !env.TUNNEL_SECRET_KEY) return null;
  const bytes = fromBase64(sealed);
  if (!bytes || bytes.length <= IV_BYTES) return null;
  try {
    const key = await sealingKey(env.TUNNEL_SECRET_KEY);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES) },
      key,
      bytes.slice(IV_BYTES),
    );
    return new Uint8Array(plain);
  } catch {
    return null;
  }
}

/** cloudflared's tunnel token: base64 of `{"a": account, "t": tunnel id, "s": base64 secret}`. */
export function tunnelToken(accountTag: string, tunnelId: string, secret: Uint8Array): string {
  return btoa(JSON.stringify({ a: accountTag, t: tunnelId, s: base64(secret) }));
}

/** The credentials file `<uuid>.json` with cloudflared's exact keys. */
export function credentialsFile(
  accountTag: string,
  tunnelId: string,
  tunnelName: string,
  secret: Uint8Array,
) {
  return {
    AccountTag: accountTag,
    TunnelID: tunnelId,
    TunnelName: tunnelName,
    TunnelSecret: base64(secret),
  };
}
