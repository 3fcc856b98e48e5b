import { err, ok, type Result } from '../../protocol/result.ts';
import type { Candidate, MediaError, Sdp } from '../rooms.ts';
import type { JanusFailure, JanusMessage, JanusSocket } from './socket.ts';

/** Janus reaps a session after 60 s without a request (`config.ts`); lawline says it is alive well before. */
const KEEPALIVE_MS = 20_000;
const REQUEST_TIMEOUT_MS = 5000;

/** What a videoroom request answered: the plugin's data, and an SDP when it carries one. */
export interface PluginReply {
  data: Record<string, unknown>;
  jsep?: Sdp;
}

const failure = (e: JanusFailure): MediaError => ({ kind: e.kind === 'refused' ? 'refused' : 'unavailable', message: e.message });

/** A handle on the videoroom plugin: one leg of one participant. */
export class PluginHandle {
  /** Settles once its PeerConnection is up (Janus's `webrtcup`): a publisher's media can be subscribed to from then on. */
  readonly up: Promise<void>;
  private markUp: () => void = () => undefined;

  constructor(
    private readonly session: JanusApiSession,
    readonly id: number,
  ) {
    this.up = new Promise((resolve) => (this.markUp = resolve));
  }

  /** An event Janus sent about this handle. */
  heard(event: JanusMessage): void {
    if (event.janus === 'webrtcup') this.markUp();
  }

  /** A videoroom request; a plugin-level error (`error_code`) is a refusal. */
  async message(body: Record<string, unknown>, jsep?: Sdp): Promise<Result<PluginReply, MediaError>> {
    const reply = await this.session.send({ janus: 'message', handle_id: this.id, body, ...(jsep ? { jsep } : {}) });
    if (!reply.ok) return reply;
    const data = ((reply.value.plugindata as { data?: Record<string, unknown> } | undefined)?.data ?? {}) as Record<string, unknown>;
    if (typeof data.error_code === 'number') return err({ kind: 'refused', message: `${String(data.error)} (${data.error_code})` });
    const jsepIn = reply.value.jsep as Sdp | undefined;
    return ok({ data, ...(jsepIn ? { jsep: { type: jsepIn.type, sdp: jsepIn.sdp } } : {}) });
  }

  async trickle(candidate: Candidate): Promise<Result<void, MediaError>> {
    const reply = await this.session.send({ janus: 'trickle', handle_id: this.id, candidate: candidate ?? { completed: true } });
    return reply.ok ? ok(undefined) : reply;
  }

  async detach(): Promise<void> {
    this.session.forget(this.id);
    await this.session.send({ janus: 'detach', handle_id: this.id });
  }
}

/**
 * One Janus session, which holds the handles of every call lawline places on this Janus (one
 * session, not one per call: a call's cost is its handles). Kept alive while it lives.
 */
export class JanusApiSession {
  private readonly keepalive: NodeJS.Timeout;
  private readonly handles = new Map<number, PluginHandle>();
  private readonly stopListening: () => void;

  private constructor(
    private readonly socket: JanusSocket,
    readonly id: number,
  ) {
    this.keepalive = setInterval(() => void this.send({ janus: 'keepalive' }), KEEPALIVE_MS);
    this.keepalive.unref();
    this.stopListening = socket.onEvent((m) => {
      if (m.session_id === this.id && typeof m.sender === 'number') this.handles.get(m.sender)?.heard(m);
    });
  }

  static async create(socket: JanusSocket): Promise<Result<JanusApiSession, MediaError>> {
    const reply = await socket.request({ janus: 'create' }, REQUEST_TIMEOUT_MS);
    if (!reply.ok) return err(failure(reply.error));
    return ok(new JanusApiSession(socket, (reply.value.data as { id: number }).id));
  }

  async attach(): Promise<Result<PluginHandle, MediaError>> {
    const reply = await this.send({ janus: 'attach', plugin: 'janus.plugin.videoroom' });
    if (!reply.ok) return reply;
    const handle = new PluginHandle(this, (reply.value.data as { id: number }).id);
    this.handles.set(handle.id, handle);
    return ok(handle);
  }

  forget(handleId: number): void {
    this.handles.delete(handleId);
  }

  send(body: Record<string, unknown>): Promise<Result<Record<string, unknown>, MediaError>> {
    return this.socket.request({ ...body, session_id: this.id }, REQUEST_TIMEOUT_MS).then((r) => (r.ok ? ok(r.value) : err(failure(r.error))));
  }

  async destroy(): Promise<void> {
    clearInterval(this.keepalive);
    this.stopListening();
    await this.socket.request({ janus: 'destroy', session_id: this.id }, REQUEST_TIMEOUT_MS);
  }
}
