import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { open, seal, SEAL_OVERHEAD } from './aead.ts';
import { ChunkOpener, ChunkSealer, HEADER_BYTES } from './chunked.ts';
import { Keyring } from './data-keys.ts';
import { createMasterKeyFile, loadMasterKeys, retireMasterKeys, rotateMasterKeyFile } from './master-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'lawline-crypto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sealed records', () => {
  const key = randomBytes(32);
  const body = Buffer.from('我的工资被拖欠了三个月 — my wages are three months late');

  it('open only with the key and the place they were sealed for', () => {
    const sealed = seal(key, body, 'c-1/7');
    expect(sealed.length).toBe(body.length + SEAL_OVERHEAD);
    expect(sealed.includes(body.subarray(0, 8))).toBe(false);
    expect(open(key, sealed, 'c-1/7')).toEqual({ ok: true, value: body });
    expect(open(key, sealed, 'c-1/8')).toEqual({ ok: false, error: 'forged' });
    expect(open(randomBytes(32), sealed, 'c-1/7')).toEqual({ ok: false, error: 'forged' });
    // Two seals of the same words differ (a fresh nonce each), so equal bodies are not visible as such.
    expect(seal(key, body, 'c-1/7').equals(sealed)).toBe(false);
  });

  it('detect a flipped byte anywhere, and say what is not a sealed record', () => {
    const sealed = seal(key, body, 'c-1/7');
    for (let i = 1; i < sealed.length; i++) {
      const flipped = Buffer.from(sealed);
      flipped[i] = (flipped[i] ?? 0) ^ 0x01;
      expect(open(key, flipped, 'c-1/7').ok, `byte ${i}`).toBe(false);
    }
    const versioned = Buffer.from(sealed);
    versioned[0] = 9;
    expect(open(key, versioned, 'c-1/7')).toEqual({ ok: false, error: 'unknown-version' });
    expect(open(key, sealed.subarray(0, 20), 'c-1/7')).toEqual({ ok: false, error: 'too-short' });
  });
});

