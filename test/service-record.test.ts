import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LawlineClient } from '../clients/sdk/index.ts';
import type { DevClaims } from '../server/auth/dev-identity.ts';
import type { ServiceRecord } from '../server/consultation/record.ts';
import { assistant, citizen, lawyer, supervisor } from './helpers/people.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { launchChromium } from './helpers/web-page.ts';

// A consultation's service record as its parties keep it and a supervisor examines it, over
// HTTP on the client port: JSON, and a page to print (opened and printed to PDF in Chromium).
let server: TestServer;
let consultationId: string;
const clients: LawlineClient[] = [];

const connect = async (claims: DevClaims) => {
  const c = new LawlineClient({ url: server.url, token: await server.token(claims), WebSocket });
  await c.connect();
  clients.push(c);
  return c;
};

const fetchRecord = async (claims: DevClaims | undefined, path = 'record', id = consultationId) => {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/consultations/${encodeURIComponent(id)}/${path}`, {
    headers: claims ? { authorization: `Bearer ${await server.token(claims)}` } : {},
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', cache: res.headers.get('cache-control'), text: await res.text() };
};

beforeAll(async () => {
  server = await startTestServer({ LAWLINE_UTC_OFFSET_MIN: '480' });
  const cit = await connect(citizen('SR-C1', '张三'));
  const first = await connect(lawyer('SR-L1', '王律师'));
  const second = await connect(lawyer('SR-L2', '李律师'));
  const { consultation } = await cit.request('consult.request', { category: 'labor', region: '320200', channel: 'text', firstMessage: '公司拖欠工资三个月' });
  consultationId = consultation.id;
  await first.request('consult.pick', { consultationId });
  await first.request('consult.join', { consultationId });
  await first.sendChat(consultationId, '请保留<考勤记录> & 工资条').acked;
  await first.request('consult.transfer', { consultationId, lawyerId: 'SR-L2', note: '内部：当事人情绪激动' });
  await second.request('consult.pick', { consultationId });
  await second.request('consult.join', { consultationId });
  await cit.sendChat(consultationId, '<script>alert(1)</script>').acked;
  await second.request('consult.close', { consultationId, note: '已告知仲裁程序（内部）' });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.cleanup();
});

describe('the service record', () => {
  it('gives the citizen the whole transcript in order, without the lawyers’ private notes', async () => {
    const res = await fetchRecord(citizen('SR-C1', '张三'));
    expect(res.status).toBe(200);
    expect(res.cache).toBe('no-store');
    const record = JSON.parse(res.text) as ServiceRecord;
    expect(record.entries.map((e) => (e.kind === 'message' ? e.body : e.kind))).toEqual(['公司拖欠工资三个月', '请保留<考勤记录> & 工资条', '<script>alert(1)</script>']);
    expect(record.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(record.consultation).toMatchObject({ id: consultationId, state: 'closed', category: 'labor', citizen: { id: 'SR-C1' }, lawyer: { id: 'SR-L2' } });
    expect(res.text).not.toContain('内部');
    expect(record.exported.by).toEqual({ id: 'SR-C1', role: 'citizen', name: '张三' });
  });

  it('gives the lawyer and a supervisor the notes too, and audits the supervisor’s and the assistant’s reads', async () => {
    const before = (await server.node.store.verifyAudit()).records;
    const own = JSON.parse((await fetchRecord(lawyer('SR-L2', '李律师'))).text) as ServiceRecord;
    expect(own.consultation.note).toBe('已告知仲裁程序（内部）');
    expect(own.consultation.handover).toMatchObject({ from: { id: 'SR-L1' }, note: '内部：当事人情绪激动' });
    expect((await server.node.store.verifyAudit()).records).toBe(before);
    const sup = await fetchRecord(supervisor('SR-S1'));
    expect(sup.status).toBe(200);
    expect((await fetchRecord(assistant('SR-A1', 'SR-L2'))).status).toBe(200);
    const audit = await server.node.store.verifyAudit();
    expect(audit).toEqual({ records: before + 2, firstBroken: -1 });
    const head = await server.node.store.auditRecord(before + 1);
    expect(head).toMatchObject({ action: 'consult.record.export', subject: consultationId, owner: 'SR-C1', actor: { id: 'SR-A1' } });
  });

  it('refuses whoever is not one of its people, or has no valid token', async () => {
    expect((await fetchRecord(citizen('SR-C2'))).status).toBe(403);
    expect((await fetchRecord(lawyer('SR-L1', '王律师'))).status).toBe(403); // handed it on: no longer its lawyer
    expect((await fetchRecord(assistant('SR-A9', 'SR-L1'))).status).toBe(403);
    expect((await fetchRecord({ sub: 'SR-ADMIN', role: 'admin', name: '运维' })).status).toBe(403);
    expect((await fetchRecord(undefined)).status).toBe(401);
    expect((await fetchRecord(citizen('SR-C1'), 'record', 'c_nosuchconsultation')).status).toBe(404);
    expect((await fetchRecord(citizen('SR-C1'), 'record', '../../etc')).status).toBe(400);
    expect((await fetchRecord(citizen('SR-C1'), 'record', 'a'.repeat(65))).status).toBe(400);
  });

  it('prints as a page in either language, with nothing from the transcript taken as markup', async () => {
    const zh = await fetchRecord(citizen('SR-C1', '张三'), 'record.html');
    expect(zh.status).toBe(200);
    expect(zh.type).toBe('text/html; charset=utf-8');
    expect(zh.text).toContain('法律咨询服务记录');
    expect(zh.text).toContain('劳动争议');
    expect(zh.text).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(zh.text).not.toContain('<script>');
    expect(zh.text).not.toContain('内部');
    expect(zh.text).toMatch(/\(UTC\+8\)/);
    const en = await fetchRecord(citizen('SR-C1', '张三'), 'record.html?lang=en');
    expect(en.text).toContain('Legal consultation service record');
    expect(en.text).toContain('Labor dispute');

    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.setContent(zh.text);
      const shown = await page.locator('ol li').allInnerTexts();
      expect(shown).toHaveLength(3);
      expect(shown[2]).toContain('<script>alert(1)</script>');
      expect(dialogs).toEqual([]);
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await browser?.close();
    }
  }, 60_000);
});
