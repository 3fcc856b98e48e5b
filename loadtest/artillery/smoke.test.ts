// The artillery load test, smoke-sized, against a node this test starts on a free port: the
// engine's virtual users are SDK clients that reach the node (connections, offers, acks), the
// scenario's `ensure` checks are evaluated (and an impossible one fails the run, in artillery's
// own exit code and in the runner's), every acked message is found in its transcript (lost 0;
// and an ack the node never gave is counted lost),
// and the HTML report and raw JSON are written. Needs loadtest's own install (`cd loadtest &&
// npm ci`; .ci/run does it).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type SpawnedServer } from '../../test/helpers/spawn.ts';
import { runLoadTest, type RunResult } from './run.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTILLERY_INSTALLED = existsSync(path.join(HERE, '..', 'node_modules', 'artillery', 'package.json'));

describe('artillery load test (smoke)', () => {
  let dir: string;
  let node: SpawnedServer;
  let passing: RunResult;
  let impossible: RunResult;

  beforeAll(async () => {
    if (!ARTILLERY_INSTALLED) throw new Error('loadtest/node_modules has no artillery: cd loadtest && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci');
    dir = mkdtempSync(path.join(os.tmpdir(), 'lawline-artillery-'));
    const dataDir = path.join(dir, 'data');
    node = await spawnServer({ LAWLINE_PORT: '0', LAWLINE_DATA_DIR: dataDir, LAWLINE_WRAP_UP_MS: '0' });
    const target = `ws://127.0.0.1:${node.port}/ws`;
    // The same message burst with a threshold no node can meet, and each user holding one ack
    // the node never gave (as if a stored message had gone missing): verify must count it lost.
    const burst = readFileSync(path.join(HERE, 'scenarios', 'message-burst.yml'), 'utf8');
    const impossibleFile = path.join(dir, 'impossible.yml');
    writeFileSync(
      path.join(dir, 'phantom.cjs'),
      `module.exports.phantomAck = async (context) => {
        const vu = context.lawline;
        vu.acked.get(vu.consultationId).set('phantom-' + vu.consultationId, { seq: 9999, body: 'never sent' });
      };\n`,
    );
    writeFileSync(
      impossibleFile,
      burst
        .replace('- lawline.ack_ms.p99: 500', '- lawline.ack_ms.p99: 0.001')
        .replace('  engines:', '  processor: ./phantom.cjs\n  engines:')
        .replace('      - verify: {}', '      - function: phantomAck\n      - verify: {}'),
    );
    // Citizens with as many lawyers as citizens: a dozen users picked by weight at 1:3 have no lawyer at all 3% of the time.
    const citizens = readFileSync(path.join(HERE, 'scenarios', 'citizens.yml'), 'utf8');
    const citizensFile = path.join(dir, 'citizens.yml');
    writeFileSync(citizensFile, citizens.replace('weight: 3', 'weight: 1'));
    const common = { target, environment: 'smoke', processes: 1, dataDir, users: 40, from: [], out: path.join(dir, 'results'), progress: false };
    // Both at once: artillery takes seconds to start its worker.
    [passing, impossible] = await Promise.all([runLoadTest({ ...common, scenario: citizensFile }), runLoadTest({ ...common, scenario: impossibleFile })]);
  }, 120_000);

  afterAll(() => {
    node?.proc.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects real SDK clients that chat through the node, and evaluates every check', () => {
    const c = passing.counters;
    expect(c['lawline.connections_opened']).toBeGreaterThanOrEqual(6);
    expect(c['lawline.offers_accepted']).toBeGreaterThan(0);
    expect(c['lawline.messages_acked']).toBeGreaterThan(0);
    expect(passing.summaries['lawline.time_to_offer_ms']?.count).toBeGreaterThan(0);
    expect(passing.summaries['lawline.time_to_lawyer_message_ms']?.count).toBeGreaterThan(0);
    // Every check of the scenario was evaluated; those about correctness passed. The latency
    // thresholds are a deployment's targets: on this shared machine they may or may not be met,
    // and artillery's verdict (its exit status) is the runner's either way.
    const log = readFileSync(path.join(passing.dir, 'artillery-0.log'), 'utf8');
    expect(passing.checks.map((k) => k.original)).toEqual([
      'lawline.ack_ms.p99 < 250',
      'lawline.time_to_offer_ms.p99 < 2000',
      'lawline.time_to_lawyer_message_ms.p99 < 3000',
      'lawline.messages_lost == 0',
      'lawline.messages_unacked == 0',
      'lawline.messages_verified > 0',
      'maxErrorRate < 1',
    ]);
    expect(passing.checks.filter((k) => !k.result && !k.original.includes('_ms.')), log.slice(-3000)).toEqual([]);
    const timingMet = passing.checks.every((k) => k.result);
    expect(passing.processExitCodes, log.slice(-3000)).toEqual([timingMet ? 0 : 1]);
    expect(passing.exitCode).toBe(timingMet ? 0 : 1);
  });

  it('finds every acked message in its transcript: lost 0, all verified', () => {
    const c = passing.counters;
    expect(c['lawline.messages_lost']).toBe(0);
    expect(c['lawline.messages_unacked']).toBe(0);
    // Every user verified (none failed): each acked message was looked up in consult.history.
    expect(c['vusers.failed'] ?? 0).toBe(0);
    expect(c['lawline.messages_verified']).toBe(c['lawline.messages_acked']);
  });

  it('fails the run on a threshold it cannot meet, in artillery and in the runner', () => {
    expect(impossible.checks.find((k) => k.original.includes('lawline.ack_ms.p99'))?.result).toBe(false);
    expect(impossible.checks.find((k) => k.original === 'lawline.messages_unacked == 0')?.result).toBe(true);
    expect(impossible.processExitCodes).toEqual([1]);
    expect(impossible.exitCode).toBe(1);
  });

  it('counts an acked message missing from the transcript as lost, and fails lost == 0', () => {
    const c = impossible.counters;
    expect(c['vusers.completed']).toBeGreaterThan(0);
    // One phantom per user; every real message was found.
    expect(c['lawline.messages_lost']).toBe(c['vusers.completed']);
    expect(c['lawline.messages_verified']).toBe((c['lawline.messages_acked'] ?? 0) + (c['vusers.completed'] ?? 0));
    expect(impossible.checks.find((k) => k.original === 'lawline.messages_lost == 0')?.result).toBe(false);
  });

  it('writes the HTML report with its plots and the raw JSON', () => {
    const html = readFileSync(passing.html, 'utf8');
    expect(html).toContain('<svg');
    for (const title of ['ack_ms: percentiles over time', 'Throughput', 'Connections', 'Errors']) expect(html).toContain(title);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    const json = JSON.parse(readFileSync(passing.json, 'utf8')) as { windows: unknown[]; histograms: Record<string, { count: number }>; artillery: unknown[] };
    expect(json.windows.length).toBeGreaterThan(0);
    expect(json.histograms['lawline.ack_ms']?.count).toBe(passing.counters['lawline.messages_acked']);
    expect(json.artillery).toHaveLength(1);
  });
});
