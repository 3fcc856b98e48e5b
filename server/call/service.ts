import { ErrorCode } from '../../protocol/errors.ts';
import type { CallViewT, PushData } from '../../protocol/frames.ts';
import { err, ok, type ProtocolError, type Result } from '../../protocol/result.ts';
import type { Identity } from '../auth/identity.ts';
import { person, toMessage } from '../kernel/views.ts';
import type { Handler } from '../session/dispatch.ts';
import type { ConsultationRecord } from '../store/port.ts';
import type { CallRoom } from '../../media/rooms.ts';
import { Call, type EndReason } from './call.ts';
import type { CallDeps } from './deps.ts';
import { monitorHandlers, stopMonitoring } from './monitor.ts';
import { signalHandlers } from './signal.ts';

/**
 * How long a lawyer's call slot is claimed for at a time, renewed a third of the way: a node
 * that dies mid-call frees its lawyers within this, with no one cleaning up.
 */
const SLOT_MS = 60_000;
/** A room that could not be made again after an engine restart is tried this often, this many times, before the call ends. */
const REOPEN_EVERY_MS = 1000;
const REOPEN_TRIES = 30;

export const notMember: ProtocolError = { code: ErrorCode.NOT_A_MEMBER, message: 'not a party of this consultation' };
export const noCall = (what: string): ProtocolError => ({ code: ErrorCode.CALL_STATE, message: what });
export const unavailable = (why: string): ProtocolError => ({ code: ErrorCode.CALLS_UNAVAILABLE, message: `calls are unavailable: ${why}` });

/**
 * Voice and video calls on consultations: a call per active consultation between its citizen
 * and its lawyer, one call per lawyer (the backplane's slot), a room per call in the media
 * engine and a publisher and a subscriber per party (`signal.ts`). The state of a call lives
 * on the node that started it, whose engine holds its room (see README: the cluster limit).
 */
