import { describe, expect, it } from 'vitest';
import { isLoopback, loadConfig, SETTINGS } from './config.ts';

describe('loadConfig', () => {
  it('gives the embedded default with no environment', () => {
    const out = loadConfig({});
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.value).toMatchObject({ port: 8080, host: '127.0.0.1', ops: { host: '127.0.0.1', port: 9090 }, identity: { kind: 'dev', issueDevTokens: true, devTokensPublic: false }, resumeWindowMs: 120_000, helloTimeoutMs: 5000 });
  });

  it('switches to an external identity provider with a JWKS file and drops dev tokens', () => {
    const out = loadConfig({ LAWLINE_JWKS_FILE: '/etc/jwks.json', LAWLINE_ISSUER: 'https://id.example', LAWLINE_AUDIENCE: 'lawline-prod' });
    expect(out.ok && out.value.identity).toMatchObject({ kind: 'jwks', source: { kind: 'file', path: '/etc/jwks.json' }, issuer: 'https://id.example' });
  });

  it('fails at start with every problem named', () => {
    const out = loadConfig({ LAWLINE_PORT: 'eighty', LAWLINE_TLS_CERT: 'c.pem', LAWLINE_LOG_LEVEL: 'loud', LAWLINE_DEV_TOKENS: 'maybe' });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toContain('LAWLINE_PORT=eighty');
    expect(out.error).toContain('LAWLINE_TLS_CERT and LAWLINE_TLS_KEY go together');
    expect(out.error).toContain('LAWLINE_LOG_LEVEL=loud');
    expect(out.error).toContain('LAWLINE_DEV_TOKENS=maybe');
  });

  it('refuses development tokens on a non-loopback address unless explicitly overridden', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'lawline.example']) {
      const out = loadConfig({ LAWLINE_HOST: host });
      expect(!out.ok && out.error, host).toContain('LAWLINE_DEV_TOKENS=off');
      expect(loadConfig({ LAWLINE_HOST: host, LAWLINE_DEV_TOKENS: 'off' }).ok).toBe(true);
      expect(loadConfig({ LAWLINE_HOST: host, LAWLINE_DEV_TOKENS_PUBLIC: 'on' }).ok).toBe(true);
      expect(loadConfig({ LAWLINE_HOST: host, LAWLINE_JWKS_FILE: '/etc/jwks.json' }).ok).toBe(true);
    }
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '128.0.0.1', '::ffff:10.0.0.1', 'localhost.example', '']) expect(isLoopback(host), host).toBe(false);
  });

  it('refuses an operations port that is the client port', () => {
    const out = loadConfig({ LAWLINE_PORT: '8080', LAWLINE_OPS_PORT: '8080' });
    expect(!out.ok && out.error).toContain('LAWLINE_OPS_PORT=8080');
    expect(loadConfig({ LAWLINE_PORT: '0', LAWLINE_OPS_PORT: '0' }).ok).toBe(true);
  });

  it('switches to cluster mode with REDIS_URL, and refuses a prefix that would break its hash tag', () => {
    const out = loadConfig({ REDIS_URL: 'redis://10.0.0.5:6379', LAWLINE_REDIS_PREFIX: 'wuxi' });
    expect(out.ok && out.value.redis).toEqual({ url: 'redis://10.0.0.5:6379', prefix: 'wuxi', timeoutMs: 1000 });
    const bad = loadConfig({ REDIS_URL: 'redis://10.0.0.5:6379', LAWLINE_REDIS_PREFIX: 'a}b', LAWLINE_RESUME_HOLD_MAX: '5' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error).toContain('LAWLINE_REDIS_PREFIX=a}b');
    expect(bad.error).toContain('LAWLINE_RESUME_HOLD_MAX=5');
  });

  it('takes the identity provider’s keys over https, or plain http only from this machine', () => {
    for (const url of ['https://id.example.org/jwks', 'http://127.0.0.1:8443/jwks', 'http://localhost/jwks', 'http://[::1]:80/jwks']) {
      expect(loadConfig({ LAWLINE_JWKS_URL: url }).ok).toBe(true);
    }
    for (const url of ['http://id.example.org/jwks', 'http://127.0.0.1.example.org/jwks', 'ftp://id.example.org/jwks', 'id.example.org']) {
      const out = loadConfig({ LAWLINE_JWKS_URL: url });
      expect(out.ok ? '' : out.error).toContain(`LAWLINE_JWKS_URL=${url}`);
    }
  });

  it('hands out STUN as given and TURN only with a shared secret long enough to sign credentials', () => {
    const none = loadConfig({});
    expect(none.ok && none.value.ice).toEqual({ stunUrls: [] });
    const relay = loadConfig({
      LAWLINE_STUN_URLS: 'stun:stun.example.org:3478',
      LAWLINE_TURN_URLS: 'turn:turn.example.org:3478?transport=udp, turns:turn.example.org:5349?transport=tcp',
      LAWLINE_TURN_SECRET: 'a-shared-secret-of-32-characters',
    });
    expect(relay.ok && relay.value.ice).toEqual({
      stunUrls: ['stun:stun.example.org:3478'],
      turn: { urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'], secret: 'a-shared-secret-of-32-characters', ttlSec: 43200 },
    });
    const problems = (env: Record<string, string>): string => {
      const out = loadConfig(env);
      return out.ok ? '' : out.error;
    };
    expect(problems({ LAWLINE_TURN_URLS: 'turn:turn.example.org' })).toContain('needs LAWLINE_TURN_SECRET');
    expect(problems({ LAWLINE_TURN_URLS: 'turn:turn.example.org', LAWLINE_TURN_SECRET: 'short' })).toContain('(it has 5)');
    expect(problems({ LAWLINE_TURN_SECRET: 'a-shared-secret-of-32-characters' })).toContain('LAWLINE_TURN_URLS is not');
    expect(problems({ LAWLINE_STUN_URLS: 'turn:x.example.org' })).toContain('LAWLINE_STUN_URLS: turn:x.example.org: expected stun:host[:port]');
    expect(problems({ LAWLINE_TURN_URLS: 'https://turn.example.org', LAWLINE_TURN_SECRET: 'a-shared-secret-of-32-characters' })).toContain('expected turn:host[:port]');
    expect(problems({ LAWLINE_TURN_URLS: 'turn:t.example.org:70000', LAWLINE_TURN_SECRET: 'a-shared-secret-of-32-characters' })).toContain('port 70000 is out of range');
    // The secret is never echoed back in a start-up error.
    expect(problems({ LAWLINE_TURN_URLS: 'turn:t.example.org', LAWLINE_TURN_SECRET: 'shortsecret' })).not.toContain('shortsecret');
  });

  it('documents every setting it reads in the README table', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const s of SETTINGS) expect(readme).toContain(`\`${s.env}\``);
  });
});