describe('master keys and data keys', () => {
  it('are made private, and a key file others can read is refused with the fix', () => {
    const path = join(dir, 'master-0600');
    const mask = process.umask(0);
    try {
      createMasterKeyFile(path);
    } finally {
      process.umask(mask);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(() => createMasterKeyFile(path)).toThrow(/EEXIST/);
    chmodSync(path, 0o644);
    expect(loadMasterKeys(path)).toEqual({ ok: false, error: `${path}: group or others may read the master key (mode 644): chmod 600 ${path}` });
    const bad = join(dir, 'master-bad');
    writeFileSync(bad, '# comment\nnot-a-key\n', { mode: 0o600 });
    expect(loadMasterKeys(bad)).toMatchObject({ ok: false, error: expect.stringContaining(`${bad}:2: expected a base64 key of 32 bytes`) });
    writeFileSync(bad, '# only a comment\n', { mode: 0o600 });
    expect(loadMasterKeys(bad)).toMatchObject({ ok: false, error: expect.stringContaining('holds no key') });
  });

  it('wrap a key per consultation that opens after a restart, for that consultation only', () => {
    const masters = createMasterKeyFile(join(dir, 'master-a'));
    const { key, wrapped } = new Keyring(masters).create('c-1');
    expect(wrapped.length).toBe(8 + 32 + SEAL_OVERHEAD);
    const restarted = new Keyring(masters);
    expect(restarted.unwrap('c-1', wrapped)).toEqual({ ok: true, value: key });
    expect(new Keyring(masters).unwrap('c-2', wrapped)).toEqual({ ok: false, error: 'forged' });
  });

  it('survive a rotation: old records still read, re-wrapping moves keys to the new master, then the old one can go', () => {
    const path = join(dir, 'master-rotate');
    const first = createMasterKeyFile(path);
    const before = new Keyring(first).create('c-old');
    const rotated = rotateMasterKeyFile(path);
    expect(rotated.current.id).not.toBe(first.current.id);
    expect(rotated.byId.has(first.current.id)).toBe(true);
    const ring = new Keyring(rotated);
    expect(ring.unwrap('c-old', before.wrapped)).toEqual({ ok: true, value: before.key });
    const rewrapped = ring.rewrap('c-old', before.wrapped);
    if (!rewrapped.ok || !rewrapped.value) throw new Error('expected a re-wrapped key');
    expect(ring.rewrap('c-old', rewrapped.value)).toEqual({ ok: true, value: undefined });
    const retired = retireMasterKeys(path, () => false);
    expect([...retired.byId.keys()]).toEqual([rotated.current.id]);
    const after = new Keyring(retired);
    expect(after.unwrap('c-old', rewrapped.value)).toEqual({ ok: true, value: before.key });
    // A backup of the data from before the rotation no longer opens with the file as it is now.
    expect(new Keyring(retired).unwrap('c-old', before.wrapped)).toEqual({ ok: false, error: 'unknown-master-key' });
    expect(readFileSync(path, 'utf8')).not.toContain(first.current.key.toString('base64'));
  });
});

describe('chunked blobs', () => {
  const key = randomBytes(32);
  const chunk = 1024;
  const sealBlob = (plain: Buffer, end = true): Buffer => {
    const sealer = new ChunkSealer(key, chunk);
    const parts = [sealer.header];
    // Fed in uneven pieces, as RTP packets come.
    for (let at = 0; at < plain.length; at += 333) parts.push(...sealer.push(plain.subarray(at, at + 333)));
    if (end) parts.push(sealer.end());
    return Buffer.concat(parts);
  };
  const readAll = (file: Buffer) => {
    const opener = ChunkOpener.from(key, file, file.length);
    if (!opener.ok) return opener;
    const chunks = Array.from({ length: opener.value.chunks }, (_, i) => {
      const { offset, length } = opener.value.span(i);
      return opener.value.open(i, file.subarray(offset, offset + length));
    });
    return { ok: true as const, chunks };
  };
  const plainOf = (chunks: { ok: boolean; value?: { bytes: Buffer } }[]) => Buffer.concat(chunks.map((c) => c.value?.bytes ?? Buffer.alloc(0)));

  it('read back whole, at every size around a chunk boundary, and seek by chunk', () => {
    for (const size of [0, 1, chunk - 1, chunk, chunk + 1, 5 * chunk + 512]) {
      const plain = randomBytes(size);
      const read = readAll(sealBlob(plain));
      if (!read.ok) throw new Error(read.error);
      expect(read.chunks.every((c) => c.ok), `size ${size}`).toBe(true);
      expect(plainOf(read.chunks).equals(plain), `size ${size}`).toBe(true);
      expect(read.chunks.at(-1)).toMatchObject({ ok: true, value: { last: true } });
    }
    const plain = randomBytes(5 * chunk + 512);
    const file = sealBlob(plain);
    const opener = ChunkOpener.from(key, file, file.length);
    if (!opener.ok) throw new Error(opener.error);
    const { offset, length } = opener.value.span(3);
    expect(opener.value.open(3, file.subarray(offset, offset + length))).toEqual({ ok: true, value: { bytes: plain.subarray(3 * chunk, 4 * chunk), last: false } });
  });

  it('fail only the chunk with a flipped byte, and notice chunks swapped or appended', () => {
    const file = sealBlob(randomBytes(5 * chunk + 512));
    const flipped = Buffer.from(file);
    flipped.writeUInt8((flipped[HEADER_BYTES + 2 * (chunk + 16) + 5] ?? 0) ^ 0x80, HEADER_BYTES + 2 * (chunk + 16) + 5);
    const read = readAll(flipped);
    if (!read.ok) throw new Error(read.error);
    expect(read.chunks.map((c) => c.ok)).toEqual([true, true, false, true, true, true]);
    expect(read.chunks[2]).toEqual({ ok: false, error: 'forged' });

    const swapped = Buffer.from(file);
    const c1 = file.subarray(HEADER_BYTES + (chunk + 16), HEADER_BYTES + 2 * (chunk + 16));
    const c2 = file.subarray(HEADER_BYTES + 2 * (chunk + 16), HEADER_BYTES + 3 * (chunk + 16));
    c2.copy(swapped, HEADER_BYTES + (chunk + 16));
    c1.copy(swapped, HEADER_BYTES + 2 * (chunk + 16));
    const readSwapped = readAll(swapped);
    expect(readSwapped.ok && readSwapped.chunks.map((c) => c.ok)).toEqual([true, false, false, true, true, true]);

    // A complete blob with another blob's chunk added after its last one.
    const small = sealBlob(randomBytes(chunk + 10));
    const appended = Buffer.concat([small, file.subarray(HEADER_BYTES, HEADER_BYTES + chunk + 16)]);
    const readAppended = readAll(appended);
    expect(readAppended.ok && readAppended.chunks.map((c) => c.ok)).toEqual([true, false, false]);
  });

  it('cut short by a crash still read up to the cut, and say they were cut', () => {
    const plain = randomBytes(4 * chunk);
    const unended = sealBlob(plain, false);
    const read = readAll(unended);
    if (!read.ok) throw new Error(read.error);
    expect(read.chunks.every((c) => c.ok)).toBe(true);
    expect(read.chunks.at(-1)).toMatchObject({ value: { last: false } });
    expect(plainOf(read.chunks).equals(plain.subarray(0, 3 * chunk))).toBe(true);

    const cut = sealBlob(plain).subarray(0, HEADER_BYTES + 2 * (chunk + 16) + 100);
    const readCut = readAll(cut);
    expect(readCut.ok && readCut.chunks.map((c) => (c.ok ? 'ok' : c.error))).toEqual(['ok', 'ok', 'truncated']);
    expect(ChunkOpener.from(key, Buffer.from('not a sealed blob at all'), 24)).toEqual({ ok: false, error: 'not-sealed' });
  });
});
