import { adviceFor, CloseCode, ErrorCode } from '../../protocol/errors.ts';
import type { ConsultationViewT, ReplyData, RequestData } from '../../protocol/frames.ts';
import { err, ok, type ProtocolError, type Result } from '../../protocol/result.ts';
import type { AuthFailure, Identity } from '../auth/identity.ts';
import { claimedSubject, type TokenVerifier } from '../auth/verifier.ts';
import { audienceKeys, type SessionRegistry } from './registry.ts';
import type { Session, Transport } from './session.ts';

/**
 * Assistants' seats, counted across the cluster (`cluster/assistant-seats.ts`, above this
 * layer): a granted claim returns the release to call when the session ends.
 */
export interface AssistantSeats {
  claim(lawyerId: string, assistantId: string): Promise<Result<() => void, AuthFailure>>;
}

export interface HelloDeps {
  verifier: TokenVerifier;
  registry: SessionRegistry;
  assistants: AssistantSeats;
  /** The caller's open consultations, for a session that could not be resumed. */
  snapshot: (identity: Identity) => Promise<ConsultationViewT[]>;
  /** Whether this node carries calls (and why not), and the caller's calls now; absent: said nothing of calls. */
  calls?: (identity: Identity) => Pick<ReplyData<'hello'>, 'calls' | 'activeCalls'>;
  resumeWindowMs: number;
  heartbeatMs: number;
  maxFrameBytes: number;
  ratePerSec: number;
  rateBurst: number;
}

export interface HelloRefusal {
  error: ProtocolError;
  closeCode: number;
  /** For the log: the verified user, or whom a token that did not verify claims to be. */
  who: { userId: string } | { claimedSubject?: string };
}

export interface HelloAccepted {
  session: Session;
  reply: ReplyData<'hello'>;
  /** For a resume: replay pushes after this seq once the reply is out. */
  replayAfter?: number;
  /** A new session: attach the connection once the reply is out, then send what it holds. */
  attachAfterReply?: boolean;
}

/**
 * Authenticates a connection and binds it to a session: the resumed one when the client
 * asks for it and we still hold everything it missed, otherwise a new one with a snapshot.
 * A token that binds the user differently from the session's (an assistant now working for
 * another lawyer, a lawyer with other categories) gets a new session — its audiences, its
 * assistant seat and its snapshot all follow from the identity — which replaces the old one.
 */
export async function hello(deps: HelloDeps, data: RequestData<'hello'>, transport: Transport): Promise<Result<HelloAccepted, HelloRefusal>> {
  const verified = await deps.verifier.verify(data.token);
  if (!verified.ok) return err({ error: verified.error, closeCode: closeCodeFor(verified.error.code), who: { claimedSubject: claimedSubject(data.token) } });
  const identity = verified.value;
  const user = { id: identity.id, role: identity.role, name: identity.name };
  const limits = { maxFrameBytes: deps.maxFrameBytes, ratePerSec: deps.ratePerSec, rateBurst: deps.rateBurst };
  const base = { user, resumeWindowMs: deps.resumeWindowMs, heartbeatMs: deps.heartbeatMs, limits, ...deps.calls?.(identity) };

  const asked = data.resume ? deps.registry.get(data.resume.sessionId) : undefined;
  const previous = asked?.identity.id === identity.id ? asked : undefined;
  const rebound = previous !== undefined && !sameAudiences(previous.identity, identity);
  if (data.resume && previous && !rebound && previous.canResumeFrom(data.resume.lastSeq)) {
    const superseded = previous.current();
    if (superseded) {
      previous.detach(superseded);
      superseded.close(CloseCode.SUPERSEDED, 'session resumed elsewhere');
    }
    previous.identity = identity;
    previous.attach(transport);
    if (!superseded) deps.registry.attached(previous);
    return ok({
      session: previous,
      reply: { ...base, sessionId: previous.id, resumed: true, seq: previous.lastSeq },
      replayAfter: data.resume.lastSeq,
    });
  }

  let release: (() => void) | undefined;
  if (identity.role === 'assistant' && identity.lawyerId) {
    const claim = await deps.assistants.claim(identity.lawyerId, identity.id);
    if (!claim.ok) return err({ error: claim.error, closeCode: CloseCode.AUTH_FAILED, who: { userId: identity.id } });
    release = claim.value;
  }
  // Listen before reading the snapshot: a message stored in between is then pushed (and held
  // until the reply is out), instead of being in neither the snapshot nor the pushes.
  const session = deps.registry.create(identity);
  session.releaseOnDestroy = release;
  let consultations: Awaited<ReturnType<HelloDeps['snapshot']>>;
  try {
    await deps.registry.whenListening(session);
    consultations = await deps.snapshot(identity);
  } catch (e) {
    deps.registry.destroy(session);
    throw e;
  }
  if (rebound) {
    previous.current()?.close(CloseCode.SUPERSEDED, 'session replaced by one for a new token');
    deps.registry.destroy(previous);
  }
  return ok({
    session,
    reply: { ...base, sessionId: session.id, resumed: false, seq: 0, snapshot: { consultations } },
    attachAfterReply: true,
  });
}

function sameAudiences(a: Identity, b: Identity): boolean {
  return audienceKeys(a).join('\n') === audienceKeys(b).join('\n');
}

/**
 * What a client should do after a token check failed: a fresh token for an expired one, retry
 * (with backoff) when the check itself could not be made, and stop for a token that is wrong.
 */
function closeCodeFor(code: number): number {
  if (code === ErrorCode.TOKEN_EXPIRED) return CloseCode.TOKEN_EXPIRED;
  if (code === ErrorCode.IDENTITY_UNAVAILABLE) return CloseCode.IDENTITY_UNAVAILABLE;
  if (adviceFor(code) === 'retry' || adviceFor(code) === 'back-off') return CloseCode.SERVER_ERROR;
  return CloseCode.AUTH_FAILED;
}
