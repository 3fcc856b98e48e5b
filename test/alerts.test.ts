import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlertViewT, ServerFrame } from '../protocol/frames.ts';
import { signature } from '../server/alerts/index.ts';
import { citizen, lawyer, supervisor } from './helpers/people.ts';
import { isPush, SignedIn, type RawClient } from './helpers/raw-client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

const SECRET = 'test-webhook-secret-0123456789';
const RULES = JSON.parse(readFileSync(fileURLToPath(new URL('../server/alerts/rules.default.json', import.meta.url)), 'utf8')) as {
  version: string;
  levels: Record<'I' | 'II' | 'III' | 'IV', { ackWithinMs: number }>;
  types: Record<string, { terms: { term: string; weight: number }[] }>;
};

interface Hook {
  headers: IncomingHttpHeaders;
  body: string;
  payload: { event: string; priority: boolean; alert: AlertViewT };
  signed: boolean;
}

/** The province's system: an HTTP server that checks the signature of what it is sent; fails the first `failFirst` posts with 503. */
function webhookReceiver() {
  const received: Hook[] = [];
  let failFirst = 0;
  let refused = 0;
  let waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failFirst > 0) {
        failFirst--;
        refused++;
        res.writeHead(503).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const expected = Buffer.from(signature(SECRET, body));
      const got = Buffer.from(String(req.headers['x-lawline-signature'] ?? ''));
      received.push({ headers: req.headers, body, payload: JSON.parse(body) as Hook['payload'], signed: got.length === expected.length && timingSafeEqual(got, expected) });
      res.writeHead(204).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  return {
    server,
    received,
    failNext: (n: number) => (failFirst = n),
    refused: () => refused,
    async waitFor(match: (h: Hook) => boolean, timeoutMs = 10_000): Promise<Hook> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = received.findIndex(match);
        if (i >= 0) return received.splice(i, 1)[0] as Hook;
        if (Date.now() > deadline) throw new Error(`no webhook matched; got ${JSON.stringify(received.map((r) => [r.payload.event, r.payload.alert.id, r.payload.alert.level]))}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    reset() {
      received.length = 0;
      waiters = [];
    },
  };
}

let server: TestServer;
let rulesDir: string;
let rulesPath: string;
let offset = 0;
const clock = () => Date.now() + offset;
const hook = webhookReceiver();
const people = new SignedIn(() => server);

beforeAll(async () => {
  rulesDir = mkdtempSync(join(tmpdir(), 'lawline-rules-'));
  rulesPath = join(rulesDir, 'rules.json');
  copyFileSync(fileURLToPath(new URL('../server/alerts/rules.default.json', import.meta.url)), rulesPath);
  await new Promise<void>((resolve) => hook.server.listen(0, '127.0.0.1', resolve));
  const port = (hook.server.address() as { port: number }).port;
  server = await startTestServer(
    { LAWLINE_ALERT_RULES: rulesPath, LAWLINE_ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/alerts`, LAWLINE_ALERT_WEBHOOK_SECRET: SECRET, LAWLINE_ROUTING: 'manual' },
    undefined,
    { clock },
  );
});
afterEach(() => {
  people.closeAll();
  hook.reset();
});
afterAll(async () => {
  await server.cleanup();
  hook.server.close();
  rmSync(rulesDir, { recursive: true, force: true });
});

function data<T>(reply: Awaited<ReturnType<RawClient['call']>>): T {
  if (!reply.ok) throw new Error(`error ${reply.error.code}: ${reply.error.message}`);
  return reply.data as T;
}

const alertPush = (event: string, match: (a: AlertViewT) => boolean) => (f: ServerFrame): f is ServerFrame & { type: 'push' } =>
  f.type === 'push' && f.event === event && match((f.data as { alert: AlertViewT }).alert);

/** A consultation of `citizenId`, picked and joined by `lawyerId`: active, both in it. */
async function activeConsultation(cit: RawClient, law: RawClient, region = '320200'): Promise<string> {
  const { consultation } = data<{ consultation: { id: string } }>(await cit.call('consult.request', { category: 'labor', region, channel: 'text' }));
  data(await law.call('consult.pick', { consultationId: consultation.id }));
  data(await law.call('consult.join', { consultationId: consultation.id }));
  return consultation.id;
}

