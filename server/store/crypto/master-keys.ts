import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { err, ok, type Result } from '../../../protocol/result.ts';
import { KEY_BYTES } from './aead.ts';

/**
 * The master keys, which wrap each consultation's data key and nothing else. A key file holds
 * one base64 key per line, the current one first; the lines after it are older keys kept only
 * until every data key they wrap has been re-wrapped under the current one. Lines starting with
 * `#` are comments. Data never moves on a rotation: only the 60-byte wrapped keys do.
 */
export interface MasterKey {
  /** Names the key in each wrapped data key; reveals nothing of it. */
  id: string;
  key: Buffer;
}

export interface MasterKeys {
  current: MasterKey;
  /** Every key by id, the current one included. */
  byId: ReadonlyMap<string, MasterKey>;
}

export const KEY_ID_BYTES = 8;

export function masterKey(key: Buffer): MasterKey {
  const id = createHash('sha256').update('lawline/master-key-id/v1').update(key).digest().subarray(0, KEY_ID_BYTES).toString('hex');
  return { id, key };
}

export function parseMasterKeys(text: string, where: string): Result<MasterKeys, string> {
  const keys: MasterKey[] = [];
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const key = Buffer.from(line, 'base64');
    if (key.length !== KEY_BYTES || key.toString('base64') !== line) return err(`${where}:${n + 1}: expected a base64 key of ${KEY_BYTES} bytes (\`openssl rand -base64 32\`)`);
    keys.push(masterKey(key));
  }
  const [current] = keys;
  if (!current) return err(`${where}: holds no key; put one on the first line (\`openssl rand -base64 32\`)`);
  return ok({ current, byId: new Map(keys.map((k) => [k.id, k])) });
}

/** A key file group or others can read gives the records away with it: refused, with the fix. */
export function loadMasterKeys(path: string): Result<MasterKeys, string> {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return err(`${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (mode & 0o077) return err(`${path}: group or others may read the master key (mode ${(mode & 0o777).toString(8)}): chmod 600 ${path}`);
  return parseMasterKeys(text, path);
}

/** A new file with one fresh key, made 0600 before a byte is in it; fails if the file exists. */
export function createMasterKeyFile(path: string): MasterKeys {
  const key = randomBytes(KEY_BYTES);
  writeDurably(path, `# lawline master key: keep a copy apart from the data (without it no record can be read)\n${key.toString('base64')}\n`, 'wx');
  const current = masterKey(key);
  return { current, byId: new Map([[current.id, current]]) };
}

/** Puts a fresh key first, keeping the others for unwrapping; written to a temp file and renamed over, so a crash leaves the old file or the new. */
export function rotateMasterKeyFile(path: string): MasterKeys {
  const old = loaded(path);
  const lines = [randomBytes(KEY_BYTES), ...[...old.byId.values()].map((k) => k.key)].map((k) => k.toString('base64'));
  replaceFile(path, `# lawline master keys: the first wraps new data keys; the others until re-wrapped\n${lines.join('\n')}\n`);
  return loaded(path);
}

/** Drops the keys not named: once nothing is wrapped under them, so that a stolen backup of the file opens nothing newer. */
export function retireMasterKeys(path: string, keep: (id: string) => boolean): MasterKeys {
  const old = loaded(path);
  const kept = [...old.byId.values()].filter((k) => k.id === old.current.id || keep(k.id));
  replaceFile(path, `# lawline master keys\n${kept.map((k) => k.key.toString('base64')).join('\n')}\n`);
  return loaded(path);
}

/** An operator's rotation runs on a file lawline already started with: one it cannot read is a bug to stop on. */
function loaded(path: string): MasterKeys {
  const keys = loadMasterKeys(path);
  if (!keys.ok) throw new Error(keys.error);
  return keys.value;
}

function replaceFile(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeDurably(temp, text, 'w');
  renameSync(temp, path);
  // The rename is durable once the directory is.
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

function writeDurably(path: string, text: string, flags: 'w' | 'wx'): void {
  const fd = openSync(path, flags, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
