import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIMITS } from '../protocol/frames.ts';
import { err, ok, type Result } from '../protocol/result.ts';
import { DEADLINES } from './probe.ts';
import { STRATEGIES, type Strategy } from './routing/match.ts';
import type { RoutingConfig } from './routing/router.ts';
import { proxyEntryProblem } from './trusted-proxies.ts';
import { iceUrlProblem, type IceConfig } from '../media/turn.ts';

/**
 * Every setting, parsed and checked once at start (main.ts). Nothing else reads
 * process.env. The README's configuration table mirrors SETTINGS below.
 */
export interface Config {
  host: string;
  port: number;
  /** The internal listener: /metrics and the operations API. */
  ops: { host: string; port: number };
  dataDir: string;
  tls?: { certFile: string; keyFile: string };
  identity:
    | {
        kind: 'dev';
        issueDevTokens: boolean;
        /** Serve POST /dev/token although LAWLINE_HOST is not a loopback address (explicit, logged loudly at start). */
        devTokensPublic: boolean;
      }
    | { kind: 'jwks'; source: { kind: 'file'; path: string } | { kind: 'url'; url: string }; issuer: string; audience: string };
  clockToleranceSec: number;
  helloTimeoutMs: number;
  resumeWindowMs: number;
  heartbeatMs: number;
  maxFrameBytes: number;
  ratePerSec: number;
  rateBurst: number;
  maxBackpressureBytes: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Addresses and subnets of the proxies whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  sessionBufferMax: number;
  /** Pushes held for disconnected sessions, all together. */
  resumeHoldMax: number;
  logLevel: string;
  allowUwsFallback: boolean;
  routing: RoutingConfig;
  messages: { convertAfterMs: number; slaMs: number };
  utcOffsetMin: number;
  defaultCapacity: number;
  /** Open consultations one citizen may have at once. */
  maxOpenPerCitizen: number;
  /** After a close, the lawyer's wrap-up: no new offers this long (0: none). */
  wrapUpMs: number;
  /** Set: records in PostgreSQL (the cluster store) instead of the data dir. */
  database?: { url: string; schema: string; timeoutMs: number };
  /** Cluster mode: the Redis backplane and cross-node delivery. */
  redis?: { url: string; prefix: string; timeoutMs: number };
  /** How often Redis and PostgreSQL are probed for /readyz. */
  probeMs: number;
  /** How often the audit chain's head is published (log line, metric) when it moved. */
  auditAnchorMs: number;
  /** STUN and TURN servers handed to the parties of a call. */
  ice: IceConfig;
  /** Risk alerts (server/alerts): the rule file, and the webhook level III+ alerts are posted to. */
  alerts: { rulesPath: string; webhook?: { url: string; secret: string } };
  /** Voice and video calls: auto (Janus if installed), on (refuse to start without it), off. */
  media: { mode: 'auto' | 'on' | 'off'; rtpPorts: { min: number; max: number } };
}

type Env = Record<string, string | undefined>;

interface Setting {
  env: string;
  default: string;
  meaning: string;
}

