import uWS from 'uWebSockets.js';

/**
 * The npm build of uWebSockets.js falls back, with only a console warning, to a slow
 * JavaScript shim when its native binding fails to load. The shim has no SSLApp and none
 * of the native helpers, which is how it is told apart.
 */
export function uwsIsNative(): boolean {
  const mod = uWS as unknown as Record<string, unknown>;
  return typeof mod.SSLApp === 'function' && typeof mod.getParts === 'function';
}
