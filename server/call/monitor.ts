import { ErrorCode } from '../../protocol/errors.ts';
import { err, ok, type ProtocolError } from '../../protocol/result.ts';
import { sdpProblem } from '../../protocol/sdp.ts';
import { person } from '../kernel/views.ts';
import type { Handler } from '../session/dispatch.ts';
import type { Call } from './call.ts';
import type { CallDeps } from './deps.ts';

/** A supervisor's legs in the room are named apart from the parties', so neither's can be taken for the other's. */
export const monitorLeg = (supervisorId: string) => `monitor:${supervisorId}`;

/**
 * Silent monitoring: a supervisor receives both parties' media, sends nothing, and the parties
 * are not told (no push to them, nothing in their view of the call). The supervisor's legs are
 * subscribers only, so the parties' media cannot change for it. Start and end (with how long)
 * are audit records, the start written before the first offer leaves.
 */
export function monitorHandlers(deps: Pick<CallDeps, 'store' | 'now' | 'log' | 'iceServers'>, running: (consultationId: string) => Call | undefined) {
  const noCall = (message: string): ProtocolError => ({ code: ErrorCode.CALL_STATE, message });

  const start: Handler<'call.monitor'> = async ({ identity }, data) => {
    const call = running(data.consultationId);
    if (!call || call.state !== 'active' || !call.room) return err(noCall('no call runs in this consultation on this node'));
    if (call.monitors.has(identity.id)) return err(noCall('you are monitoring this call already'));
    const room = call.room;
    call.monitors.set(identity.id, { person: person(identity), since: deps.now() });
    await deps.store.appendAudit({ at: deps.now(), actor: person(identity), action: 'call.monitor.start', subject: call.consultationId, owner: call.citizen.id });
    const legs = [];
    for (const party of [call.citizen, call.lawyer]) {
      const offered = await room.subscribe(monitorLeg(identity.id), party.id);
      if (!offered.ok || offered.value.type !== 'offer') {
        await stopMonitoring(deps, call, identity.id);
        return err({ code: ErrorCode.CALL_STATE, message: `the party sends no media yet: ${offered.ok ? 'no offer' : offered.error.message}` });
      }
      legs.push({ from: party, sdp: { type: 'offer' as const, sdp: offered.value.sdp } });
    }
    return ok({ call: call.view(), legs, iceServers: deps.iceServers(identity.id) });
  };

  const answer: Handler<'call.monitor.answer'> = async ({ identity }, data) => {
    const call = running(data.consultationId);
    if (!call?.monitors.has(identity.id) || !call.room) return err(noCall('you are not monitoring this call'));
    if (!call.isParty(data.from)) return err({ code: ErrorCode.NOT_A_MEMBER, message: 'not a party of this call' });
    const problem = sdpProblem(data.sdp.sdp);
    if (problem) return err(problem);
    const accepted = await call.room.accept(monitorLeg(identity.id), data.from, data.sdp);
    return accepted.ok ? ok({}) : err({ code: ErrorCode.SDP_INVALID, message: `the media engine would not take the SDP: ${accepted.error.message}` });
  };

  const end: Handler<'call.monitor.end'> = async ({ identity }, data) => {
    const call = running(data.consultationId);
    if (!call?.monitors.has(identity.id)) return err(noCall('you are not monitoring this call'));
    await stopMonitoring(deps, call, identity.id);
    return ok({});
  };

  return { 'call.monitor': start, 'call.monitor.answer': answer, 'call.monitor.end': end };
}

/** Ends one supervisor's monitoring of a call: their legs leave the room, and the end (how long) is audited. */
export async function stopMonitoring(deps: Pick<CallDeps, 'store' | 'now' | 'log'>, call: Call, supervisorId: string): Promise<void> {
  const monitor = call.monitors.get(supervisorId);
  if (!monitor) return;
  call.monitors.delete(supervisorId);
  await call.room?.leave(monitorLeg(supervisorId)).catch((e: unknown) => deps.log.warn({ err: e, consultationId: call.consultationId }, 'calls: a monitor could not leave the room'));
  const seconds = Math.round((deps.now() - monitor.since) / 1000);
  await deps.store.appendAudit({ at: deps.now(), actor: monitor.person, action: `call.monitor.end:${seconds}s`, subject: call.consultationId, owner: call.citizen.id });
}