export const SETTINGS: readonly Setting[] = [
  { env: 'LAWLINE_HOST', default: '127.0.0.1', meaning: 'address to listen on (0.0.0.0 for all interfaces)' },
  { env: 'LAWLINE_PORT', default: '8080', meaning: 'port for the WebSocket endpoint, the web page and /healthz, /readyz; 0 picks a free one (printed at start)' },
  { env: 'LAWLINE_OPS_HOST', default: '127.0.0.1', meaning: 'address of the internal listener for /metrics and the operations API (/api/*); keep it off the public network' },
  { env: 'LAWLINE_OPS_PORT', default: '9090', meaning: 'port of that internal listener (also /healthz, /readyz); 0 picks a free one (printed at start); one per node on a machine' },
  { env: 'LAWLINE_DATA_DIR', default: './data', meaning: 'the embedded store (store/lawline.db, SQLite), development signing key (private: 0700, files 0600)' },
  { env: 'LAWLINE_TLS_CERT', default: '', meaning: 'PEM certificate file; with LAWLINE_TLS_KEY serves HTTPS/WSS (TLS 1.2+)' },
  { env: 'LAWLINE_TLS_KEY', default: '', meaning: 'PEM private key file' },
  { env: 'LAWLINE_JWKS_FILE', default: '', meaning: 'JWKS file of the identity provider; unset (and no URL): development identity' },
  { env: 'LAWLINE_JWKS_URL', default: '', meaning: 'JWKS URL of the identity provider: https (plain http is refused, except to 127.0.0.1, ::1 or localhost)' },
  { env: 'LAWLINE_ISSUER', default: 'lawline-dev', meaning: 'required `iss` of tokens' },
  { env: 'LAWLINE_AUDIENCE', default: 'lawline', meaning: 'required `aud` of tokens' },
  { env: 'LAWLINE_DEV_TOKENS', default: 'on', meaning: 'development identity only: serve POST /dev/token for the web page (off to disable); refused at start unless LAWLINE_HOST is a loopback address' },
  { env: 'LAWLINE_DEV_TOKENS_PUBLIC', default: 'off', meaning: 'on: serve POST /dev/token even on a non-loopback LAWLINE_HOST, so anyone who reaches the port can sign in (a demo on a trusted network only; warned at start)' },
  { env: 'LAWLINE_CLOCK_TOLERANCE_S', default: '5', meaning: 'accepted clock skew for exp/nbf' },
  { env: 'LAWLINE_HELLO_TIMEOUT_MS', default: '5000', meaning: 'time to send hello before the connection is closed (4401)' },
  { env: 'LAWLINE_RESUME_WINDOW_MS', default: '120000', meaning: 'how long a disconnected session can be resumed' },
  { env: 'LAWLINE_HEARTBEAT_MS', default: '15000', meaning: 'ping interval; a peer silent for two intervals is closed' },
  { env: 'LAWLINE_MAX_FRAME_BYTES', default: String(LIMITS.maxFrameBytes), meaning: 'largest accepted frame' },
  { env: 'LAWLINE_RATE_PER_SEC', default: '50', meaning: 'frames per second per connection (token bucket rate)' },
  { env: 'LAWLINE_RATE_BURST', default: '100', meaning: 'token bucket burst' },
  { env: 'LAWLINE_MAX_BACKPRESSURE_BYTES', default: String(1024 * 1024), meaning: 'unsent bytes per connection before it is closed as too slow (4000)' },
  // B3's target is 10k-50k idle sessions per node at <= 8 KB each (~400 MB at 50k).
  { env: 'LAWLINE_MAX_CONNECTIONS', default: '50000', meaning: 'WebSocket connections this node holds in all; past it new ones are closed with 4005 (back off)' },
  // Generous for a NAT (an office, a carrier-grade NAT in front of many phones); one machine
  // pinning a frame on each (see websocket.ts) then holds ~150 MB at most.
  {
    env: 'LAWLINE_MAX_CONNECTIONS_PER_ADDRESS',
    default: '500',
    meaning: 'WebSocket connections from one client address; past it new ones are closed with 4005. Behind a proxy set LAWLINE_TRUSTED_PROXIES, or every client counts as the proxy',
  },
  { env: 'LAWLINE_TRUSTED_PROXIES', default: '', meaning: 'comma-separated addresses or subnets (10.0.0.0/8) of reverse proxies whose X-Forwarded-For names the client; from anyone else the header is ignored' },
  { env: 'LAWLINE_SESSION_BUFFER', default: '2000', meaning: 'unacknowledged pushes kept per session for resume' },
  { env: 'LAWLINE_RESUME_HOLD_MAX', default: '200000', meaning: 'pushes kept for all disconnected sessions together; past it the longest gone start over from a snapshot' },
  { env: 'LAWLINE_LOG_LEVEL', default: 'info', meaning: 'pino level' },
  { env: 'LAWLINE_ROUTING', default: 'auto', meaning: 'auto: offer consultations to lawyers on duty; manual: lawyers pick from the queue (both allow a pick)' },
  { env: 'LAWLINE_ROUTING_STRATEGY', default: 'longest-idle', meaning: 'longest-idle, least-busy or round-robin' },
  { env: 'LAWLINE_OFFER_TIMEOUT_MS', default: '20000', meaning: 'how long a lawyer has to accept an offer' },
  { env: 'LAWLINE_MAX_MISSED_OFFERS', default: '3', meaning: 'offers in a row a lawyer may let time out before being set away' },
  {
    env: 'LAWLINE_WRAP_UP_MS',
    default: '30000',
    meaning: 'after a consultation closes its lawyer is in wrap-up this long (no new offers; the wrap-up note stays editable) unless they say ready sooner; 0: no wrap-up',
  },
  { env: 'LAWLINE_PREFERRED_WAIT_MS', default: '60000', meaning: 'how long a request waits for a chosen (or previous, or transfer-named) lawyer before anyone may take it' },
  { env: 'LAWLINE_WIDEN_PROVINCE_MS', default: '60000', meaning: 'wait after which a request reaches lawyers of the whole province' },
  { env: 'LAWLINE_WIDEN_NATIONAL_MS', default: '180000', meaning: 'wait after which a request reaches lawyers anywhere' },
  { env: 'LAWLINE_MESSAGE_AFTER_MS', default: '600000', meaning: 'a live request waiting this long becomes a message consultation (留言)' },
  { env: 'LAWLINE_MESSAGE_SLA_MS', default: '86400000', meaning: 'a message consultation must be answered within this' },
  { env: 'DATABASE_URL', default: '', meaning: 'PostgreSQL URL: keep records there (cluster store) instead of in the data dir' },
  { env: 'LAWLINE_DATABASE_SCHEMA', default: 'lawline', meaning: 'PostgreSQL schema of the tables (created and migrated at start)' },
  { env: 'REDIS_URL', default: '', meaning: 'Redis URL: share presence, queues, offers and delivery with the other nodes of a cluster' },
  { env: 'LAWLINE_REDIS_PREFIX', default: 'lawline', meaning: 'key prefix (hash tag) of this deployment in Redis' },
  { env: 'LAWLINE_REDIS_TIMEOUT_MS', default: String(DEADLINES.redis.timeoutMs), meaning: 'a Redis command (or connect) not answered within this fails: the request gets a 5xxx error, /readyz 503' },
  { env: 'LAWLINE_DATABASE_TIMEOUT_MS', default: String(DEADLINES.database.timeoutMs), meaning: 'a PostgreSQL statement (or connect) not done within this fails: the server cancels it, the request gets a 5xxx error, /readyz 503' },
  { env: 'LAWLINE_PROBE_MS', default: String(DEADLINES.redis.probeMs), meaning: 'how often Redis and PostgreSQL are probed for /readyz (each must answer within its timeout)' },
  { env: 'LAWLINE_UTC_OFFSET_MIN', default: '480', meaning: 'local time of rosters and coverage reports, minutes east of UTC (480: China Standard Time)' },
  { env: 'LAWLINE_DEFAULT_CAPACITY', default: '3', meaning: 'concurrent text consultations of a lawyer who does not say' },
  { env: 'LAWLINE_MAX_OPEN_PER_CITIZEN', default: '3', meaning: 'open consultations (live and message) one citizen may have at once; one more is refused (4002)' },
  {
    env: 'LAWLINE_AUDIT_ANCHOR_MS',
    default: '60000',
    meaning: "how often the audit chain's head (index and hash) is written to the log and the lawline_audit_head_index metric when it moved; `npm run audit:verify -- --anchors-from <log>` then notices a cut or rewritten tail",
  },
  { env: 'LAWLINE_STUN_URLS', default: '', meaning: 'comma-separated stun: URLs handed to the parties of a call (empty: none; on one network, host candidates suffice)' },
  {
    env: 'LAWLINE_TURN_URLS',
    default: '',
    meaning: 'comma-separated turn:/turns: URLs of a relay (coturn) for parties behind restrictive NATs and firewalls; needs LAWLINE_TURN_SECRET',
  },
  { env: 'LAWLINE_TURN_SECRET', default: '', meaning: "the relay's static-auth-secret (coturn use-auth-secret): each call gets a credential that expires by itself; at least 16 characters" },
  // coturn checks the credential again at every refresh of an allocation, so it must outlive the
  // longest call; a leaked one is good only for relaying, and only until then.
  { env: 'LAWLINE_TURN_TTL_S', default: '43200', meaning: 'how long a relay credential handed out with a call is accepted (seconds)' },
  { env: 'LAWLINE_ALERT_RULES', default: '', meaning: 'risk alert rule file (JSON, format in server/alerts/README.md); unset: the shipped server/alerts/rules.default.json. Reloaded when it changes; a bad file keeps the rules before it' },
  { env: 'LAWLINE_ALERT_WEBHOOK_URL', default: '', meaning: 'http(s) URL that level III and higher risk alerts are POSTed to (JSON, retried with backoff); with LAWLINE_ALERT_WEBHOOK_SECRET' },
  { env: 'LAWLINE_ALERT_WEBHOOK_SECRET', default: '', meaning: 'key of the HMAC-SHA256 signature in X-Lawline-Signature (at least 16 characters)' },
  {
    env: 'LAWLINE_MEDIA',
    default: 'auto',
    meaning: 'voice and video calls through Janus (apt-get install janus): auto uses it when `janus` is on PATH and otherwise serves text only, telling clients why; on refuses to start without it; off: text only',
  },
  { env: 'LAWLINE_MEDIA_RTP_PORTS', default: '20000-40000', meaning: 'UDP ports the media engine relays calls on (open them in the firewall)' },
  { env: 'LAWLINE_ALLOW_UWS_FALLBACK', default: 'off', meaning: 'on: start even if the uWebSockets.js native binding failed to load (slow)' },
];

