import { ErrorCode } from '../../protocol/errors.ts';
import type { PushData } from '../../protocol/frames.ts';
import { err, ok, type ProtocolError, type Result } from '../../protocol/result.ts';
import { sdpProblem } from '../../protocol/sdp.ts';
import type { CallRoom, MediaError } from '../../media/rooms.ts';
import type { Handler } from '../session/dispatch.ts';
import type { Call } from './call.ts';
import type { CallDeps } from './deps.ts';

/**
 * The signalling of a running call: each party publishes their media on one connection
 * (`call.offer`) and receives the other's on another (`call.subscribe`, `call.answer`), with
 * trickled candidates for either (`call.ice`). The engine's handles, rooms and secrets stay here.
 */
export function signalHandlers(
  deps: Pick<CallDeps, 'log'>,
  running: (consultationId: string, userId: string) => Result<Call & { room: CallRoom }, ProtocolError>,
  announce: (call: Call, event: PushData<'call.state'>['event'], onlyTo?: string) => void,
  receiving: (call: Call, userId: string) => void,
) {
  /** What the engine's refusal means to the client. */
  const failed = (call: Call, e: MediaError, refused: ProtocolError): ProtocolError => {
    if (e.kind === 'refused') return refused;
    deps.log.warn({ consultationId: call.consultationId, kind: e.kind, error: e.message }, 'calls: the media engine could not take a signal');
    return { code: ErrorCode.CALLS_UNAVAILABLE, message: `calls are unavailable: ${e.kind === 'lost' ? 'the media engine restarted, the call is being set up again' : 'the media engine does not answer'}` };
  };
  const sdpInvalid = (e: MediaError): ProtocolError => ({ code: ErrorCode.SDP_INVALID, message: `the media engine would not take the SDP: ${e.message}` });

  const offer: Handler<'call.offer'> = async ({ identity }, data) => {
    const call = running(data.consultationId, identity.id);
    if (!call.ok) return call;
    const problem = sdpProblem(data.sdp.sdp);
    if (problem) return err(problem);
    const answer = await call.value.room.publish(identity.id, data.sdp);
    if (!answer.ok) return err(failed(call.value, answer.error, sdpInvalid(answer.error)));
    if (answer.value.type !== 'answer') return err(sdpInvalid({ kind: 'refused', message: 'the engine did not answer with an answer' }));
    // The other party's view of this one's media must be taken again (it is a new feed).
    announce(call.value, 'subscribe', call.value.other(identity.id).id);
    return ok({ sdp: { type: 'answer', sdp: answer.value.sdp } });
  };

  const subscribe: Handler<'call.subscribe'> = async ({ identity }, data) => {
    const call = running(data.consultationId, identity.id);
    if (!call.ok) return call;
    const from = call.value.other(identity.id).id;
    const offered = await call.value.room.subscribe(identity.id, from);
    if (!offered.ok) return err(failed(call.value, offered.error, { code: ErrorCode.CALL_STATE, message: `the other party sends no media yet: ${offered.error.message}` }));
    if (offered.value.type !== 'offer') return err({ code: ErrorCode.CALLS_UNAVAILABLE, message: 'calls are unavailable: the engine did not offer' });
    return ok({ sdp: { type: 'offer', sdp: offered.value.sdp } });
  };

  const answer: Handler<'call.answer'> = async ({ identity }, data) => {
    const call = running(data.consultationId, identity.id);
    if (!call.ok) return call;
    const problem = sdpProblem(data.sdp.sdp);
    if (problem) return err(problem);
    const accepted = await call.value.room.accept(identity.id, call.value.other(identity.id).id, data.sdp);
    if (!accepted.ok) return err(failed(call.value, accepted.error, sdpInvalid(accepted.error)));
    receiving(call.value, identity.id);
    return ok({});
  };

  const ice: Handler<'call.ice'> = async ({ identity }, data) => {
    const call = running(data.consultationId, identity.id);
    if (!call.ok) return call;
    const leg = data.leg === 'publish' ? ('publish' as const) : { from: call.value.other(identity.id).id };
    const done = await call.value.room.trickle(identity.id, leg, data.candidate);
    return done.ok ? ok({}) : err(failed(call.value, done.error, { code: ErrorCode.CALL_STATE, message: `no ${data.leg} connection to add a candidate to: send its SDP first` }));
  };

  return { 'call.offer': offer, 'call.subscribe': subscribe, 'call.answer': answer, 'call.ice': ice };
}