let sent = 0;
const say = (c: RawClient, consultationId: string, body: string) => c.call('chat.send', { consultationId, clientMsgId: `m${++sent}`, body });

describe('risk alerts over real sockets', () => {
  it('a level III message: supervisors on duty pushed, the webhook posted signed (after a 503, retried); the lawyer gets no guidance below II', async () => {
    const sup = await people.as(supervisor('S-3'));
    const cit = await people.as(citizen('C-3'));
    const law = await people.as(lawyer('L-3'));
    const id = await activeConsultation(cit, law);
    hook.failNext(1);
    data(await say(cit, id, '不解决我就找记者曝光你们'));
    const changed = await sup.waitFor(alertPush('alert.changed', (a) => a.consultationId === id));
    expect(((changed as { data: unknown }).data as { alert: AlertViewT }).alert).toMatchObject({ kind: 'content', riskType: 'media-exposure', level: 'III', state: 'raised', rules: expect.arrayContaining(['media-exposure/记者', 'media-exposure/曝光']) });
    expect((await sup.waitFor(alertPush('alert.notify', (a) => a.consultationId === id))).data).toMatchObject({ priority: false });
    const posted = await hook.waitFor((h) => h.payload.alert.consultationId === id);
    expect(posted.signed).toBe(true);
    expect(posted.payload).toMatchObject({ event: 'raised', priority: false, alert: { level: 'III' } });
    expect(posted.headers['x-lawline-priority']).toBeUndefined();
    expect(hook.refused()).toBe(1); // the first post was refused (503) and retried
    const metrics = await (await fetch(`http://127.0.0.1:${server.opsPort}/metrics`)).text();
    expect(metrics).toMatch(/^lawline_alert_events_total\{event="raised",level="III"\} [1-9]/m);
    expect(metrics).toMatch(/^lawline_alert_webhook_total\{outcome="retried"\} 1$/m);
    // A lawyer's reply is scored too (both directions), but a benign one raises nothing.
    data(await say(law, id, '请您冷静，我们依法处理'));
    await server.node.alerts.watch.settled();
    expect(law.frames.some((f) => f.type === 'push' && f.event === 'alert.guidance')).toBe(false);
  });

  it('no single consultation shows a collective incident; 20 citizens of one region on one subject do', async () => {
    const sup = await people.as(supervisor('S-col'));
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const cit = await people.as(citizen(`C-col-${i}`));
      const body = i % 2 ? `工地老板欠薪，已经三个月了（${i}）` : `我们在工地干活的工资被欠薪了，老板跑路 ${i}`;
      ids.push(data<{ consultation: { id: string } }>(await cit.call('consult.request', { category: 'labor', region: '320500', channel: 'text', firstMessage: body })).consultation.id);
    }
    // Four in another region on the same subject: below the threshold there.
    for (let i = 0; i < 4; i++) {
      const cit = await people.as(citizen(`C-far-${i}`));
      data(await cit.call('consult.request', { category: 'labor', region: '320600', channel: 'text', firstMessage: '工地老板欠薪' }));
    }
    await server.node.alerts.watch.settled();
    const raised = await sup.waitFor(alertPush('alert.notify', (a) => a.kind === 'collective'));
    expect(((raised as { data: unknown }).data as { alert: AlertViewT }).alert).toMatchObject({ level: 'II', region: '320500', category: 'labor', state: 'raised' });
    const { alerts } = data<{ alerts: AlertViewT[] }>(await sup.call('alert.list', {}));
    const collective = alerts.filter((a) => a.kind === 'collective');
    // One alert per subject keyword shared by all 20 (欠薪, 工地), none for the other region.
    expect(collective.every((a) => a.region === '320500')).toBe(true);
    const widest = collective.find((a) => a.rules.includes('collective/欠薪')) as AlertViewT;
    expect(new Set(widest.consultationIds)).toEqual(new Set(ids));
    // None of these consultations raised an alert of its own.
    expect(alerts.filter((a) => a.kind === 'content' && ids.includes(a.consultationId ?? ''))).toEqual([]);
    // The webhook heard it too (level II).
    expect((await hook.waitFor((h) => h.payload.alert.kind === 'collective')).signed).toBe(true);
  });

  it('from message stored to the alert on the supervisor board: p99 under 100 ms', async () => {
    const sup = await people.as(supervisor('S-lat'));
    const samples: number[] = [];
    const fromSend: number[] = [];
    const n = 60;
    const clients: { cit: RawClient; id: string }[] = [];
    for (let i = 0; i < n; i++) {
      const cit = await people.as(citizen(`C-lat-${i}`));
      const id = data<{ consultation: { id: string } }>(await cit.call('consult.request', { category: 'family', region: '320200', channel: 'text' })).consultation.id;
      clients.push({ cit, id });
    }
    // In waves of ten at once, each citizen a benign message then a risky one.
    for (let w = 0; w < n; w += 10) {
      await Promise.all(
        clients.slice(w, w + 10).map(async ({ cit, id }) => {
          data(await say(cit, id, '请问离婚财产怎么分'));
          // Stored: the ack (sent once the store made the message durable, after the watch was told of it).
          const t0 = performance.now();
          let storedAt = 0;
          const acked = say(cit, id, '我真的不想活了').then((r) => ((storedAt = performance.now()), r));
          await sup.waitFor(alertPush('alert.changed', (a) => a.consultationId === id), 10_000);
          const pushedAt = performance.now();
          data(await acked);
          // The push may overtake the ack on the way: then the alert was on the board before the sender heard "stored".
          samples.push(Math.max(0, pushedAt - storedAt));
          fromSend.push(pushedAt - t0);
        }),
      );
      sup.send({ type: 'ack', seq: Math.max(0, ...sup.frames.filter((f) => f.type === 'push').map((f) => (f as { seq: number }).seq)) });
    }
    const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)] as number;
    const line = (xs: number[]) => `p50 ${q(xs, 0.5).toFixed(1)} ms, p99 ${q(xs, 0.99).toFixed(1)} ms, max ${q(xs, 1).toFixed(1)} ms`;
    console.log(`alert latency over ${samples.length} alerts, 10 at once: message stored (ack) -> alert.changed at the supervisor ${line(samples)}; message sent -> alert.changed ${line(fromSend)}`);
    expect(q(samples, 0.99)).toBeLessThan(100);
  });

  it('escalates one level each time its level passes unacknowledged, IV to I, with each level\'s actions; acknowledge, annotate, close as false positive', async () => {
    const sup = await people.as(supervisor('S-esc'));
    const cit = await people.as(citizen('C-esc'));
    const law = await people.as(lawyer('L-esc'));
    const id = await activeConsultation(cit, law);
    data(await say(cit, id, '我真的很绝望'));
    const first = (await sup.waitFor(alertPush('alert.changed', (a) => a.consultationId === id))).data as { alert: AlertViewT };
    expect(first.alert).toMatchObject({ level: 'IV', riskType: 'extreme-emotion', state: 'raised' });
    // IV is recorded and on the board only: no notify, no webhook.
    expect(sup.frames.some((f) => f.type === 'push' && f.event === 'alert.notify')).toBe(false);
    const alertId = first.alert.id;

    const passes = async (level: 'IV' | 'III' | 'II') => {
      offset += RULES.levels[level].ackWithinMs - 1000;
      await server.node.alerts.tick();
      const still = data<{ alerts: AlertViewT[] }>(await sup.call('alert.list', {})).alerts.find((a) => a.id === alertId);
      expect(still?.level).toBe(level); // not yet
      offset += 1001;
      await server.node.alerts.tick();
    };
    await passes('IV');
    const three = (await sup.waitFor(alertPush('alert.notify', (a) => a.id === alertId && a.level === 'III'))).data as { alert: AlertViewT; priority: boolean };
    expect(three.priority).toBe(false);
    expect((await hook.waitFor((h) => h.payload.alert.id === alertId && h.payload.alert.level === 'III')).payload.event).toBe('escalated');

    await passes('III');
    await sup.waitFor(alertPush('alert.notify', (a) => a.id === alertId && a.level === 'II'));
    const guidance = await law.waitFor(isPush('alert.guidance'));
    expect(guidance.data).toMatchObject({ consultationId: id, alertId, level: 'II', riskType: 'extreme-emotion', text: { 'zh-CN': expect.stringContaining('情绪'), en: expect.any(String) } });
    expect(cit.frames.some((f) => f.type === 'push' && f.event.startsWith('alert.'))).toBe(false);

    await passes('II');
    const one = (await sup.waitFor(alertPush('alert.notify', (a) => a.id === alertId && a.level === 'I'))).data as { alert: AlertViewT; priority: boolean };
    expect(one.priority).toBe(true);
    expect(one.alert.escalateAt).toBeUndefined();
    const priority = await hook.waitFor((h) => h.payload.alert.id === alertId && h.payload.alert.level === 'I');
    expect(priority).toMatchObject({ signed: true, payload: { priority: true, event: 'escalated' }, headers: { 'x-lawline-priority': 'high' } });
    // I is the top: time passing changes nothing more.
    offset += 3_600_000;
    expect(await server.node.alerts.tick()).toBe(0);

    const acked = data<{ alert: AlertViewT }>(await sup.call('alert.ack', { alertId, note: '已联系当事人' }));
    expect(acked.alert).toMatchObject({ state: 'acknowledged', level: 'I' });
    expect(data<{ alert: AlertViewT }>(await sup.call('alert.ack', { alertId })).alert.version).toBe(acked.alert.version); // a repeat changes nothing
    data(await sup.call('alert.annotate', { alertId, note: '当事人情绪已平复' }));
    const closed = data<{ alert: AlertViewT }>(await sup.call('alert.close', { alertId, falsePositive: true }));
    expect(closed.alert).toMatchObject({ state: 'closed', falsePositive: true });
    expect(closed.alert.history.map((s) => [s.action, s.level ?? s.by?.id])).toEqual([
      ['raised', 'IV'],
      ['escalated', 'III'],
      ['escalated', 'II'],
      ['escalated', 'I'],
      ['acknowledged', 'S-esc'],
      ['annotated', 'S-esc'],
      ['closed', 'S-esc'],
    ]);
    const rules = data<{ falsePositives: { rule: string; count: number }[]; types: { type: string }[] }>(await sup.call('alert.rules', {}));
    expect(rules.falsePositives).toContainEqual({ rule: 'extreme-emotion/绝望', count: 1 });
    expect(rules.types.map((t) => t.type)).toEqual(['self-harm', 'violence', 'extreme-emotion', 'collective-action', 'media-exposure', 'minors']);
    expect(data<{ alerts: AlertViewT[] }>(await sup.call('alert.list', {})).alerts.some((a) => a.id === alertId)).toBe(false);
    expect(data<{ alerts: AlertViewT[] }>(await sup.call('alert.list', { states: ['closed'] })).alerts.some((a) => a.id === alertId)).toBe(true);
    // Only supervisors; unknown ids are a clear error.
    expect(await law.call('alert.list', {})).toMatchObject({ ok: false, error: { code: 2007 } });
    expect(await sup.call('alert.ack', { alertId: 'nope' })).toMatchObject({ ok: false, error: { code: 3000 } });
    expect((await server.node.store.verifyAudit()).firstBroken).toBe(-1);
  });

  it('a citizen who wrote three times over five minutes and was never answered raises a service alert', async () => {
    const sup = await people.as(supervisor('S-un'));
    const cit = await people.as(citizen('C-un'));
    const law = await people.as(lawyer('L-un'));
    const id = await activeConsultation(cit, law);
    data(await say(cit, id, '你好，请问在吗'));
    offset += 120_000;
    data(await say(cit, id, '有人吗'));
    data(await say(law, id, '在的，请讲')); // answered: counting starts again
    data(await say(cit, id, '合同到期不续签有补偿吗'));
    offset += 200_000;
    data(await say(cit, id, '请回复'));
    offset += 120_000;
    data(await say(cit, id, '还在吗？'));
    const alert = (await sup.waitFor(alertPush('alert.changed', (a) => a.consultationId === id))).data as { alert: AlertViewT };
    expect(alert.alert).toMatchObject({ kind: 'service', riskType: 'unanswered', level: 'III', score: 3 });
  });

  it('reloads a changed rule file (audited), and keeps the rules in force when the new file is bad, telling supervisors', async () => {
    const sup = await people.as(supervisor('S-rel'));
    const before = data<{ version: string }>(await sup.call('alert.rules', {}));
    const audited = (await server.node.store.verifyAudit()).records;
    writeFileSync(rulesPath, '{ "version": "broken", ');
    const rejected = await sup.waitFor(isPush('alert.rules.rejected'), 5000);
    expect(rejected.data).toMatchObject({ version: before.version, problem: expect.stringContaining('not JSON') });
    expect(data<{ version: string }>(await sup.call('alert.rules', {})).version).toBe(before.version);

    const next = structuredClone(RULES);
    next.version = 'test-2';
    (next.types['violence'] as { terms: { term: string; weight: number }[] }).terms.push({ term: '掀桌子', weight: 7 });
    writeFileSync(rulesPath, JSON.stringify(next));
    const deadline = Date.now() + 5000;
    while (data<{ version: string }>(await sup.call('alert.rules', {})).version !== 'test-2') {
      if (Date.now() > deadline) throw new Error('the new rule file was not loaded');
      await new Promise((r) => setTimeout(r, 50));
    }
    const cit = await people.as(citizen('C-rel'));
    const law = await people.as(lawyer('L-rel'));
    const id = await activeConsultation(cit, law);
    data(await say(cit, id, '再不给钱我就去掀 桌 子'));
    const raised = (await sup.waitFor(alertPush('alert.changed', (a) => a.consultationId === id))).data as { alert: AlertViewT };
    expect(raised.alert).toMatchObject({ riskType: 'violence', level: 'III', rulesVersion: 'test-2' });
    // The rejection and the reload are each an audit entry (plus the alert's).
    expect((await server.node.store.verifyAudit()).records).toBeGreaterThanOrEqual(audited + 3);
  });
});

