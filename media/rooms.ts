import type { Result } from '../protocol/result.ts';

/** An SDP offer or answer, as browsers give and take it. */
export interface Sdp {
  type: 'offer' | 'answer';
  sdp: string;
}

/** A trickled ICE candidate (`null`: that side has no more). */
export type Candidate = { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null;

/** One leg of a participant through the SFU: what they send, or what they receive of another participant. */
export type Leg = 'publish' | { from: string };

export interface MediaError {
  /** unavailable: no engine answers; refused: the engine would not (bad SDP, unknown feed…); lost: the engine restarted under it. */
  kind: 'unavailable' | 'refused' | 'lost';
  message: string;
}

/**
 * One consultation's call in the SFU. Each participant publishes their media and subscribes to
 * the others'; `close()` ends every participant's legs and the room (mediasoup's cascade).
 */
export interface CallRoom {
  readonly id: string;
  /** The participant's offer to send media; resolves with the SFU's answer. */
  publish(participant: string, offer: Sdp): Promise<Result<Sdp, MediaError>>;
  /** The SFU's offer to send `participant` what `from` publishes; they answer with `accept`. */
  subscribe(participant: string, from: string): Promise<Result<Sdp, MediaError>>;
  accept(participant: string, from: string, answer: Sdp): Promise<Result<void, MediaError>>;
  trickle(participant: string, leg: Leg, candidate: Candidate): Promise<Result<void, MediaError>>;
  /** Ends one participant's legs; the room stays for the others. */
  leave(participant: string): Promise<void>;
  close(): Promise<void>;
}

export interface CallRooms {
  /** Makes the room `id` (a consultation's), or fails with why calls cannot be placed now. */
  open(id: string): Promise<Result<CallRoom, MediaError>>;
}
