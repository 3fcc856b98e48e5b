import { randomBytes } from 'node:crypto';
import type { CallViewT, PersonViewT } from '../../protocol/frames.ts';
import type { CallRoom } from '../../media/rooms.ts';

export type CallMedia = CallViewT['media'];
export type EndReason = NonNullable<CallViewT['endReason']>;

/** One consultation's call, held by the node that started it (its room is in this node's engine). */
export class Call {
  readonly id = `k_${randomBytes(9).toString('base64url')}`;
  state: 'ringing' | 'active' | 'ended' = 'ringing';
  answeredAt: number | undefined;
  endedAt: number | undefined;
  endReason: EndReason | undefined;
  endedBy: PersonViewT | undefined;
  generation = 0;
  room: CallRoom | undefined;
  /** Renews the lawyer's call slot in the backplane while the call lasts. */
  renewTimer: NodeJS.Timeout | undefined;
  /** Supervisors listening in (silent monitoring), by id: never in the parties' view of the call. */
  readonly monitors = new Map<string, { person: PersonViewT; since: number }>();
  /** Parties whose receiving leg the engine has taken (`call.answer`): both, and the call is set up. */
  readonly receiving = new Set<string>();
  /** What each party says they send (`call.media`). */
  readonly sending = new Map<string, { audio: boolean; video: boolean }>();

  constructor(
    readonly consultationId: string,
    readonly media: CallMedia,
    readonly caller: PersonViewT,
    readonly citizen: PersonViewT,
    readonly lawyer: PersonViewT,
    readonly startedAt: number,
  ) {
    for (const p of [citizen, lawyer]) this.sending.set(p.id, { audio: true, video: media === 'video' });
  }

  isParty(userId: string): boolean {
    return userId === this.citizen.id || userId === this.lawyer.id;
  }

  other(userId: string): PersonViewT {
    return userId === this.citizen.id ? this.lawyer : this.citizen;
  }

  /** Both parties' every device: never the lawyer's assistants (they do not take calls). */
  audience(): string[] {
    return [`u:${this.citizen.id}`, `u:${this.lawyer.id}`];
  }

  view(): CallViewT {
    return {
      consultationId: this.consultationId,
      callId: this.id,
      media: this.media,
      state: this.state,
      caller: this.caller,
      parties: [this.citizen, this.lawyer].map((person) => ({ person, ...(this.sending.get(person.id) ?? { audio: false, video: false }) })),
      startedAt: this.startedAt,
      ...(this.answeredAt !== undefined ? { answeredAt: this.answeredAt } : {}),
      ...(this.endedAt !== undefined ? { endedAt: this.endedAt } : {}),
      ...(this.endReason ? { endReason: this.endReason } : {}),
      ...(this.endedBy ? { endedBy: this.endedBy } : {}),
      generation: this.generation,
    };
  }
}
