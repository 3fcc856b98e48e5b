import { randomBytes } from 'node:crypto';
import { err, ok, type Result } from '../../../protocol/result.ts';
import { KEY_BYTES, open, seal, type OpenError } from './aead.ts';
import { KEY_ID_BYTES, type MasterKeys } from './master-keys.ts';

/**
 * Each consultation's data key, kept beside its records only wrapped: the master key's id
 * (8 bytes) ‖ the key sealed under that master key, bound to the consultation (60 bytes in all).
 * Destroying the wrapped key destroys the records, wherever copies of them went.
 */
export type WrappedKey = Buffer;
export type UnwrapError = OpenError | 'unknown-master-key';

const aad = (subject: string) => `lawline/data-key/v1/${subject}`;

export class Keyring {
  /** Unwrapped keys of recently used consultations, least recently used first. */
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private masters: MasterKeys,
    // 4,096 keys are 128 KiB of key material plus the map: more than the consultations a node has open.
    private readonly cacheSize = 4096,
  ) {}

  get currentMasterId(): string {
    return this.masters.current.id;
  }

  /** After a rotation: new keys are wrapped under the new current key; old ones still unwrap. */
  useMasterKeys(masters: MasterKeys): void {
    this.masters = masters;
  }

  create(subject: string): { key: Buffer; wrapped: WrappedKey } {
    const key = randomBytes(KEY_BYTES);
    this.remember(subject, key);
    return { key, wrapped: this.wrap(subject, key) };
  }

  unwrap(subject: string, wrapped: WrappedKey): Result<Buffer, UnwrapError> {
    const cached = this.cache.get(subject);
    if (cached) {
      this.cache.delete(subject);
      this.cache.set(subject, cached);
      return ok(cached);
    }
    const master = this.masters.byId.get(wrapped.subarray(0, KEY_ID_BYTES).toString('hex'));
    if (!master) return err('unknown-master-key');
    const key = open(master.key, wrapped.subarray(KEY_ID_BYTES), aad(subject));
    if (key.ok) this.remember(subject, key.value);
    return key;
  }

  /** The key wrapped under the current master key, or undefined when it already is. */
  rewrap(subject: string, wrapped: WrappedKey): Result<WrappedKey | undefined, UnwrapError> {
    if (wrapped.subarray(0, KEY_ID_BYTES).toString('hex') === this.masters.current.id) return ok(undefined);
    const key = this.unwrap(subject, wrapped);
    return key.ok ? ok(this.wrap(subject, key.value)) : key;
  }

  /** A purged consultation's key must not outlive it in memory either. */
  forget(subject: string): void {
    this.cache.get(subject)?.fill(0);
    this.cache.delete(subject);
  }

  private wrap(subject: string, key: Buffer): WrappedKey {
    return Buffer.concat([Buffer.from(this.masters.current.id, 'hex'), seal(this.masters.current.key, key, aad(subject))]);
  }

  private remember(subject: string, key: Buffer): void {
    this.cache.set(subject, key);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}