export function loadConfig(env: Env): Result<Config, string> {
  const problems: string[] = [];
  const get = (name: string): string => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    return SETTINGS.find((s) => s.env === name)?.default ?? '';
  };
  const int = (name: string, min: number, max: number): number => {
    const raw = get(name);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`${name}=${raw}: expected an integer from ${min} to ${max}`);
    return n;
  };
  const flag = (name: string): boolean => {
    const raw = get(name).toLowerCase();
    if (!['on', 'off', 'true', 'false', '1', '0'].includes(raw)) problems.push(`${name}=${raw}: expected on or off`);
    return raw === 'on' || raw === 'true' || raw === '1';
  };

  const certFile = get('LAWLINE_TLS_CERT');
  const keyFile = get('LAWLINE_TLS_KEY');
  if (Boolean(certFile) !== Boolean(keyFile)) problems.push('LAWLINE_TLS_CERT and LAWLINE_TLS_KEY go together');
  const jwksFile = get('LAWLINE_JWKS_FILE');
  const jwksUrl = get('LAWLINE_JWKS_URL');
  if (jwksFile && jwksUrl) problems.push('set LAWLINE_JWKS_FILE or LAWLINE_JWKS_URL, not both');
  const jwksProblem = jwksUrl ? jwksUrlProblem(jwksUrl) : undefined;
  if (jwksProblem) problems.push(`LAWLINE_JWKS_URL=${jwksUrl}: ${jwksProblem}`);

  const config: Config = {
    host: get('LAWLINE_HOST'),
    port: int('LAWLINE_PORT', 0, 65535),
    ops: { host: get('LAWLINE_OPS_HOST'), port: int('LAWLINE_OPS_PORT', 0, 65535) },
    dataDir: resolve(get('LAWLINE_DATA_DIR')),
    ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
    identity:
      jwksFile || jwksUrl
        ? {
            kind: 'jwks',
            source: jwksFile ? { kind: 'file', path: resolve(jwksFile) } : { kind: 'url', url: jwksUrl },
            issuer: get('LAWLINE_ISSUER'),
            audience: get('LAWLINE_AUDIENCE'),
          }
        : { kind: 'dev', issueDevTokens: flag('LAWLINE_DEV_TOKENS'), devTokensPublic: flag('LAWLINE_DEV_TOKENS_PUBLIC') },
    clockToleranceSec: int('LAWLINE_CLOCK_TOLERANCE_S', 0, 300),
    helloTimeoutMs: int('LAWLINE_HELLO_TIMEOUT_MS', 100, 60_000),
    resumeWindowMs: int('LAWLINE_RESUME_WINDOW_MS', 1000, 3_600_000),
    heartbeatMs: int('LAWLINE_HEARTBEAT_MS', 100, 300_000),
    maxFrameBytes: int('LAWLINE_MAX_FRAME_BYTES', 1024, 16 * 1024 * 1024),
    ratePerSec: int('LAWLINE_RATE_PER_SEC', 1, 100_000),
    rateBurst: int('LAWLINE_RATE_BURST', 1, 100_000),
    maxBackpressureBytes: int('LAWLINE_MAX_BACKPRESSURE_BYTES', 16 * 1024, 1024 * 1024 * 1024),
    maxConnections: int('LAWLINE_MAX_CONNECTIONS', 1, 10_000_000),
    maxConnectionsPerAddress: int('LAWLINE_MAX_CONNECTIONS_PER_ADDRESS', 1, 10_000_000),
    trustedProxies: trustedProxies(get('LAWLINE_TRUSTED_PROXIES'), problems),
    sessionBufferMax: int('LAWLINE_SESSION_BUFFER', 10, 1_000_000),
    resumeHoldMax: int('LAWLINE_RESUME_HOLD_MAX', 100, 100_000_000),
    logLevel: get('LAWLINE_LOG_LEVEL'),
    allowUwsFallback: flag('LAWLINE_ALLOW_UWS_FALLBACK'),
    routing: routingConfig(get, int, problems),
    messages: { convertAfterMs: int('LAWLINE_MESSAGE_AFTER_MS', 1000, 86_400_000), slaMs: int('LAWLINE_MESSAGE_SLA_MS', 1000, 30 * 86_400_000) },
    defaultCapacity: int('LAWLINE_DEFAULT_CAPACITY', 1, LIMITS.maxCapacity),
    // A citizen rarely has more than a couple of matters open at once (a live chat, a message
    // left in another category); 3 leaves room for that and one more, while one person can no
    // longer fill the queue and the store with requests. 100 is far past any real need.
    maxOpenPerCitizen: int('LAWLINE_MAX_OPEN_PER_CITIZEN', 1, 100),
    // Call centres give 15-60 s of after-call work by default; 30 s writes a short note. At most
    // an hour: a longer pause is a break (duty.away), which the lawyer chooses.
    wrapUpMs: int('LAWLINE_WRAP_UP_MS', 0, 3_600_000),
    utcOffsetMin: int('LAWLINE_UTC_OFFSET_MIN', -720, 840),
    ...(get('DATABASE_URL') ? { database: { url: get('DATABASE_URL'), schema: get('LAWLINE_DATABASE_SCHEMA'), timeoutMs: int('LAWLINE_DATABASE_TIMEOUT_MS', 50, 600_000) } } : {}),
    ...(get('REDIS_URL') ? { redis: { url: get('REDIS_URL'), prefix: get('LAWLINE_REDIS_PREFIX'), timeoutMs: int('LAWLINE_REDIS_TIMEOUT_MS', 50, 60_000) } } : {}),
    probeMs: int('LAWLINE_PROBE_MS', 100, 600_000),
    auditAnchorMs: int('LAWLINE_AUDIT_ANCHOR_MS', 1000, 86_400_000),
    ice: iceConfig(get, int, problems),
    alerts: alertConfig(get, problems),
    media: mediaConfig(get, problems),
  };
  if (config.identity.kind === 'dev' && config.identity.issueDevTokens && !config.identity.devTokensPublic && !isLoopback(config.host)) {
    problems.push(
      `LAWLINE_HOST=${config.host} is not a loopback address, and POST /dev/token (on by default with the development identity) would let anyone who reaches the port sign in. ` +
        'Listen on 127.0.0.1, or set LAWLINE_DEV_TOKENS=off (tokens from `npm run token` only), or configure an identity provider (LAWLINE_JWKS_FILE or LAWLINE_JWKS_URL); ' +
        'LAWLINE_DEV_TOKENS_PUBLIC=on serves it anyway, for a demo on a network you trust.',
    );
  }
  if (config.ops.port !== 0 && config.ops.port === config.port) {
    problems.push(`LAWLINE_OPS_PORT=${config.ops.port}: the operations listener needs a port of its own, not LAWLINE_PORT's`);
  }
  if (config.redis && !/^[A-Za-z0-9_.:-]{1,64}$/.test(config.redis.prefix)) {
    problems.push(`LAWLINE_REDIS_PREFIX=${config.redis.prefix}: expected 1-64 letters, digits or _.:- (no braces: it becomes the hash tag)`);
  }
  if (config.database && !/^[a-z_][a-z0-9_]{0,62}$/.test(config.database.schema)) {
    problems.push(`LAWLINE_DATABASE_SCHEMA=${config.database.schema}: expected a lower-case SQL identifier`);
  }
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    problems.push(`LAWLINE_LOG_LEVEL=${config.logLevel}: expected a pino level`);
  }
  return problems.length ? err(problems.join('\n')) : ok(config);
}

