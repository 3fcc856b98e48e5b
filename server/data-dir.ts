import { chmodSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { err, ok, type Result } from '../protocol/result.ts';

/**
 * The data dir holds transcripts, the audit chain and the development signing key: only the
 * server's own user may read it. Everything lawline creates there gets these modes outright
 * (chmod after creating: the mode given to mkdir or open is narrowed by the umask, which a
 * service manager may set to anything), and a node refuses to start on a data dir that group
 * or others can reach (`checkDataDir`, main.ts).
 */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;
const GROUP_OR_OTHERS = 0o077;
/** Paths named in the refusal; the chmod it gives fixes every one. */
const LISTED = 10;

/** Creates `dir` and whatever of its parents is missing, each 0700. */
export function makePrivateDir(dir: string): void {
  const target = resolve(dir);
  const first = mkdirSync(target, { recursive: true, mode: PRIVATE_DIR });
  if (first === undefined) return;
  for (let d = target; ; d = dirname(d)) {
    chmodSync(d, PRIVATE_DIR);
    if (d === resolve(first) || dirname(d) === d) return;
  }
}

/** Opens (creating if need be) a file that only the server's user may read. */
export async function openPrivateFile(path: string, flags: string): Promise<FileHandle> {
  const handle = await open(path, flags, PRIVATE_FILE);
  try {
    await handle.chmod(PRIVATE_FILE);
  } catch (e) {
    await handle.close();
    throw e;
  }
  return handle;
}

/** `writeFileSync` for a file that only the server's user may read; `flag: 'wx'` fails if it exists. */
export function writePrivateFile(path: string, data: string, flag: 'w' | 'wx' = 'w'): void {
  writeFileSync(path, data, { mode: PRIVATE_FILE, flag });
  chmodSync(path, PRIVATE_FILE);
}

/**
 * An error naming each directory or file under `dir` (itself included) that group or others
 * may read, write or enter, and the command that fixes them all; ok if there is none, or if
 * `dir` does not exist yet (it is then created private). Symbolic links are not followed.
 */
export function checkDataDir(dir: string): Result<void, string> {
  const root = resolve(dir);
  const open: string[] = [];
  const walk = (path: string): void => {
    const s = lstatSync(path, { throwIfNoEntry: false });
    if (!s || s.isSymbolicLink()) return;
    const mode = s.mode & 0o777;
    if (mode & GROUP_OR_OTHERS) open.push(`  ${path} (${s.isDirectory() ? 'directory' : 'file'}, mode ${mode.toString(8).padStart(4, '0')})`);
    if (s.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(root);
  if (!open.length) return ok(undefined);
  const more = open.length > LISTED ? [`  … and ${open.length - LISTED} more`] : [];
  return err(
    [
      `the data dir ${root} holds transcripts and signing keys, and other users can reach:`,
      ...open.slice(0, LISTED),
      ...more,
      'refusing to start. Make it private to the user the server runs as (directories 0700, files 0600):',
      `  chmod -R go-rwx ${shellQuote(root)}`,
    ].join('\n'),
  );
}

/** A path as one shell word. */
function shellQuote(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
