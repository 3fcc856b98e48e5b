import { err, ok, type Result } from '../../protocol/result.ts';
import type { CallRoom, CallRooms, Candidate, Leg, MediaError, Sdp } from '../rooms.ts';
import { JanusApiSession, type PluginHandle } from './api-session.ts';
import type { JanusEngine } from './engine.ts';

/** Janus's "room already exists": opening a room twice (a retry) finds the first. */
const ROOM_EXISTS = 427;
/** How long a subscription waits for the publisher's media to reach Janus (ICE and DTLS over a slow network). */
const PUBLISHER_UP_MS = 10_000;
/** A consultation's call: its two parties, and a supervisor listening in. */
const MAX_PUBLISHERS = 3;

const lostError: MediaError = { kind: 'lost', message: 'the media engine restarted: the call must be set up again' };
const legKey = (leg: Leg) => (leg === 'publish' ? 'publish' : `from:${leg.from}`);

/** One consultation's room in Janus: each participant's legs are videoroom handles on the shared session. */
class JanusRoom implements CallRoom {
  /** participant -> leg key -> handle. */
  private readonly legs = new Map<string, Map<string, PluginHandle>>();
  private lost = false;

  constructor(
    readonly id: string,
    private readonly session: JanusApiSession,
    private readonly admin: PluginHandle,
    private readonly forget: () => void,
  ) {}

  async publish(participant: string, offer: Sdp): Promise<Result<Sdp, MediaError>> {
    const handle = await this.handle(participant, 'publish');
    if (!handle.ok) return handle;
    const joined = await handle.value.message({ request: 'join', ptype: 'publisher', room: this.id, id: participant });
    if (!joined.ok) return joined;
    const configured = await handle.value.message({ request: 'publish' }, offer);
    if (!configured.ok) return configured;
    return configured.value.jsep ? ok(configured.value.jsep) : err({ kind: 'refused', message: 'Janus answered the offer without an SDP' });
  }

  async subscribe(participant: string, from: string): Promise<Result<Sdp, MediaError>> {
    // Janus has a feed to give only once the publisher's PeerConnection is up.
    const publisher = this.existing(from, 'publish');
    if (!publisher.ok) return err({ kind: 'refused', message: `nothing published by ${from} to receive` });
    const up = await Promise.race([publisher.value.up.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), PUBLISHER_UP_MS))]);
    if (!up) return err({ kind: 'refused', message: `${from}'s media did not reach the SFU within ${PUBLISHER_UP_MS} ms` });
    const handle = await this.handle(participant, { from });
    if (!handle.ok) return handle;
    const joined = await handle.value.message({ request: 'join', ptype: 'subscriber', room: this.id, streams: [{ feed: from }] });
    if (!joined.ok) return joined;
    return joined.value.jsep ? ok(joined.value.jsep) : err({ kind: 'refused', message: `nothing published by ${from} to receive` });
  }

  async accept(participant: string, from: string, answer: Sdp): Promise<Result<void, MediaError>> {
    const handle = this.existing(participant, { from });
    if (!handle.ok) return handle;
    const started = await handle.value.message({ request: 'start' }, answer);
    return started.ok ? ok(undefined) : started;
  }

  async trickle(participant: string, leg: Leg, candidate: Candidate): Promise<Result<void, MediaError>> {
    const handle = this.existing(participant, leg);
    return handle.ok ? handle.value.trickle(candidate) : handle;
  }

  async leave(participant: string): Promise<void> {
    const legs = this.legs.get(participant);
    this.legs.delete(participant);
    if (!this.lost) for (const h of legs?.values() ?? []) await h.detach();
  }

  async close(): Promise<void> {
    this.forget();
    if (this.lost) return;
    for (const participant of [...this.legs.keys()]) await this.leave(participant);
    await this.admin.message({ request: 'destroy', room: this.id });
    await this.admin.detach();
    this.lost = true;
  }

  /** The engine restarted: the room and its handles are gone with the old Janus. */
  markLost(): void {
    this.lost = true;
    this.legs.clear();
  }

  private existing(participant: string, leg: Leg): Result<PluginHandle, MediaError> {
    if (this.lost) return err(lostError);
    const handle = this.legs.get(participant)?.get(legKey(leg));
    return handle ? ok(handle) : err({ kind: 'refused', message: `${participant} has no ${legKey(leg)} leg in this call` });
  }

  /** A leg's handle, attached the first time; asking again (a renegotiation) starts it over on a new one. */
  private async handle(participant: string, leg: Leg): Promise<Result<PluginHandle, MediaError>> {
    if (this.lost) return err(lostError);
    const legs = this.legs.get(participant) ?? new Map<string, PluginHandle>();
    this.legs.set(participant, legs);
    const old = legs.get(legKey(leg));
    legs.delete(legKey(leg));
    if (old) await old.detach();
    const attached = await this.session.attach();
    if (attached.ok) legs.set(legKey(leg), attached.value);
    return attached;
  }
}

/**
 * Call rooms on the Janus the engine supervises. One Janus session holds every handle; when the
 * engine restarts, every room is lost at once (their calls must be set up again on the new one).
 */
export class JanusRooms implements CallRooms {
  /** The session on the Janus of this generation (the promise: two calls opened at once share it). */
  private session: { generation: number; api: Promise<Result<JanusApiSession, MediaError>> } | undefined;
  private readonly rooms = new Map<string, JanusRoom>();

  constructor(private readonly engine: JanusEngine) {
    engine.onRestarted(() => {
      for (const room of this.rooms.values()) room.markLost();
      this.rooms.clear();
      this.session = undefined;
    });
  }

  async open(id: string): Promise<Result<CallRoom, MediaError>> {
    const known = this.rooms.get(id);
    if (known) return ok(known);
    const control = this.engine.control();
    if (!control) return err({ kind: 'unavailable', message: `the media engine is ${this.engine.state}` });
    const session = await this.sessionOn(control);
    if (!session.ok) return session;
    const admin = await session.value.attach();
    if (!admin.ok) return admin;
    const created = await admin.value.message({ request: 'create', room: id, admin_key: control.adminKey, publishers: MAX_PUBLISHERS, is_private: true, audiocodec: 'opus', videocodec: 'vp8' });
    if (!created.ok && !created.error.message.endsWith(`(${ROOM_EXISTS})`)) {
      await admin.value.detach();
      return created;
    }
    const room = new JanusRoom(id, session.value, admin.value, () => this.rooms.get(id) === room && this.rooms.delete(id));
    this.rooms.set(id, room);
    return ok(room);
  }

  /** Open rooms: for leak checks and metrics. */
  get size(): number {
    return this.rooms.size;
  }

  private sessionOn(control: NonNullable<ReturnType<JanusEngine['control']>>): Promise<Result<JanusApiSession, MediaError>> {
    if (this.session?.generation !== control.generation) {
      const api = JanusApiSession.create(control.api);
      const session = { generation: control.generation, api };
      this.session = session;
      // A failed create is not kept: the next call tries again.
      void api.then((r) => !r.ok && this.session === session && (this.session = undefined));
    }
    return this.session.api;
  }
}
