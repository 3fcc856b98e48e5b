import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citizen } from '../helpers/people.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CaseClient, type Case } from './case.ts';
import { ConformanceReport, grade } from './grade.ts';

export interface Suite {
  server: () => TestServer;
  /** The suite citizen's waiting consultation (opened on first use): cases write chat messages into it. */
  consultation: () => Promise<string>;
  /** The consultation's chat messages (the latest 200), as the store gives them back. */
  messages: () => Promise<{ clientMsgId: string; body: string }[]>;
}

/**
 * One Autobahn section (or a few) against a fresh node: every case on its own connection,
 * graded and written to the report; afterwards the node still serves a new session.
 * The rate limit is lifted because the cases send bursts (section 9's thousand round trips)
 * that measure the WebSocket layer, not the token bucket.
 */
export function conformanceSuite(name: string, cases: Case[] | ((suite: Suite) => Case[])): Suite {
  let server: TestServer;
  let token: string;
  let session: RawClient;
  const report = new ConformanceReport(name);
  let consultation: Promise<string> | undefined;
  const suite: Suite = {
    server: () => server,
    consultation: () => (consultation ??= openConsultation(session)),
    messages: async () => {
      const page = await session.call('consult.history', { consultationId: await suite.consultation(), limit: 200 });
      if (!page.ok) throw new Error(`consult.history refused: ${page.error.code}`);
      return (page.data as { messages: { clientMsgId: string; body: string }[] }).messages;
    },
  };

  beforeAll(async () => {
    server = await startTestServer({ LAWLINE_RATE_PER_SEC: '100000', LAWLINE_RATE_BURST: '100000' });
    token = await server.token(citizen(`C-ws-${name}`));
    session = await RawClient.connect(server.url);
    await session.hello(token);
  });
  afterAll(async () => {
    report.write();
    session.close();
    await server.cleanup();
  });

  describe(`WebSocket conformance (Autobahn|Testsuite): ${name}`, () => {
    const list = typeof cases === 'function' ? cases(suite) : cases;
    it.each(list.map((k) => [`${k.id} ${k.title}`, k] as const))('%s', async (_title, k) => {
      const started = performance.now();
      const c = await CaseClient.open(server.port, k.encoding ?? 'json', token, k.hello ?? true);
      await k.send(c);
      const observed = await c.finish();
      const result = grade(k, observed);
      report.add(k, observed, result, Math.round(performance.now() - started), c.wire.socketError);
      // On a failure, the diff against what the RFC asks for.
      if (result === 'FAILED') expect(observed).toEqual(k.expect);
      await k.verify?.();
    });

    it('still serves a new session after every case', async () => {
      const after = await RawClient.connect(server.url);
      await after.hello(token);
      expect((await after.call('ping', {})).ok).toBe(true);
      after.close();
    });
  });
  return suite;
}

/** A live text request with nobody on duty stays queued, and its citizen may write in it meanwhile. */
async function openConsultation(session: RawClient): Promise<string> {
  const reply = await session.call('consult.request', { category: 'labor', region: '320200', channel: 'text' });
  if (!reply.ok) throw new Error(`consult.request refused: ${reply.error.code}`);
  return (reply.data as { consultation: { id: string } }).consultation.id;
}
