import { findJanusLibrary } from '../../media/janus/runtime-dir.ts';
import { onPath, say } from './system.ts';

/** Debian's Janus, which the media tests run and supervise (`media/janus/`), when it is missing. */
export function janusPackages(path?: string): string[] {
  const binary = onPath('janus', path);
  const library = findJanusLibrary();
  if (binary && library) {
    say(`Janus: ${binary} (plugins in ${library})`);
    return [];
  }
  say(`Janus: ${binary ? `no videoroom plugin and WebSocket transport beside ${binary}` : 'no janus on PATH'}`);
  return ['janus'];
}
