import type { ConsultationState } from '../../../protocol/vocabulary.ts';
import { isAfter, isHeldBy, isParticipant, newestFirst, OPEN_STATES, type AlertRecord, type AuditRecord, type ConsultationFilter, type ConsultationRecord, type DutyEvent, type ReadReceipt, type Shift } from '../port.ts';
import { LocationList } from './location-list.ts';
import { RequestIds } from '../request-ids.ts';
import type { Location } from './segment-log.ts';
import type { LogRecord } from './records.ts';

const OPEN: ReadonlySet<ConsultationState> = new Set(OPEN_STATES);

/**
 * What the store answers queries from, rebuilt from the segments at start. Message bodies stay
 * on disk (a province's transcripts over years do not fit in memory); only their locations are
 * held here, compactly (`LocationList`); a message's slot is a hole while its write is in flight.
 */
export class Indexes {
  readonly consultations = new Map<string, ConsultationRecord>();
  readonly open = new Set<string>();
  /** personId -> consultations of which they are the citizen or the lawyer now (`isParticipant`). */
  readonly byParticipant = new Map<string, Set<string>>();
  /** Which consultation a citizen's clientRequestId made (the last day of them). */
  readonly requests = new RequestIds();
  readonly located = new Map<string, LocationList>();
  readonly reads = new Map<string, Map<string, ReadReceipt>>();
  readonly audit: Location[] = [];
  auditTail: AuditRecord | undefined;
  readonly rosters = new Map<string, Shift[]>();
  readonly duty: DutyEvent[] = [];
  /** Every alert as it stands (few: thousands a year). */
  readonly alerts = new Map<string, AlertRecord>();

  apply(record: LogRecord, location: Location | undefined): void {
    switch (record.k) {
      case 'consultation':
        this.consultations.set(record.c.id, { ...record.c });
        this.requests.remember(record.c);
        this.reindex(record.c);
        return;
      case 'transition': {
        const c = this.consultations.get(record.id);
        if (!c) throw new Error(`store: transition of unknown consultation ${record.id}`);
        const lawyerBefore = c.lawyer?.id;
        Object.assign(c, record.patch);
        // null in a patch clears the field.
        for (const key of ['lawyer', 'preferredLawyerId', 'preferredUntil'] as const) if (record.patch[key] === null) delete c[key];
        // Handed on, requeued or re-routed: the lawyer before no longer holds it.
        if (lawyerBefore !== undefined && !isParticipant(c, lawyerBefore)) this.unlist(lawyerBefore, c.id);
        this.reindex(c);
        return;
      }
      case 'message': {
        const c = this.consultations.get(record.m.consultationId);
        if (!c) throw new Error(`store: message for unknown consultation ${record.m.consultationId}`);
        c.lastSeq = Math.max(c.lastSeq, record.m.seq);
        let list = this.located.get(c.id);
        if (!list) this.located.set(c.id, (list = new LocationList()));
        if (location) list.set(record.m.seq - 1, location);
        else list.reserve(record.m.seq - 1);
        return;
      }
      case 'alert':
        this.alerts.set(record.a.id, record.a);
        return;
      case 'read': {
        let perReader = this.reads.get(record.r.consultationId);
        if (!perReader) this.reads.set(record.r.consultationId, (perReader = new Map()));
        const prev = perReader.get(record.r.userId);
        if (!prev || prev.upToSeq <= record.r.upToSeq) perReader.set(record.r.userId, record.r);
        return;
      }
      case 'audit':
        this.auditTail = record.a;
        if (location) this.audit[record.a.index] = location;
        return;
      case 'roster':
        this.rosters.set(record.day, record.shifts);
        return;
      case 'duty':
        this.duty.push(record.e);
        return;
    }
  }

  filter(f: ConsultationFilter): ConsultationRecord[] {
    const onlyOpen = f.states !== undefined && f.states.every((s) => OPEN.has(s));
    const person = f.lawyerId ?? f.citizenId ?? f.participantId;
    const ids: Iterable<string> = person
      ? (this.byParticipant.get(person) ?? [])
      : onlyOpen
        ? this.open
        : this.consultations.keys();
    const found: ConsultationRecord[] = [];
    for (const id of ids) {
      const c = this.consultations.get(id) as ConsultationRecord;
      if (f.participantId && !isParticipant(c, f.participantId)) continue;
      if (f.citizenId && c.citizen.id !== f.citizenId) continue;
      if (f.lawyerId && !isHeldBy(c, f.lawyerId)) continue;
      if (f.states && !f.states.includes(c.state)) continue;
      if (f.categories && !f.categories.includes(c.category)) continue;
      if (f.channel && c.channel !== f.channel) continue;
      if (f.before && !isAfter(c, f.before)) continue;
      found.push(c);
    }
    // Copies of the page only: a citizen's years of consultations are sorted by reference.
    return found.sort(newestFirst).slice(0, f.limit).map((c) => ({ ...c }));
  }

  /** How many open consultations a citizen has (any channel). */
  openOf(citizenId: string): number {
    let n = 0;
    for (const id of this.byParticipant.get(citizenId) ?? []) {
      const c = this.consultations.get(id) as ConsultationRecord;
      if (c.citizen.id === citizenId && OPEN.has(c.state)) n++;
    }
    return n;
  }

  private unlist(personId: string, consultationId: string): void {
    const set = this.byParticipant.get(personId);
    set?.delete(consultationId);
    if (set?.size === 0) this.byParticipant.delete(personId);
  }

  private reindex(c: ConsultationRecord): void {
    if (OPEN.has(c.state)) this.open.add(c.id);
    else this.open.delete(c.id);
    for (const p of [c.citizen.id, c.lawyer?.id]) {
      if (!p) continue;
      let set = this.byParticipant.get(p);
      if (!set) this.byParticipant.set(p, (set = new Set()));
      set.add(c.id);
    }
  }
}
