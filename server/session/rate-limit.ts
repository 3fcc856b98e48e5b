/**
 * Misbehaviour forgiven slowly: each strike counts one, `forgivenPerSec` are forgotten each
 * second, and past `limit` the client is cut. Nothing the client does in between (a frame that
 * gets through) wipes the count: a client alternating good and bad frames still reaches it.
 */
export class Strikes {
  private count = 0;
  private last: number;

  constructor(
    private readonly limit: number,
    private readonly forgivenPerSec: number,
    now: number,
  ) {
    this.last = now;
  }

  /** Counts one strike; true once past the limit. */
  add(now: number): boolean {
    this.count = Math.max(0, this.count - ((now - this.last) * this.forgivenPerSec) / 1000) + 1;
    this.last = now;
    return this.count > this.limit;
  }
}
