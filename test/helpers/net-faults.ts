import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireCommands } from './host-tools.ts';
import type { NetnsPath } from './netns.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DELAYER = fileURLToPath(new URL('./packet-delayer.ts', import.meta.url));
const TABLE = 'inet lawline_faults';
/** Routing table of the router that sends every forwarded packet through the delay device. */
const VIA_DELAY = '100';

/** Ends a fault; resolves once the path carries traffic as before. */
export type Lift = () => Promise<void>;

/**
 * Faults on the router of a `NetnsPath`, between the clients and the node, both ways. Loss and
 * blackhole are nftables rules in the router's forward hook: the kernel drops those packets
 * (no reset, no ICMP), as a lossy or dead link does. Delay holds every forwarded packet in a
 * TUN device's reader (see packet-delayer.ts), because this kernel has no netem.
 */
export class PathFaults {
  private constructor(private readonly path: NetnsPath) {}

  static install(path: NetnsPath): PathFaults {
    requireCommands(['nft', 'socat']);
    path.inRouter('nft', `add table ${TABLE}; add chain ${TABLE} forward { type filter hook forward priority 0; policy accept; }`);
    return new PathFaults(path);
  }

  /** Drops each forwarded packet with probability `percent` %, on its own (no bursts). */
  loss(percent: number): Lift {
    return this.rule(`numgen random mod 100 < ${percent} counter drop`);
  }

  /** Drops every packet between the clients and the node. */
  blackhole(): Lift {
    return this.rule('counter drop');
  }

  /** Packets the fault rules dropped so far (since the last lift). */
  dropped(): number {
    const listed = this.path.inRouter('nft', `list chain ${TABLE} forward`);
    return [...listed.matchAll(/counter packets (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  }

  /** Holds each packet `ms` in each direction (a round trip gains 2 × `ms`). */
  async delay(ms: number): Promise<Lift> {
    const argv = (cmd: string[]) => ['netns', 'exec', this.path.routerNs, ...cmd];
    const delayer = spawn('ip', argv([process.execPath, '--import', 'tsx', DELAYER, String(ms)]), { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await firstMatch(delayer, /LAWLINE_DELAYER_PORT=(\d+)/);
    const tun = `TUN:${this.path.net}.9/30,tun-name=delay0,iff-up,iff-no-pi`;
    const socat = spawn('ip', argv(['socat', tun, `UDP:127.0.0.1:${port}`]), { stdio: ['ignore', 'ignore', 'inherit'] });
    await this.waitForLink('delay0', socat);
    this.path.inRouter('ip', 'route', 'add', 'default', 'dev', 'delay0', 'table', VIA_DELAY);
    const from = ['to-clients', 'to-node'];
    for (const link of from) this.path.inRouter('ip', 'rule', 'add', 'iif', link, 'table', VIA_DELAY);
    return async () => {
      for (const link of from) this.path.inRouter('ip', 'rule', 'del', 'iif', link, 'table', VIA_DELAY);
      // What the delayer holds still reaches the other side, as it would leaving a slow link.
      await new Promise((r) => setTimeout(r, ms + 100));
      socat.kill('SIGKILL');
      delayer.kill('SIGKILL');
    };
  }

  private rule(rule: string): Lift {
    this.path.inRouter('nft', `add rule ${TABLE} forward ${rule}`);
    return async () => void this.path.inRouter('nft', `flush chain ${TABLE} forward`);
  }

  private async waitForLink(link: string, owner: ChildProcess): Promise<void> {
    for (const until = Date.now() + 5000; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
      if (owner.exitCode !== null) throw new Error(`socat exited with ${owner.exitCode} before making ${link}`);
      if (this.path.inRouter('ip', '-o', 'link', 'show').includes(` ${link}:`)) return;
    }
    throw new Error(`${link} did not appear in ${this.path.routerNs} within 5 s`);
  }
}

/** The first capture of `pattern` in a child's stdout; rejects if it exits first. */
function firstMatch(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = pattern.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code} before printing ${pattern}:\n${out}`)));
  });
}
