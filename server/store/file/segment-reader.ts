import { closeSync, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from './crc32.ts';

const HEADER = 8;
const MAX_RECORD = 16 * 1024 * 1024;
/** Read in 4 MB steps: memory stays bounded whatever the segment size (64 MB by default). */
const CHUNK = 4 * 1024 * 1024;

/** The segment files of a file-store `segments/` directory, oldest first. */
export function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d{6}\.seg$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export interface ScannedRecord {
  payload: Buffer;
  /** Bytes of segments read so far, this record's included (for progress). */
  bytesDone: number;
}

/**
 * Every complete, checksum-valid record of the segments, in order, read in bounded chunks
 * (synchronously: for a worker thread). A torn tail of the newest segment (a crash mid-write)
 * ends the log, as the file store's recovery cut it; a bad record in an older one is corruption.
 */
export function* readSegments(files: readonly string[]): Generator<ScannedRecord> {
  let done = 0;
  for (const [i, file] of files.entries()) {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      let buf = Buffer.alloc(0);
      let pos = 0;
      const fill = (need: number): boolean => {
        if (buf.length >= need) return true;
        const more = Buffer.allocUnsafe(Math.min(Math.max(CHUNK, need - buf.length), size - pos));
        const read = more.length ? readSync(fd, more, 0, more.length, pos) : 0;
        pos += read;
        buf = Buffer.concat([buf, more.subarray(0, read)]);
        return buf.length >= need;
      };
      let valid = 0;
      for (;;) {
        if (!fill(HEADER)) break;
        const length = buf.readUInt32BE(0);
        const crc = buf.readUInt32BE(4);
        if (length > MAX_RECORD || !fill(HEADER + length)) break;
        const payload = Buffer.from(buf.subarray(HEADER, HEADER + length));
        if (crc32(payload) !== crc) break;
        buf = buf.subarray(HEADER + length);
        valid += HEADER + length;
        yield { payload, bytesDone: done + valid };
      }
      if (valid < size && i !== files.length - 1) throw new Error(`store: segment ${file} is corrupt at byte ${valid} and is not the newest one`);
      done += size;
    } finally {
      closeSync(fd);
    }
  }
}
