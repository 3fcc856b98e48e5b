export type CapRefusal = 'total' | 'address';

/**
 * Open connections in all and per client address, with their caps: the total bounds what one
 * node holds (memory, file descriptors), the per-address cap what one machine (or one NAT)
 * may take of it.
 */
export class ConnectionCaps {
  private total = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly maxPerAddress: number,
  ) {}

  /** Counts the connection in, or says which cap refuses it. */
  admit(address: string): CapRefusal | undefined {
    if (this.total >= this.max) return 'total';
    const held = this.byAddress.get(address) ?? 0;
    if (held >= this.maxPerAddress) return 'address';
    this.total++;
    this.byAddress.set(address, held + 1);
    return undefined;
  }

  release(address: string): void {
    const held = this.byAddress.get(address);
    if (held === undefined) return;
    this.total--;
    if (held > 1) this.byAddress.set(address, held - 1);
    else this.byAddress.delete(address);
  }
}
