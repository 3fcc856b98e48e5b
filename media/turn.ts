import { createHmac } from 'node:crypto';

/** What a browser's RTCPeerConnection takes (`RTCIceServer`), as lawline hands it out with a call. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface IceConfig {
  /** stun: URLs, handed out as they are (no credentials). */
  stunUrls: string[];
  /** A TURN relay sharing a secret with lawline: coturn's `use-auth-secret` (the "TURN REST API"). */
  turn?: { urls: string[]; secret: string; ttlSec: number };
}

/**
 * A relay credential that only lawline can mint and that expires by itself: the username is
 * `<expiry, unix seconds>:<who>`, the password the base64 HMAC-SHA1 of the username under the
 * shared secret, which is what coturn recomputes and compares (and it refuses an expiry in the
 * past). No per-user state on either side, and a client can keep a credential no longer than
 * the relay accepts it.
 */
export function turnCredential(secret: string, who: string, expiresAtSec: number): { username: string; credential: string } {
  const username = `${expiresAtSec}:${who}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** The ICE servers for one party of a call, and when their relay credential lapses (ms; absent without TURN). */
export function iceServersFor(config: IceConfig, who: string, nowMs: number): { iceServers: IceServer[]; expiresAt?: number } {
  const iceServers: IceServer[] = config.stunUrls.length ? [{ urls: [...config.stunUrls] }] : [];
  if (!config.turn) return { iceServers };
  const expiresAtSec = Math.floor(nowMs / 1000) + config.turn.ttlSec;
  iceServers.push({ urls: [...config.turn.urls], ...turnCredential(config.turn.secret, who, expiresAtSec) });
  return { iceServers, expiresAt: expiresAtSec * 1000 };
}

/**
 * Why a configured ICE URL is unusable (RFC 7064/7065 shapes: `stun:host[:port]`,
 * `turn:host[:port][?transport=udp|tcp]`, `turns:` likewise), or undefined.
 */
export function iceUrlProblem(url: string, scheme: 'stun' | 'turn'): string | undefined {
  const schemes = scheme === 'stun' ? ['stun', 'stuns'] : ['turn', 'turns'];
  const match = /^([a-z]+):(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(\?transport=(udp|tcp))?$/.exec(url);
  if (!match || !schemes.includes(match[1] ?? '')) return `expected ${schemes.map((s) => `${s}:host[:port]`).join(' or ')}${scheme === 'turn' ? '[?transport=udp|tcp]' : ''}`;
  if (scheme === 'stun' && match[4]) return 'a stun: URL takes no transport';
  const port = match[3] === undefined ? undefined : Number(match[3]);
  if (port !== undefined && (port < 1 || port > 65535)) return `port ${port} is out of range`;
  return undefined;
}