export class CallService {
  private readonly calls = new Map<string, Call>();
  /** Parties whose every device went: their calls end when this fires (the resume window). */
  private readonly goneTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: CallDeps) {}

  /** The call of a consultation that rings or runs now. */
  get(consultationId: string): Call | undefined {
    return this.calls.get(consultationId);
  }

  get size(): number {
    return this.calls.size;
  }

  /** Calls on this node by state, for the metrics. */
  byState(): { ringing: number; active: number } {
    let ringing = 0;
    for (const c of this.calls.values()) if (c.state === 'ringing') ringing++;
    return { ringing, active: this.calls.size - ringing };
  }

  /** The calls of a person's consultations, ringing or running: for the hello reply. */
  activeFor(userId: string): CallViewT[] {
    return [...this.calls.values()].filter((c) => c.isParty(userId)).map((c) => c.view());
  }

  handlers() {
    const start: Handler<'call.start'> = async ({ identity }, data) => {
      const c = await this.deps.store.getConsultation(data.consultationId);
      const refused = this.refusal(identity, c);
      if (refused || !c?.lawyer) return err(refused ?? notMember);
      const available = this.deps.availability();
      if (!available.available || !this.deps.rooms) return err(unavailable(available.reason ?? 'no media engine'));
      if (this.calls.has(c.id)) return err(noCall('this consultation has a call already'));
      const now = this.deps.now();
      const slot = await this.deps.slots.claimCall(c.lawyer.id, c.id, now + SLOT_MS, now);
      if (!slot.ok) return err({ code: ErrorCode.LAWYER_IN_CALL, message: 'the lawyer is in another call' });
      // Two starts at once for one consultation: the slot is the same, so the second sees the first here.
      if (this.calls.has(c.id)) return err(noCall('this consultation has a call already'));
      const call = new Call(c.id, data.media, person(identity), c.citizen, c.lawyer, now);
      this.calls.set(c.id, call);
      const room = await this.deps.rooms.open(c.id);
      if (!room.ok) {
        await this.end(call, 'unavailable');
        return err(unavailable(room.error.message));
      }
      call.room = room.value;
      call.renewTimer = setInterval(() => void this.renew(call), SLOT_MS / 3);
      call.renewTimer.unref();
      this.announce(call, 'ringing');
      return ok({ call: call.view(), iceServers: this.deps.iceServers(identity.id) });
    };

    const accept: Handler<'call.accept'> = async ({ identity }, data) => {
      const call = this.calls.get(data.consultationId);
      if (!call?.isParty(identity.id)) return err(call ? notMember : noCall('no call rings in this consultation'));
      if (call.state !== 'ringing' || call.caller.id === identity.id) return err(noCall(`cannot accept a call that is ${call.state === 'ringing' ? 'your own' : call.state}`));
      call.state = 'active';
      call.answeredAt = this.deps.now();
      this.announce(call, 'accepted');
      await this.record(call, 'started', identity);
      return ok({ call: call.view(), iceServers: this.deps.iceServers(identity.id) });
    };

    const decline: Handler<'call.decline'> = async ({ identity }, data) => {
      const call = this.calls.get(data.consultationId);
      if (!call?.isParty(identity.id)) return err(call ? notMember : noCall('no call rings in this consultation'));
      if (call.state !== 'ringing' || call.caller.id === identity.id) return err(noCall('only a call ringing for you can be declined'));
      await this.end(call, 'declined', person(identity));
      return ok({});
    };

    const hangup: Handler<'call.hangup'> = async ({ identity }, data) => {
      const call = this.calls.get(data.consultationId);
      if (!call?.isParty(identity.id)) return err(call ? notMember : noCall('no call in this consultation'));
      await this.end(call, 'hangup', person(identity));
      return ok({});
    };

    const restart: Handler<'call.restart'> = async ({ identity }, data) => {
      const call = this.calls.get(data.consultationId);
      if (!call?.isParty(identity.id)) return err(call ? notMember : noCall('no call in this consultation'));
      if (call.state !== 'active') return err(noCall(`cannot restart a call that is ${call.state}`));
      call.generation++;
      this.announce(call, 'renegotiate');
      return ok({ call: call.view() });
    };

    const media: Handler<'call.media'> = async ({ identity }, data) => {
      const call = this.calls.get(data.consultationId);
      if (!call?.isParty(identity.id)) return err(call ? notMember : noCall('no call in this consultation'));
      call.sending.set(identity.id, { audio: data.audio, video: call.media === 'video' && data.video });
      this.announce(call, 'media');
      return ok({ call: call.view() });
    };

    return {
      'call.start': start,
      'call.accept': accept,
      'call.decline': decline,
      'call.hangup': hangup,
      'call.restart': restart,
      'call.media': media,
      ...signalHandlers(
        this.deps,
        (id, userId) => this.signalling(id, userId),
        (call, event, onlyTo) => this.announce(call, event, onlyTo),
        (call, userId) => this.receiving(call, userId),
      ),
      ...monitorHandlers(this.deps, (id) => this.calls.get(id)),
    };
  }

  /** A party's running call to signal in, or why not. */
  private signalling(consultationId: string, userId: string): Result<Call & { room: CallRoom }, ProtocolError> {
    const call = this.calls.get(consultationId);
    if (!call) return err(noCall('no call in this consultation'));
    if (!call.isParty(userId)) return err(notMember);
    if (call.state !== 'active') return err(noCall(`cannot set up media of a call that is ${call.state}`));
    // Between an engine restart and the room made again on the new one (`reopen`).
    if (!call.room) return err(unavailable('the media engine restarted, the call is being set up again'));
    return ok(call as Call & { room: CallRoom });
  }

  /** A party's receiving leg was taken: once both are, the call is set up (measured once per call; renegotiations are not setups). */
  private receiving(call: Call, userId: string): void {
    const before = call.receiving.size;
    call.receiving.add(userId);
    if (before < 2 && call.receiving.size === 2) this.deps.metrics?.setup.observe((this.deps.now() - call.startedAt) / 1000);
  }

  private refusal(identity: Identity, c: ConsultationRecord | undefined): ProtocolError | undefined {
    if (!c) return { code: ErrorCode.NOT_FOUND, message: 'no such consultation' };
    const party = identity.role === 'citizen' ? c.citizen.id === identity.id : c.lawyer?.id === identity.id;
    if (!party) return notMember;
    if (c.state !== 'active' || !c.lawyer) return { code: ErrorCode.CONSULTATION_STATE, message: `cannot call in a ${c.state} consultation` };
    return undefined;
  }

  /**
   * A consultation changed (seen on its `consult.state` push): its call ends when it is no
   * longer active, or another lawyer holds it now (transferred, requeued).
   */
  consultationChanged(c: PushData<'consult.state'>['consultation']): void {
    const call = this.calls.get(c.id);
    if (!call) return;
    if (c.state === 'active' && c.lawyer?.id === call.lawyer.id) return;
    void this.end(call, c.state === 'active' || c.state === 'queued' || c.state === 'picked' ? 'transferred' : 'closed');
  }

  /** Every device of a user went (this node): their calls end if none is back within the resume window. */
  userGone(userId: string): void {
    if (![...this.calls.values()].some((c) => c.isParty(userId) || c.monitors.has(userId))) return;
    clearTimeout(this.goneTimers.get(userId));
    const timer = setTimeout(() => {
      this.goneTimers.delete(userId);
      for (const call of [...this.calls.values()]) {
        if (call.isParty(userId)) void this.end(call, 'disconnected');
        else if (call.monitors.has(userId)) void stopMonitoring(this.deps, call, userId);
      }
    }, this.deps.goneAfterMs);
    timer.unref();
    this.goneTimers.set(userId, timer);
  }

  userBack(userId: string): void {
    clearTimeout(this.goneTimers.get(userId));
    this.goneTimers.delete(userId);
  }

  /**
   * The media engine restarted and every room went with it: each call gets its room again and
   * both parties are told to set their media up again (the SDK does so by itself).
   */
  engineRestarted(): void {
    for (const call of this.calls.values()) {
      // A supervisor's legs went with the engine: their monitoring ends (audited); they may start it again.
      for (const id of call.monitors.keys()) void stopMonitoring(this.deps, call, id);
      call.room = undefined;
      void this.reopen(call, 0);
    }
  }

  private async reopen(call: Call, attempt: number): Promise<void> {
    if (this.calls.get(call.consultationId) !== call || !this.deps.rooms) return;
    const room = await this.deps.rooms.open(call.consultationId);
    if (this.calls.get(call.consultationId) !== call) return void (room.ok && (await room.value.close()));
    if (!room.ok) {
      if (attempt + 1 >= REOPEN_TRIES) return void (await this.end(call, 'unavailable'));
      this.deps.log.warn({ consultationId: call.consultationId, attempt, error: room.error.message }, 'calls: room not made again yet');
      return void setTimeout(() => void this.reopen(call, attempt + 1), REOPEN_EVERY_MS).unref();
    }
    call.room = room.value;
    call.generation++;
    this.deps.log.info({ consultationId: call.consultationId, generation: call.generation }, 'calls: room made again after an engine restart');
    if (call.state === 'active') this.announce(call, 'renegotiate');
  }

  private async renew(call: Call): Promise<void> {
    const now = this.deps.now();
    try {
      const slot = await this.deps.slots.claimCall(call.lawyer.id, call.consultationId, now + SLOT_MS, now);
      if (!slot.ok) this.deps.log.error({ consultationId: call.consultationId }, 'calls: the lawyer call slot was taken by another call');
    } catch (e) {
      this.deps.log.warn({ err: e, consultationId: call.consultationId }, 'calls: renewing the call slot failed; tried again later');
    }
  }

  /** Ends a call once: its room closes, the lawyer's slot is free, both are told, and the end is in the transcript. */
  async end(call: Call, reason: EndReason, by?: ReturnType<typeof person>): Promise<void> {
    if (this.calls.get(call.consultationId) !== call || call.state === 'ended') return;
    const answered = call.state === 'active';
    call.state = 'ended';
    call.endedAt = this.deps.now();
    call.endReason = reason;
    call.endedBy = by;
    this.calls.delete(call.consultationId);
    this.deps.metrics?.ended.inc({ reason });
    clearInterval(call.renewTimer);
    this.announce(call, 'ended');
    // Supervisors listening in are told it ended too, and their monitoring's end is audited.
    if (call.monitors.size) this.deps.pusher.push([...call.monitors.keys()].map((id) => `u:${id}`), 'call.state', { call: call.view(), event: 'ended' });
    await Promise.all([...call.monitors.keys()].map((id) => stopMonitoring(this.deps, call, id)));
    const room = call.room;
    call.room = undefined;
    await Promise.all([
      room?.close().catch((e: unknown) => this.deps.log.warn({ err: e, consultationId: call.consultationId }, 'calls: closing the room failed')),
      this.deps.slots.endCall(call.lawyer.id, call.consultationId).catch((e: unknown) => this.deps.log.warn({ err: e, consultationId: call.consultationId }, 'calls: freeing the call slot failed; it lapses on its own')),
      answered || reason === 'declined' ? this.record(call, 'ended', by) : undefined,
    ]);
  }

  /** Ends every call (the node is closing): parties are told, slots freed, rooms closed. */
  async close(): Promise<void> {
    for (const timer of this.goneTimers.values()) clearTimeout(timer);
    this.goneTimers.clear();
    await Promise.all([...this.calls.values()].map((call) => this.end(call, 'unavailable')));
  }

  private announce(call: Call, event: PushData<'call.state'>['event'], onlyTo?: string): void {
    this.deps.pusher.push(onlyTo ? [`u:${onlyTo}`] : call.audience(), 'call.state', { call: call.view(), event });
  }

  /**
   * A service entry in the consultation's transcript: a message whose `clientMsgId` begins
   * `svc:` (clients cannot send one: `chat.send` refuses the prefix) and whose body is JSON a
   * client renders in its own words: the call started (who took it), or ended (how long, why,
   * who hung up). Pushed as every message is.
   */
  private async record(call: Call, what: 'started' | 'ended', by: ReturnType<typeof person> | undefined): Promise<void> {
    const at = what === 'started' ? (call.answeredAt ?? this.deps.now()) : (call.endedAt ?? this.deps.now());
    const body = JSON.stringify({
      call: what,
      callId: call.id,
      media: call.media,
      ...(what === 'ended' ? { reason: call.endReason, durationMs: call.answeredAt !== undefined ? at - call.answeredAt : 0 } : {}),
      by: by?.id ?? null,
    });
    try {
      const { message } = await this.deps.store.appendMessage({ consultationId: call.consultationId, from: by ?? call.caller, clientMsgId: `svc:call.${what}:${call.id}`, body, at });
      this.deps.pusher.push([`u:${call.citizen.id}`, `team:${call.lawyer.id}`], 'chat.message', toMessage(message));
    } catch (e) {
      this.deps.log.error({ err: e, consultationId: call.consultationId, callId: call.id, what }, 'calls: the service entry could not be stored');
    }
  }
}
