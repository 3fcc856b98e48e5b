import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hasCommand, requireCommands } from './host-tools.ts';

/** Namespaces of a run are named after its process, so a later run can remove those of a run that was killed. */
const PREFIX = 'lawline-nf-';
const STALE = /^lawline-nf-(\d+)-/;

/** Runs a command and returns its output; throws with its stderr. */
export function sh(...argv: string[]): string {
  return execFileSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Why network namespaces cannot be made here, or undefined when they can. Only the absence of
 * root or of kernel support is a reason; as root, a missing iproute2 fails (the set-up installs it).
 */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return `creating network namespaces needs root (uid here: ${process.getuid?.()})`;
  requireCommands(['ip']);
  const probe = `${PREFIX}${process.pid}-probe`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `this kernel or container does not let root create a network namespace: ${add.stderr.trim()}`;
  sh('ip', 'netns', 'del', probe);
  return undefined;
}

/**
 * clients (this process, root namespace) ── veth ── router namespace ── veth ── node namespace.
 * Every packet between the clients and the node is forwarded by the router, where faults are
 * applied; neither end is touched. Addresses come from 198.18.0.0/15 (RFC 2544, for network
 * tests), one /24 per run: .1 us / .2 router, .5 router / .6 node, .9 the router's delay device.
 */
export class NetnsPath {
  private closed = false;

  private constructor(
    readonly routerNs: string,
    readonly nodeNs: string,
    /** The veth end in the root namespace (its peer goes when the router namespace does). */
    private readonly rootLink: string,
    readonly net: string,
  ) {}

  get nodeIp(): string {
    return `${this.net}.6`;
  }

  static create(): NetnsPath {
    removeStale();
    const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
    const path = new NetnsPath(`${PREFIX}${id}-r`, `${PREFIX}${id}-n`, `nf${randomBytes(3).toString('hex')}`, freeNet());
    try {
      path.build();
    } catch (e) {
      path.close();
      throw e;
    }
    return path;
  }

  /** Runs a command inside the router namespace. */
  inRouter(...argv: string[]): string {
    return sh('ip', 'netns', 'exec', this.routerNs, ...argv);
  }

  /** The prefix that execs a command inside the node namespace (for spawn). */
  get nodeExec(): string[] {
    return ['ip', 'netns', 'exec', this.nodeNs];
  }

  /** Ends what still runs in the namespaces, then removes them and their links; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ns of [this.routerNs, this.nodeNs]) removeNamespace(ns);
    const link = spawnSync('ip', ['link', 'del', this.rootLink], { encoding: 'utf8' });
    if (link.status !== 0 && !/Cannot find device/.test(link.stderr)) throw new Error(`ip link del ${this.rootLink}: ${link.stderr}`);
  }

  private build(): void {
    const { routerNs: r, nodeNs: n, rootLink: c, net } = this;
    sh('ip', 'netns', 'add', r);
    sh('ip', 'netns', 'add', n);
    sh('ip', 'link', 'add', c, 'type', 'veth', 'peer', 'name', 'to-clients', 'netns', r);
    sh('ip', 'link', 'add', 'to-router', 'netns', n, 'type', 'veth', 'peer', 'name', 'to-node', 'netns', r);
    sh('ip', 'addr', 'add', `${net}.1/30`, 'dev', c);
    sh('ip', 'link', 'set', c, 'up');
    sh('ip', '-n', r, 'addr', 'add', `${net}.2/30`, 'dev', 'to-clients');
    sh('ip', '-n', r, 'addr', 'add', `${net}.5/30`, 'dev', 'to-node');
    sh('ip', '-n', n, 'addr', 'add', `${net}.6/30`, 'dev', 'to-router');
    for (const [ns, link] of [[r, 'lo'], [r, 'to-clients'], [r, 'to-node'], [n, 'lo'], [n, 'to-router']] as const) sh('ip', '-n', ns, 'link', 'set', link, 'up');
    // A router; and no reverse-path filter, since delayed packets come back in on the delay device.
    this.inRouter('sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0');
    sh('ip', 'route', 'add', `${net}.4/30`, 'via', `${net}.2`, 'dev', c);
    sh('ip', '-n', n, 'route', 'add', 'default', 'via', `${net}.5`);
  }
}

/** A /24 of 198.18.0.0/15 that nothing in the root namespace uses. */
function freeNet(): string {
  const used = sh('ip', '-4', '-o', 'addr') + sh('ip', '-4', 'route');
  for (;;) {
    const n = randomBytes(2);
    const net = `198.${18 + ((n[0] as number) & 1)}.${n[1] as number}`;
    if (!used.includes(`${net}.`)) return net;
  }
}

function removeNamespace(ns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  if (pids.status !== 0) return; // never made, or already gone
  for (const pid of pids.stdout.split('\n').filter(Boolean)) killIfAlive(Number(pid));
  sh('ip', 'netns', 'del', ns);
}

/** Namespaces left by runs that were killed before their clean-up (their process is gone). */
function removeStale(): void {
  if (!hasCommand('ip')) return;
  for (const line of sh('ip', 'netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = STALE.exec(name)?.[1];
    if (pid !== undefined && !alive(Number(pid))) removeNamespace(name);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}
