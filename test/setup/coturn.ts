import { onPath, say } from './system.ts';

/** Debian's coturn (`turnserver`), the relay the call tests run their own of (`test/helpers/coturn.ts`), when it is missing. */
export function coturnPackages(path?: string): string[] {
  const binary = onPath('turnserver', path);
  say(binary ? `coturn: ${binary}` : 'coturn: no turnserver on PATH');
  return binary ? [] : ['coturn'];
}
