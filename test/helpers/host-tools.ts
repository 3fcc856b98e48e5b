import { onPath } from '../setup/system.ts';
import { NETWORK_TOOLS } from '../setup/network-tools.ts';

/** Whether `bin` is on PATH. */
export const hasCommand = (bin: string): boolean => onPath(bin) !== undefined;

/**
 * Fails with the fix when a network-fault tool is missing: the test set-up installs them for a
 * root run (`test/setup/network-tools.ts`), so a missing one means the set-up did not run.
 */
export function requireCommands(bins: readonly (keyof typeof NETWORK_TOOLS & string)[]): void {
  const missing = bins.filter((bin) => !hasCommand(bin));
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: apt-get install ${missing.map((b) => NETWORK_TOOLS[b]).join(' ')} (npm test's set-up does this as root)`);
}
