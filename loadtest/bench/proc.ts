import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';

const TICKS_PER_SEC = 100; // Linux USER_HZ

/** User+system CPU time of a whole process (all its threads), in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / TICKS_PER_SEC;
}

/**
 * Nanoseconds a process's main thread has waited on a run queue, runnable but not running
 * (/proc/<pid>/schedstat, second field): on a shared machine, the time other processes took
 * its core. Its growth over an interval, against the interval, says how starved it was.
 */
export function runQueueWaitNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1] ?? 0);
}

/** Where a process's resident memory lies, bytes (see `residentByMapping`). */
export interface ResidentMap {
  /** the brk heap: glibc malloc's main arena, what native code on the main thread allocates (uWS, Node's C++ side) */
  brk: number;
  /** anonymous mappings starting on a 64 MB boundary: glibc malloc's per-thread arenas (V8's compiler and platform threads, libuv's pool) */
  threadArenas: number;
  /** other anonymous mappings: V8's heap pages and mallocs too large for an arena (mmap'd on their own) */
  otherAnon: number;
  /** the node binary, shared libraries and other mapped files */
  files: number;
  /** thread stacks */
  stacks: number;
}

const ARENA_ALIGN = 64n * 1024n * 1024n;

/**
 * Resident memory by kind of mapping, from /proc/<pid>/smaps: RSS that grows while V8's heap
 * and external memory stay flat is native, and this says whether it is malloc's main arena,
 * its per-thread arenas (glibc reserves each on a 64 MB boundary; `MALLOC_ARENA_MAX` caps
 * their number), or anonymous memory beside them. The 64 MB rule is glibc's layout, not a
 * label: a V8 page that happened to start on such a boundary would count there.
 */
export function residentByMapping(pid: number): ResidentMap {
  const out: ResidentMap = { brk: 0, threadArenas: 0, otherAnon: 0, files: 0, stacks: 0 };
  let kind: keyof ResidentMap = 'otherAnon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[2] as string;
      if (name === '[heap]') kind = 'brk';
      else if (name.startsWith('[stack')) kind = 'stacks';
      else if (name.startsWith('/')) kind = 'files';
      else if (name === '' && BigInt(`0x${head[1]}`) % ARENA_ALIGN === 0n) kind = 'threadArenas';
      else kind = 'otherAnon';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]) * 1024;
  }
  return out;
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

/** What each open file descriptor of a process points at (`socket:[inode]`, `pipe:[…]`, a path …). */
export function fdTargets(pid: number): string[] {
  const out: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed while listing
    }
  }
  return out;
}

/** Open file descriptors of a process: all, sockets, and files on disk (paths). */
export function openFds(pid: number): { total: number; sockets: number; files: number } {
  const targets = fdTargets(pid);
  return { total: targets.length, sockets: targets.filter((t) => t.startsWith('socket:')).length, files: targets.filter((t) => t.startsWith('/')).length };
}

const TCP_STATES = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING'];

/** Socket inode -> what /proc/<pid>/net says of it: `tcp <local port> <remote port> <state>` or `unix`. */
function socketTable(pid: number): Map<string, { kind: 'tcp'; local: number; remote: number; state: string } | { kind: 'unix' }> {
  const out = new Map<string, { kind: 'tcp'; local: number; remote: number; state: string } | { kind: 'unix' }>();
  for (const file of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const port = (address: string) => parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
      out.set(f[9] as string, { kind: 'tcp', local: port(f[1] as string), remote: port(f[2] as string), state: TCP_STATES[parseInt(f[3] as string, 16)] ?? (f[3] as string) });
    }
  }
  try {
    for (const line of readFileSync(`/proc/${pid}/net/unix`, 'utf8').split('\n').slice(1)) {
      const inode = line.trim().split(/\s+/)[6];
      if (inode) out.set(inode, { kind: 'unix' });
    }
  } catch {
    // no unix table: its sockets count as `socket`
  }
  return out;
}

/**
 * A process's open fds by what they point at, to tell which kind grows: TCP sockets by state
 * and by whose port they are (`names`: a local port, like a server's, or a remote one, like
 * PostgreSQL's 5432; others are `tcp`), `unix`, `pipe`, `anon_inode:[eventfd]` and the like,
 * and files by path (numbered ones, like a store's segments, as `<dir>/*.<ext>`).
 */
export function fdKinds(pid: number, names: { local?: Record<number, string>; remote?: Record<number, string> } = {}): Record<string, number> {
  const targets = fdTargets(pid);
  const sockets = targets.some((t) => t.startsWith('socket:')) ? socketTable(pid) : new Map();
  const kinds: Record<string, number> = {};
  for (const t of targets) {
    let kind: string;
    const inode = /^socket:\[(\d+)\]$/.exec(t)?.[1];
    if (inode !== undefined) {
      const s = sockets.get(inode);
      if (!s) kind = 'socket';
      else if (s.kind === 'unix') kind = 'unix';
      else kind = `${names.local?.[s.local] ?? names.remote?.[s.remote] ?? 'tcp'} ${s.state}`;
    } else if (t.startsWith('pipe:')) kind = 'pipe';
    else if (t.startsWith('anon_inode:')) kind = t;
    else if (t.startsWith('/')) kind = /\d/.test(basename(t)) ? `${dirname(t)}/*${extname(t)}` : t;
    else kind = t.replace(/\[\d+\]$/, '');
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: (cpuinfo.match(/^processor\s*:/gm) ?? []).length,
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? 'unknown',
    node: process.version,
  };
}

/** Bytes written to whole disks so far (/proc/diskstats: sectors of 512 bytes; partitions, loop and ram devices left out). */
export function diskWrittenBytes(): number {
  let sectors = 0;
  for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || /^(loop|ram|dm-)/.test(f[2] as string) || /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+)\d+$|^nvme\d+n\d+p\d+$/.test(f[2] as string)) continue;
    sectors += Number(f[9]);
  }
  return sectors * 512;
}
