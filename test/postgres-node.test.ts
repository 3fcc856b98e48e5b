import { randomBytes } from 'node:crypto';
import pg from 'pg';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { LawlineClient } from '../clients/sdk/index.ts';
import { citizen, lawyer } from './helpers/people.ts';
import { startTestServer } from './helpers/server.ts';
import { DATABASE_URL } from './helpers/services.ts';

// DATABASE_URL switches a node's records to PostgreSQL: a consultation and its transcript
// outlive the node and its data dir.

describe('a node on PostgreSQL', () => {
  it('keeps consultations and transcripts in the database across a restart on an empty data dir', async () => {
    const schema = `lawline_node_${randomBytes(5).toString('hex')}`;
    const env = { DATABASE_URL, LAWLINE_DATABASE_SCHEMA: schema };
    const first = await startTestServer(env);
    const connect = async (server: typeof first, claims: Parameters<typeof first.token>[0]) => {
      const c = new LawlineClient({ url: server.url, token: await server.token(claims), WebSocket });
      await c.connect();
      return c;
    };
    try {
      const cit = await connect(first, citizen('PG-C1'));
      const law = await connect(first, lawyer('PG-L1'));
      const { consultation } = await cit.request('consult.request', { category: 'labor', region: '320200', channel: 'text', firstMessage: '加班费' });
      await law.request('consult.pick', { consultationId: consultation.id });
      await law.request('consult.join', { consultationId: consultation.id });
      await law.sendChat(consultation.id, '请保留考勤记录').acked;
      cit.close();
      law.close();
      await first.cleanup(); // the data dir goes; the records stay in PostgreSQL

      const second = await startTestServer(env);
      try {
        // A new node signs with a new development key: tokens come from it.
        const back = await connect(second, citizen('PG-C1'));
        const { messages } = await back.request('consult.history', { consultationId: consultation.id });
        expect(messages.map((m) => m.body)).toEqual(['加班费', '请保留考勤记录']);
        const { consultations } = await back.request('consult.list', {});
        expect(consultations.map((c) => [c.id, c.state])).toEqual([[consultation.id, 'active']]);
        back.close();
        const metrics = await (await fetch(`http://127.0.0.1:${second.opsPort}/metrics`)).text();
        expect(metrics).toMatch(/^lawline_store_fsyncs_total \d+$/m);
      } finally {
        await second.cleanup();
      }
    } finally {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});
