import { ErrorCode } from '../../protocol/errors.ts';
import type { ReplyData, RequestData, RequestType } from '../../protocol/frames.ts';
import { LawlineError, timeoutError } from './errors.ts';

interface Pending {
  resolve: (data: never) => void;
  reject: (e: LawlineError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** How a frame went out: refused before sending when over the server's frame limit. */
export type Transmit = (frame: { type: RequestType; id: number; data: unknown }) => 'sent' | 'not-open' | 'too-large';

/** Requests waiting for their replies, each with a timeout, and those queued until a hello is answered. */
export class Requests {
  private readonly pending = new Map<number, Pending>();
  private readonly queued: (() => void)[] = [];
  private nextId = 1;

  constructor(
    private readonly timeoutMs: number,
    private readonly transmit: Transmit,
    /** The server's frame limit, for the error that names it. */
    private readonly maxFrameBytes: () => number,
  ) {}

  /** Sends now if `now` (the hello was answered, or this is the hello), else once one is. */
  send<T extends RequestType>(type: T, data: RequestData<T>, now: boolean): Promise<ReplyData<T>> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(timeoutError(type));
      }, this.timeoutMs);
      this.pending.set(id, { resolve: resolve as (d: never) => void, reject, timer });
      const send = () => {
        if (this.pending.has(id) && this.transmit({ type, id, data }) === 'too-large') {
          this.settle(id, new LawlineError(ErrorCode.FRAME_TOO_LARGE, `${type}: frame larger than the server's limit of ${this.maxFrameBytes()} bytes`));
        }
      };
      if (now) send();
      else this.queued.push(send);
    });
  }

  /** A reply came: `error` for a refusal. */
  settle(id: number, error: LawlineError | undefined, data?: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve(data as never);
  }

  /** Sends what waited for the hello. */
  helloAnswered(): void {
    for (const send of this.queued.splice(0)) send();
  }

  /** Fails every request waiting for a reply (or still queued) with `error`; `forGood`: nothing queued is ever sent. */
  failAll(error: LawlineError, forGood: boolean): void {
    if (forGood) this.queued.length = 0;
    for (const id of [...this.pending.keys()]) this.settle(id, error);
  }
}