describe('alerts are durable', () => {
  it('survive a restart of the node, state and escalation deadline included', async () => {
    const first = await startTestServer({ LAWLINE_ROUTING: 'manual' });
    const dir = first.dataDir;
    const on = new SignedIn(() => first);
    let alert: AlertViewT;
    try {
      const sup = await on.as(supervisor('S-dur'));
      const cit = await on.as(citizen('C-dur'));
      const { consultation } = data<{ consultation: { id: string } }>(await cit.call('consult.request', { category: 'labor', region: '320200', channel: 'text', firstMessage: '我要找记者曝光' }));
      alert = ((await sup.waitFor(alertPush('alert.changed', (a) => a.consultationId === consultation.id))).data as { alert: AlertViewT }).alert;
      data(await sup.call('alert.annotate', { alertId: alert.id, note: '已记录' }));
    } finally {
      on.closeAll();
      await first.stop();
    }
    const again = await startTestServer({ LAWLINE_ROUTING: 'manual' }, dir);
    const on2 = new SignedIn(() => again);
    try {
      const sup = await on2.as(supervisor('S-dur'));
      const { alerts } = data<{ alerts: AlertViewT[] }>(await sup.call('alert.list', {}));
      const back = alerts.find((a) => a.id === alert.id);
      expect(alert.level).toBe('III');
      expect(back).toMatchObject({ level: 'III', state: 'raised', escalateAt: alert.escalateAt as number, version: alert.version + 1 });
      expect(back?.history.at(-1)).toMatchObject({ action: 'annotated', note: '已记录' });
    } finally {
      on2.closeAll();
      await again.cleanup();
    }
  });

  it('a node does not start on a bad rule file, and says what is wrong and where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lawline-badrules-'));
    try {
      const bad = structuredClone(RULES) as unknown as { types: { violence: { patterns: { regex: string }[] } } };
      (bad.types.violence.patterns[0] as { regex: string }).regex = '(unclosed';
      writeFileSync(join(dir, 'rules.json'), JSON.stringify(bad));
      await expect(startTestServer({ LAWLINE_ALERT_RULES: join(dir, 'rules.json') }, join(dir, 'data'))).rejects.toThrow(/rules\.json: \/types\/violence\/patterns\/0: .*/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
