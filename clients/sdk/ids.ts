/** 128 random bits after a one-letter prefix, URL-safe: unique per message or request without coordination. */
export function randomId(prefix: string): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let s = prefix;
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
