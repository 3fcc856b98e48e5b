import type { WebSocket } from 'uWebSockets.js';

/** uWS's `send` result when the frame was dropped for backpressure. */
const DROPPED = 2;

interface Pending {
  ws: WebSocket<unknown>;
  frames: (Uint8Array | string)[];
  bytes: number;
  onDropped: () => void;
}

/**
 * Frames sent to one socket in one turn of the event loop leave in one corked write. Most
 * sends follow a group commit, which settles hundreds of requests at once outside uWS's own
 * callbacks; sent one by one, each frame would be its own syscall.
 */
export class OutboundBatcher {
  private readonly dirty = new Map<WebSocket<unknown>, Pending>();
  private scheduled = false;

  enqueue(ws: WebSocket<unknown>, frame: Uint8Array | string, onDropped: () => void): void {
    let pending = this.dirty.get(ws);
    if (!pending) this.dirty.set(ws, (pending = { ws, frames: [], bytes: 0, onDropped }));
    pending.frames.push(frame);
    pending.bytes += typeof frame === 'string' ? frame.length * 3 : frame.byteLength;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  /** Bytes accepted for `ws` but not yet handed to uWS. */
  queuedBytes(ws: WebSocket<unknown>): number {
    return this.dirty.get(ws)?.bytes ?? 0;
  }

  /** Writes what is queued for `ws` now: before a close frame, which must come after them. */
  flush(ws: WebSocket<unknown>): void {
    const pending = this.dirty.get(ws);
    if (!pending) return;
    this.dirty.delete(ws);
    write(pending);
  }

  /** The socket is gone: its queued frames have nowhere to go. */
  discard(ws: WebSocket<unknown>): void {
    this.dirty.delete(ws);
  }

  private flushAll(): void {
    this.scheduled = false;
    const batch = [...this.dirty.values()];
    this.dirty.clear();
    for (const pending of batch) write(pending);
  }
}

function write({ ws, frames, onDropped }: Pending): void {
  let dropped = false;
  ws.cork(() => {
    for (const frame of frames) if (ws.send(frame, typeof frame !== 'string') === DROPPED) dropped = true;
  });
  if (dropped) onDropped();
}
