import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { err, ok, type Result } from '../../protocol/result.ts';
import type { JanusSettings } from './config.ts';
import { JanusProcess } from './process.ts';
import { prepareRuntimeDir, removeRuntimeDir } from './runtime-dir.ts';
import { JanusSocket } from './socket.ts';

/** A Janus that answers: its process, its runtime dir, and the API socket lawline drives it through. */
export interface RunningJanus {
  process: JanusProcess;
  folder: string;
  api: JanusSocket;
  settings: Omit<JanusSettings, 'folder'>;
}

export interface LaunchOptions {
  binary: string;
  library: string;
  runtimeParent: string;
  rtpPorts: { min: number; max: number };
  publicIp?: string;
  logLevel: number;
  /** 0: a free port each start. */
  wsPort: number;
  adminPort: number;
  startTimeoutMs: number;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts one Janus with fresh secrets on a fresh runtime dir and waits until its API answers
 * `info` with the two modules loaded; on failure nothing is left behind (process, dir) and the
 * error carries Janus's last lines.
 */
export async function launchJanus(o: LaunchOptions): Promise<Result<RunningJanus, string>> {
  const settings: Omit<JanusSettings, 'folder'> = {
    wsPort: o.wsPort || (await freePort()),
    adminPort: o.adminPort || (await freePort()),
    apiSecret: randomBytes(18).toString('base64url'),
    adminSecret: randomBytes(18).toString('base64url'),
    rtpPorts: o.rtpPorts,
    ...(o.publicIp ? { publicIp: o.publicIp } : {}),
    logLevel: o.logLevel,
  };
  const folder = await prepareRuntimeDir(o.runtimeParent, o.library, settings);
  const process = new JanusProcess(o.binary, folder);
  let gone = false;
  void process.exited.then(() => (gone = true));
  const deadline = Date.now() + o.startTimeoutMs;
  let last = 'no answer yet';
  while (!gone && Date.now() < deadline) {
    const left = Math.max(1, deadline - Date.now());
    const opened = await JanusSocket.open(`ws://127.0.0.1:${settings.wsPort}`, 'api', settings.apiSecret, Math.min(1000, left));
    if (opened.ok) {
      const info = await opened.value.request({ janus: 'info' }, Math.min(2000, left));
      const loaded = info.ok && Object.keys((info.value.plugins as object | undefined) ?? {}).includes('janus.plugin.videoroom');
      if (loaded) return ok({ process, folder, api: opened.value, settings });
      last = info.ok ? 'the videoroom plugin is not loaded' : info.error.message;
      opened.value.close();
    } else last = opened.error.message;
    // Janus listens about a second after it starts; asking faster only fills its log.
    await pause(100);
  }
  await process.kill();
  await removeRuntimeDir(folder);
  const why = gone ? 'Janus exited during its start' : `Janus did not answer within ${o.startTimeoutMs} ms (${last})`;
  return err(`${why}; its last lines:\n${process.output()}`);
}

/** Stops a Janus and removes its runtime dir (its secrets with it). */
export async function retireJanus(j: RunningJanus, how: 'stop' | 'kill'): Promise<void> {
  j.api.close();
  if (how === 'stop') await j.process.stop(3000);
  else await j.process.kill();
  await removeRuntimeDir(j.folder);
}
