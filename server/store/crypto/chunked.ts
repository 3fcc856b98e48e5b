import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { err, ok, type Result } from '../../../protocol/result.ts';
import { TAG_BYTES } from './aead.ts';

/**
 * Long blobs (recordings) sealed in chunks, so that a player can seek and a flipped byte
 * fails only its own chunk: the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015)
 * over AES-256-GCM. File: a header (magic, chunk size, a random 8-byte nonce prefix), then each
 * chunk's ciphertext ‖ tag. Chunk i's nonce is the prefix ‖ i; its associated data is the header ‖ i
 * ‖ whether it is the last, so chunks cannot be reordered, moved to another file, or cut off
 * unnoticed: a file that ends without a last chunk reads as truncated (a crash mid-call), and its
 * whole chunks still open.
 */
const MAGIC = Buffer.from('LLC1');
export const HEADER_BYTES = MAGIC.length + 4 + 8;
/** 64 KiB: a second of 500 kbit/s video per chunk; the tag adds 0.02%. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

function nonce(prefix: Buffer, index: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 8);
  return n;
}

function chunkAad(header: Buffer, index: number, last: boolean): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(index, 0);
  tail[4] = last ? 1 : 0;
  return Buffer.concat([header, tail]);
}

/** Seals a stream chunk by chunk: feed it bytes as they come, and end it once. */
export class ChunkSealer {
  readonly header: Buffer;
  private readonly prefix = randomBytes(8);
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;
  private ended = false;

  constructor(
    private readonly key: Buffer,
    readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    const size = Buffer.alloc(4);
    size.writeUInt32BE(chunkBytes);
    this.header = Buffer.concat([MAGIC, size, this.prefix]);
  }

  /** The sealed chunks these bytes complete (a full chunk is held back until more comes, as it may be the last). */
  push(bytes: Uint8Array): Buffer[] {
    if (this.ended) throw new Error('ChunkSealer.push after end');
    this.pending.push(Buffer.from(bytes));
    this.pendingBytes += bytes.length;
    const out: Buffer[] = [];
    while (this.pendingBytes > this.chunkBytes) out.push(this.sealChunk(this.take(this.chunkBytes), false));
    return out;
  }

  /** The last chunk (possibly of no bytes), which marks the blob complete. */
  end(): Buffer {
    if (this.ended) throw new Error('ChunkSealer.end twice');
    this.ended = true;
    return this.sealChunk(this.take(this.pendingBytes), true);
  }

  private take(n: number): Buffer {
    const all = Buffer.concat(this.pending);
    this.pending = n < all.length ? [all.subarray(n)] : [];
    this.pendingBytes = all.length - n;
    return all.subarray(0, n);
  }

  private sealChunk(plain: Buffer, last: boolean): Buffer {
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce(this.prefix, this.index));
    cipher.setAAD(chunkAad(this.header, this.index, last));
    this.index += 1;
    return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  }
}

export type ChunkError = 'not-sealed' | 'forged' | 'truncated' | 'out-of-range';

/** Reads a sealed blob's chunks by index, from its header and a way to read bytes at an offset. */
export class ChunkOpener {
  private constructor(
    private readonly key: Buffer,
    private readonly header: Buffer,
    readonly chunkBytes: number,
    private readonly prefix: Buffer,
    private readonly fileBytes: number,
  ) {}

  static from(key: Buffer, header: Uint8Array, fileBytes: number): Result<ChunkOpener, ChunkError> {
    const h = Buffer.from(header.subarray(0, HEADER_BYTES));
    if (h.length < HEADER_BYTES || !h.subarray(0, MAGIC.length).equals(MAGIC)) return err('not-sealed');
    const chunkBytes = h.readUInt32BE(MAGIC.length);
    if (chunkBytes === 0) return err('not-sealed');
    return ok(new ChunkOpener(key, h, chunkBytes, h.subarray(MAGIC.length + 4), fileBytes));
  }

  /** Chunks in the file, the last perhaps partial or cut short. */
  get chunks(): number {
    return Math.ceil((this.fileBytes - HEADER_BYTES) / (this.chunkBytes + TAG_BYTES));
  }

  /** Where chunk i lies in the file. */
  span(index: number): { offset: number; length: number } {
    const offset = HEADER_BYTES + index * (this.chunkBytes + TAG_BYTES);
    return { offset, length: Math.min(this.chunkBytes + TAG_BYTES, this.fileBytes - offset) };
  }

  /**
   * Chunk i's plaintext from its sealed bytes (as `span` located them), and whether it is the
   * blob's last: a file whose final chunk is not marked last was cut short (a crash mid-call),
   * and its whole chunks still read. A partial final chunk is cut or forged, which no one can tell apart.
   */
  open(index: number, sealed: Uint8Array): Result<{ bytes: Buffer; last: boolean }, ChunkError> {
    if (index < 0 || index >= this.chunks) return err('out-of-range');
    const bytes = Buffer.from(sealed);
    const final = index === this.chunks - 1;
    if (bytes.length >= TAG_BYTES) {
      for (const last of final ? [true, false] : [false]) {
        const plain = this.tryOpen(index, bytes, last);
        if (plain) return ok({ bytes: plain, last });
      }
    }
    return err(final && bytes.length < this.chunkBytes + TAG_BYTES ? 'truncated' : 'forged');
  }

  private tryOpen(index: number, bytes: Buffer, last: boolean): Buffer | undefined {
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce(this.prefix, index));
    decipher.setAAD(chunkAad(this.header, index, last));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}