const DEFAULT_ALERT_RULES = fileURLToPath(new URL('./alerts/rules.default.json', import.meta.url));

function alertConfig(get: (name: string) => string, problems: string[]): Config['alerts'] {
  const rulesPath = resolve(get('LAWLINE_ALERT_RULES') || DEFAULT_ALERT_RULES);
  const url = get('LAWLINE_ALERT_WEBHOOK_URL');
  const secret = get('LAWLINE_ALERT_WEBHOOK_SECRET');
  if (Boolean(url) !== Boolean(secret)) problems.push('LAWLINE_ALERT_WEBHOOK_URL and LAWLINE_ALERT_WEBHOOK_SECRET go together');
  if (url && !/^https?:\/\/[^\s]+$/.test(url)) problems.push(`LAWLINE_ALERT_WEBHOOK_URL=${url}: expected an http:// or https:// URL`);
  if (secret && secret.length < 16) problems.push('LAWLINE_ALERT_WEBHOOK_SECRET: at least 16 characters');
  return { rulesPath, ...(url && secret ? { webhook: { url, secret } } : {}) };
}

/**
 * The keys every token is checked against come from this URL: over plain http anyone on the
 * way could swap them and sign in as anyone. http only to this machine (an identity provider's
 * sidecar, tests).
 */
function jwksUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'expected an https:// URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return 'expected an https:// URL';
  return isLoopback(url.hostname) ? undefined : 'plain http lets anyone on the way swap the keys tokens are checked against: use https:// (http is accepted only for 127.0.0.1, ::1 or localhost)';
}

function trustedProxies(raw: string, problems: string[]): string[] {
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    const problem = proxyEntryProblem(entry);
    if (problem) problems.push(`LAWLINE_TRUSTED_PROXIES=${raw}: ${problem}`);
  }
  return entries;
}

/** Only this machine can reach an address like these (a name other than localhost is not trusted to be one). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare) || /^0*:(0*:){6}0*1$/.test(bare);
  return false;
}

function iceConfig(get: (name: string) => string, int: (name: string, min: number, max: number) => number, problems: string[]): IceConfig {
  const urls = (name: string, scheme: 'stun' | 'turn'): string[] => {
    const list = get(name).split(',').map((u) => u.trim()).filter(Boolean);
    for (const url of list) {
      const problem = iceUrlProblem(url, scheme);
      if (problem) problems.push(`${name}: ${url}: ${problem}`);
    }
    return list;
  };
  const stunUrls = urls('LAWLINE_STUN_URLS', 'stun');
  const turnUrls = urls('LAWLINE_TURN_URLS', 'turn');
  const secret = get('LAWLINE_TURN_SECRET');
  const ttlSec = int('LAWLINE_TURN_TTL_S', 60, 7 * 86_400);
  if (!turnUrls.length) {
    if (secret) problems.push('LAWLINE_TURN_SECRET is set but LAWLINE_TURN_URLS is not: name the relay the credentials are for');
    return { stunUrls };
  }
  if (secret.length < 16) problems.push(`LAWLINE_TURN_URLS needs LAWLINE_TURN_SECRET, the relay's static-auth-secret, of at least 16 characters${secret ? ` (it has ${secret.length})` : ''}`);
  return { stunUrls, turn: { urls: turnUrls, secret, ttlSec } };
}

function mediaConfig(get: (name: string) => string, problems: string[]): Config['media'] {
  const mode = get('LAWLINE_MEDIA');
  if (mode !== 'auto' && mode !== 'on' && mode !== 'off') problems.push(`LAWLINE_MEDIA=${mode}: expected auto, on or off`);
  const range = /^(\d{1,5})-(\d{1,5})$/.exec(get('LAWLINE_MEDIA_RTP_PORTS'));
  const [min, max] = range ? [Number(range[1]), Number(range[2])] : [0, 0];
  // Each call takes a port per leg (Janus bundles audio and video): 4 per 1:1 call.
  if (!range || min < 1024 || max > 65535 || max - min < 16) problems.push(`LAWLINE_MEDIA_RTP_PORTS=${get('LAWLINE_MEDIA_RTP_PORTS')}: expected min-max, from 1024 to 65535, at least 16 ports`);
  return { mode: mode === 'on' || mode === 'off' ? mode : 'auto', rtpPorts: { min, max } };
}

function routingConfig(get: (name: string) => string, int: (name: string, min: number, max: number) => number, problems: string[]): RoutingConfig {
  const mode = get('LAWLINE_ROUTING');
  if (mode !== 'auto' && mode !== 'manual') problems.push(`LAWLINE_ROUTING=${mode}: expected auto or manual`);
  const strategy = get('LAWLINE_ROUTING_STRATEGY') as Strategy;
  if (!STRATEGIES.includes(strategy)) problems.push(`LAWLINE_ROUTING_STRATEGY=${strategy}: expected ${STRATEGIES.join(', ')}`);
  const offerTimeoutMs = int('LAWLINE_OFFER_TIMEOUT_MS', 100, 600_000);
  const widening = { provinceAfterMs: int('LAWLINE_WIDEN_PROVINCE_MS', 0, 86_400_000), nationalAfterMs: int('LAWLINE_WIDEN_NATIONAL_MS', 0, 86_400_000) };
  if (widening.nationalAfterMs < widening.provinceAfterMs) problems.push('LAWLINE_WIDEN_NATIONAL_MS must not be below LAWLINE_WIDEN_PROVINCE_MS');
  return {
    mode: mode === 'manual' ? 'manual' : 'auto',
    strategy,
    offerTimeoutMs,
    maxMissedOffers: int('LAWLINE_MAX_MISSED_OFFERS', 1, 100),
    preferredWaitMs: int('LAWLINE_PREFERRED_WAIT_MS', 0, 86_400_000),
    widening,
    // Fine enough that an offer expires within a tenth of its timeout, coarse enough to cost nothing.
    tickMs: Math.max(20, Math.min(1000, Math.floor(offerTimeoutMs / 10))),
  };
}
