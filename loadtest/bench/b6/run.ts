// B6, crypto at rest: a recording written sealed in chunks (server/store/crypto/chunked.ts)
// against the same bytes written plain, in alternating rounds (../shared/BENCHMARKS.md), with
// AES-256-GCM's own speed here from Node and from `openssl speed` in the same run, and the
// cost of sealing one chat-sized transcript body.
//   npm run bench:crypto [-- --smoke] [-- --mb N (per round, 256)] [-- --rounds N (5)]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seal } from '../../../server/store/crypto/aead.ts';
import { ChunkSealer, DEFAULT_CHUNK_BYTES } from '../../../server/store/crypto/chunked.ts';
import { ROOT } from '../processes.ts';
import { machine } from '../proc.ts';
import { spread, type Spread } from '../report.ts';

const { values } = parseArgs({ options: { smoke: { type: 'boolean' }, mb: { type: 'string' }, rounds: { type: 'string' } } });
const smoke = values.smoke ?? false;
const megabytes = Number(values.mb ?? (smoke ? 8 : 256));
const rounds = Number(values.rounds ?? (smoke ? 2 : 5));
// An RTP packet of video as Janus forwards it: ~1,200 bytes.
const PACKET = 1200;
const stream = randomBytes(megabytes * 1024 * 1024);
const dir = mkdtempSync(join(tmpdir(), 'lawline-b6-'));

interface Round {
  arm: 'plain' | 'sealed' | 'plain-again';
  round: number;
  bytes: number;
  wallMs: number;
  cpuMs: number;
  /** Recording bytes per second of wall time, and per second of CPU. */
  mbPerSec: number;
  mbPerCpuSec: number;
}

/** Packets in, 64 KiB blocks out to a file, one fsync at the end: the recorder's write path with or without the seal. */
function writeRecording(arm: Round['arm'], round: number): Round {
  const path = join(dir, `${arm}-${round}`);
  const fd = openSync(path, 'w', 0o600);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let written = 0;
  const out = (b: Buffer) => (written += writeSync(fd, b));
  if (arm === 'sealed') {
    const sealer = new ChunkSealer(randomBytes(32));
    out(sealer.header);
    for (let at = 0; at < stream.length; at += PACKET) for (const c of sealer.push(stream.subarray(at, at + PACKET))) out(c);
    out(sealer.end());
  } else {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for (let at = 0; at < stream.length; at += PACKET) {
      const packet = stream.subarray(at, at + PACKET);
      pending.push(packet);
      pendingBytes += packet.length;
      if (pendingBytes >= DEFAULT_CHUNK_BYTES) {
        out(Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
      }
    }
    if (pendingBytes) out(Buffer.concat(pending));
  }
  fsyncSync(fd);
  closeSync(fd);
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  rmSync(path);
  const mb = stream.length / 1024 / 1024;
  return { arm, round, bytes: written, wallMs, cpuMs, mbPerSec: mb / (wallMs / 1000), mbPerCpuSec: mb / (cpuMs / 1000) };
}

/** AES-256-GCM alone in Node, on the recorder's chunk size: the ceiling of the sealed arm. */
function nodeGcmGBps(): number {
  const key = randomBytes(32);
  const block = stream.subarray(0, Math.min(stream.length, 64 * 1024 * 1024));
  const start = process.hrtime.bigint();
  for (let at = 0; at < block.length; at += DEFAULT_CHUNK_BYTES) seal(key, block.subarray(at, at + DEFAULT_CHUNK_BYTES), 'bench');
  return block.length / 1e9 / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** `openssl speed -evp aes-256-gcm` on 64 KiB blocks, GB/s (its figure is in 1000s of bytes per second). */
function opensslGcmGBps(): number | undefined {
  try {
    const out = execFileSync('openssl', ['speed', '-evp', 'aes-256-gcm', '-bytes', String(DEFAULT_CHUNK_BYTES), '-seconds', smoke ? '1' : '3'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const kb = /^AES-256-GCM\s+([\d.]+)k\s*$/im.exec(out)?.[1];
    return kb ? (Number(kb) * 1000) / 1e9 : undefined;
  } catch {
    return undefined;
  }
}

/** Sealing one chat-sized body (200 bytes of Chinese text), µs: what every stored message will pay. */
function sealBodyUs(): number {
  const key = randomBytes(32);
  const body = Buffer.from('我的工资被拖欠了三个月，公司说下个月再发，我应该怎么办？'.repeat(3));
  const n = smoke ? 20_000 : 200_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) seal(key, body, `c-1/${i}`);
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

const samples: Round[] = [];
writeRecording('plain', -1); // warm-up: page cache, JIT
for (let r = 0; r < rounds; r++) for (const arm of ['plain', 'sealed'] as const) samples.push(writeRecording(arm, r));
samples.push(writeRecording('plain-again', rounds));
rmSync(dir, { recursive: true, force: true });

const of = (arm: Round['arm']) => samples.filter((s) => s.arm === arm);
const ratio = (pick: (s: Round) => number): Spread => spread(of('sealed').map((s, i) => pick(s) / pick(of('plain')[i] as Round)));
const lastPlain = of('plain').at(-1) as Round;
const again = of('plain-again')[0] as Round;
const summary = {
  megabytesPerRound: megabytes,
  rounds,
  plainMBps: spread(of('plain').map((s) => s.mbPerSec)),
  sealedMBps: spread(of('sealed').map((s) => s.mbPerSec)),
  throughputRatio: ratio((s) => s.mbPerSec),
  cpuThroughputRatio: ratio((s) => s.mbPerCpuSec),
  sealedMBperCpuSec: spread(of('sealed').map((s) => s.mbPerCpuSec)),
  sizeOverhead: (of('sealed')[0] as Round).bytes / stream.length - 1,
  noise: Math.abs(again.mbPerSec / lastPlain.mbPerSec - 1),
  nodeGcmGBps: nodeGcmGBps(),
  opensslGcmGBps: opensslGcmGBps(),
  sealBodyUs: sealBodyUs(),
};

const f = (s: Spread, d = 2) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
console.log(`B6 crypto at rest: ${megabytes} MiB of ${PACKET}-byte packets per round, ${rounds} rounds each, alternating`);
console.log(`  plain writes      ${f(summary.plainMBps, 0)} MB/s`);
console.log(`  sealed writes     ${f(summary.sealedMBps, 0)} MB/s   (${f(summary.sealedMBperCpuSec, 0)} MB per CPU second)`);
console.log(`  sealed ÷ plain    ${f(summary.throughputRatio)} by wall time, ${f(summary.cpuThroughputRatio)} by CPU   (target ≥ 0.8)`);
console.log(`  size overhead     ${(summary.sizeOverhead * 100).toFixed(3)}%`);
console.log(`  AES-256-GCM       ${summary.nodeGcmGBps.toFixed(2)} GB/s in Node, ${summary.opensslGcmGBps?.toFixed(2) ?? '?'} GB/s openssl speed (64 KiB blocks, one core; target ≥ 1)`);
console.log(`  seal one body     ${summary.sealBodyUs.toFixed(2)} µs (200-byte chat message)`);
console.log(`  A/A noise         ${(summary.noise * 100).toFixed(1)}%${summary.noise > 0.05 ? ' — over 5%: too noisy to trust small ratios' : ''}`);
const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
mkdirSync(join(ROOT, 'loadtest/results'), { recursive: true });
const file = join(ROOT, 'loadtest/results', `crypto-${smoke ? 'smoke-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ machine: machine(), commit, smoke, summary, samples }, null, 2));
console.log(`\nwrote ${file}`);
