import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { janusConfigFiles, type JanusSettings } from './config.ts';

/** Where Debian (and a build from source) put Janus's plugins and transports. */
const LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu/janus', '/usr/lib/aarch64-linux-gnu/janus', '/usr/lib/janus', '/opt/janus/lib/janus'];
/** The only code Janus loads: the SFU plugin and the transport lawline talks over. */
const MODULES = [
  ['plugins', 'libjanus_videoroom.so'],
  ['transports', 'libjanus_websockets.so'],
] as const;

/** The folder holding Janus's plugins and transports, or undefined when none has the two lawline needs. */
export function findJanusLibrary(candidates: readonly string[] = LIBRARY_DIRS): string | undefined {
  return candidates.find((dir) => MODULES.every(([kind, file]) => existsSync(join(dir, kind, file))));
}

/**
 * A private dir (0700, files 0600: they hold the secrets) under `parent` for one Janus start:
 * its configuration, and plugin and transport folders linking only to the modules lawline uses.
 */
export async function prepareRuntimeDir(parent: string, library: string, settings: Omit<JanusSettings, 'folder'>): Promise<string> {
  // The parent is the node's data dir's `media/`: private like the rest of it (the node refuses to
  // start on a data dir others can reach). Made so outright: a umask cannot add bits, only a
  // parent made without a mode can have them.
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const folder = await mkdtemp(join(parent, 'janus-'));
  // mkdtemp makes it 0700 already; said again in case a umask or a platform does otherwise.
  await chmod(folder, 0o700);
  for (const sub of ['plugins', 'transports', 'events', 'loggers']) await mkdir(join(folder, sub), { mode: 0o700 });
  for (const [kind, file] of MODULES) await symlink(join(library, kind, file), join(folder, kind, file));
  for (const [name, text] of Object.entries(janusConfigFiles({ ...settings, folder }))) {
    await writeFile(join(folder, name), text, { mode: 0o600 });
  }
  return folder;
}

export async function removeRuntimeDir(folder: string): Promise<void> {
  await rm(folder, { recursive: true, force: true });
}
