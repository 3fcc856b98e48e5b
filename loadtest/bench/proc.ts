import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

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
