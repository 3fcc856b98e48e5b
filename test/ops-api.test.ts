import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAllowed, OPS_HTTP_OPERATIONS } from '../server/auth/permissions.ts';
import { ROLES, type Role } from '../protocol/vocabulary.ts';
import type { DevClaims } from '../server/auth/dev-identity.ts';
import { assistant, citizen, lawyer, supervisor } from './helpers/people.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// The operations API and /metrics live on the internal listener, not the client port, and
// who may call each operation is the one permission table: checked here for every operation
// and every role over real HTTP.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.cleanup());

const day = '2026-11-25';
type OpsOperation = (typeof OPS_HTTP_OPERATIONS)[number];
const CALLS: Record<OpsOperation, { method: string; path: string; body?: unknown }> = {
  'http:roster.put': { method: 'PUT', path: `/api/roster/${day}`, body: { shifts: [] } },
  'http:roster.get': { method: 'GET', path: `/api/roster/${day}` },
  'http:coverage.get': { method: 'GET', path: `/api/coverage/${day}` },
};
const CLAIMS: Record<Role, DevClaims> = {
  citizen: citizen('OPS-C'),
  lawyer: lawyer('OPS-L'),
  assistant: assistant('OPS-A', 'OPS-L'),
  supervisor: supervisor('OPS-S'),
  admin: { sub: 'OPS-ADMIN', role: 'admin', name: '运维' },
};

const call = async (port: number, op: OpsOperation, token?: string) => {
  const { method, path, body } = CALLS[op];
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await res.arrayBuffer();
  return res.status;
};

describe('the operations listener', () => {
  it('serves /metrics and the probes; the client port serves the probes but not /metrics', async () => {
    const ops = `http://127.0.0.1:${server.opsPort}`;
    const client = `http://127.0.0.1:${server.port}`;
    expect(await (await fetch(`${ops}/metrics`)).text()).toContain('# TYPE lawline_connections gauge');
    expect((await fetch(`${client}/metrics`)).status).toBe(404);
    for (const base of [ops, client]) {
      expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok\n');
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    }
    expect((await fetch(`${ops}/`)).status).toBe(404);
    expect((await fetch(`${ops}/dev/token`, { method: 'POST', body: '{"role":"citizen","name":"x"}' })).status).toBe(404);
  });

  it('answers every HTTP operation only there: 404 on the client port, whoever asks', async () => {
    const admin = await server.token(CLAIMS.admin);
    for (const op of OPS_HTTP_OPERATIONS) {
      expect(await call(server.port, op, admin), op).toBe(404);
      expect(await call(server.opsPort, op, admin), op).toBe(200);
    }
  });

  it.each([...OPS_HTTP_OPERATIONS])('%s: 401 without a valid token, then 200 or 403 for each role as the permission table says', async (op) => {
    expect(await call(server.opsPort, op)).toBe(401);
    expect(await call(server.opsPort, op, 'not-a-token')).toBe(401);
    for (const role of ROLES) {
      const status = await call(server.opsPort, op, await server.token(CLAIMS[role]));
      expect(status, `${op} by ${role}`).toBe(isAllowed(op, role) ? 200 : 403);
    }
  });
});
