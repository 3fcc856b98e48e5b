/**
 * The part of the WebSocket API the SDK uses: the browser's global and Node's `ws` both fit.
 * Handler parameters are `never` because each implementation names its own event types; the
 * SDK's handlers read only `data` (message) and `code`/`reason` (close), which both have.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols: string | string[]) => WebSocketLike;

export const OPEN = 1;

/** A message event's payload as bytes (binary frame) or text (JSON frame). */
export function messageBytes(data: unknown): { bytes: Uint8Array; isBinary: boolean } {
  if (typeof data === 'string') return { bytes: new TextEncoder().encode(data), isBinary: false };
  if (data instanceof ArrayBuffer) return { bytes: new Uint8Array(data), isBinary: true };
  if (ArrayBuffer.isView(data)) return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), isBinary: true };
  return { bytes: new Uint8Array(0), isBinary: true };
}
