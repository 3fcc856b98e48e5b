import type { Location } from './segment-log.ts';

const SEGMENT_SHIFT = 2 ** 32;

/**
 * Where each message of one consultation sits on disk, by `seq - 1`, in typed arrays: a
 * busy node holds millions of these, and as objects every one would be a young-generation
 * survivor the scavenger copies (measured: 12–14 ms scavenges under a 5,000 msg/s relay).
 * A hole (a write still in flight) has length 0; every stored record has a header, so a
 * real location never does.
 */
export class LocationList {
  private positions = new Float64Array(16);
  private lengths = new Uint32Array(16);
  /** One past the highest seq set so far. */
  size = 0;

  set(index: number, loc: Location): void {
    if (index >= this.positions.length) this.grow(index + 1);
    this.positions[index] = loc.segment * SEGMENT_SHIFT + loc.offset;
    this.lengths[index] = loc.length;
    this.size = Math.max(this.size, index + 1);
  }

  /** Marks `index` as taken while its write is in flight. */
  reserve(index: number): void {
    if (index >= this.positions.length) this.grow(index + 1);
    this.size = Math.max(this.size, index + 1);
  }

  get(index: number): Location | undefined {
    if (index < 0 || index >= this.size) return undefined;
    const length = this.lengths[index] as number;
    if (length === 0) return undefined;
    const position = this.positions[index] as number;
    return { segment: Math.floor(position / SEGMENT_SHIFT), offset: position % SEGMENT_SHIFT, length };
  }

  private grow(needed: number): void {
    let capacity = this.positions.length * 2;
    while (capacity < needed) capacity *= 2;
    const positions = new Float64Array(capacity);
    positions.set(this.positions);
    const lengths = new Uint32Array(capacity);
    lengths.set(this.lengths);
    this.positions = positions;
    this.lengths = lengths;
  }
}
