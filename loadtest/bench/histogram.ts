/**
 * A log-bucketed latency histogram (1% relative precision), mergeable across processes by
 * adding counts per bucket: percentiles come from merged histograms, never from averaging
 * each process's percentiles.
 */
const GROWTH = Math.log(1.01);

export interface HistogramData {
  /** bucket index -> count; a bucket's upper bound is 1.01^index microseconds */
  buckets: Record<string, number>;
  count: number;
  max: number;
}

export class Histogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  max = 0;

  /** Records one latency in microseconds. */
  record(us: number): void {
    const index = us <= 1 ? 0 : Math.ceil(Math.log(us) / GROWTH);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
    this.count++;
    if (us > this.max) this.max = us;
  }

  merge(other: HistogramData): this {
    for (const [k, v] of Object.entries(other.buckets)) this.buckets.set(Number(k), (this.buckets.get(Number(k)) ?? 0) + v);
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
    return this;
  }

  /** The value at or below which `p` percent of the samples fall (upper bucket bound), in µs. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const target = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index) as number;
      if (seen >= target) return Math.min(Math.exp(index * GROWTH), this.max);
    }
    return this.max;
  }

  toJSON(): HistogramData {
    return { buckets: Object.fromEntries(this.buckets), count: this.count, max: this.max };
  }

  static from(data: HistogramData): Histogram {
    return new Histogram().merge(data);
  }
}
