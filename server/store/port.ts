import type { AlertState, AlertViewT } from '../../protocol/frames.ts';
import type { Category, Channel, ConsultationState, PriorityClass, Role } from '../../protocol/vocabulary.ts';

/**
 * The store port: durable records kept for years. Implementations: `file` (the embedded
 * default) and `postgres` (a cluster, DATABASE_URL). Every promise that resolves means the
 * write is durable (fsynced / committed); callers ack clients only after that.
 * One contract suite (`test/contracts/store.ts`) runs against every implementation.
 */
export interface Person {
  id: string;
  role: Role;
  name: string;
}

/** Message consultations: when the answer is due, when a lawyer got it, when they first answered, which SLA steps fired. */
export interface MessageSla {
  dueAt?: number;
  assignedAt?: number;
  answeredAt?: number;
  rerouted?: boolean;
  reminded?: boolean;
  breached?: boolean;
}

export interface ConsultationRecord extends MessageSla {
  id: string;
  state: ConsultationState;
  category: Category;
  region: string;
  channel: Channel;
  citizen: Person;
  lawyer?: Person;
  /** From the citizen's token: served first (never shown to lawyers as such). */
  priority?: PriorityClass;
  /** Named by the citizen: lawyers with a declared conflict against it are never offered this. */
  opposingParty?: string;
  /** Offer to this lawyer only until `preferredUntil` (the citizen chose them, or a transfer named them). */
  preferredLawyerId?: string;
  preferredUntil?: number;
  /** The last transfer: who handed it on and their note for the next lawyer; never shown to the citizen. */
  handover?: { from: Person; note: string };
  /** The lawyer's wrap-up note, set at close; never shown to the citizen. */
  note?: string;
  /** The citizen's id for the request that made it (consult.request): a repeat gets this one (`Store.createConsultation`). */
  clientRequestId?: string;
  createdAt: number;
  updatedAt: number;
  /** Seq of the newest message, 0 when there is none. */
  lastSeq: number;
}

export interface StoredMessage {
  consultationId: string;
  /** 1, 2, 3 ... within the consultation, assigned by the store. */
  seq: number;
  from: Person;
  clientMsgId: string;
  body: string;
  at: number;
}

export interface NewMessage {
  consultationId: string;
  from: Person;
  clientMsgId: string;
  body: string;
  at: number;
}

export interface ReadReceipt {
  consultationId: string;
  userId: string;
  upToSeq: number;
  at: number;
}

export interface ConsultationPatch extends MessageSla {
  state: ConsultationState;
  /** null: no lawyer any more (put back in the queue). */
  lawyer?: Person | null;
  note?: string;
  category?: Category;
  preferredLawyerId?: string | null;
  preferredUntil?: number | null;
  handover?: { from: Person; note: string };
  channel?: Channel;
  updatedAt: number;
}

export interface AuditEntry {
  at: number;
  actor: Person;
  /** e.g. `consult.history.read`, `recording.open`. */
  action: string;
  /** What was touched, e.g. a consultation id. */
  subject: string;
  /** Whose data it was. */
  owner?: string;
}

export interface AuditRecord extends AuditEntry {
  index: number;
  /** hex sha256(prevHash || canonical JSON of the entry and index); the first uses 64 zeros as prevHash. */
  hash: string;
  prevHash: string;
}

/**
 * A point of the chain published outside the store (a log line, a metric): a chain later found
 * without that record, or with another hash there, was cut or rewritten, even if it verifies.
 */
export interface AuditAnchor {
  index: number;
  hash: string;
}

/** One rostered duty shift, in the deployment's local time (see LAWLINE_UTC_OFFSET_MIN). */
export interface Shift {
  lawyerId: string;
  /** YYYY-MM-DD */
  day: string;
  /** HH:MM, end after start (a night shift is two shifts) */
  start: string;
  end: string;
  categories: Category[];
  region: string;
}

/** A lawyer came on or went off duty (kept for coverage reports). */
export interface DutyEvent {
  lawyerId: string;
  at: number;
  on: boolean;
  categories: Category[];
  region: string;
}

export type TransitionResult =
  | { ok: true; consultation: ConsultationRecord }
  | { ok: false; reason: 'not-found' | 'wrong-state' | 'not-held'; current?: ConsultationRecord };

/**
 * "Held by this lawyer": the consultation's lawyer now, never one it had before a transfer, a
 * requeue or a re-route. The one definition both stores answer `lawyerId` and `participantId`
 * filters and the `heldBy` condition of `transition` with (PostgreSQL by its `lawyer_id` column,
 * which every transition keeps equal to `lawyer.id`).
 */
export function isHeldBy(c: ConsultationRecord, lawyerId: string): boolean {
  return c.lawyer?.id === lawyerId;
}

/** The citizen of the consultation, or the lawyer who holds it now. */
export function isParticipant(c: ConsultationRecord, personId: string): boolean {
  return c.citizen.id === personId || isHeldBy(c, personId);
}

export interface ConsultationFilter {
  /** The citizen, or the lawyer who holds it now (`isParticipant`). */
  participantId?: string;
  /** Asked for by this citizen. */
  citizenId?: string;
  /** Held by this lawyer now (`isHeldBy`). */
  lawyerId?: string;
  states?: readonly ConsultationState[];
  categories?: readonly Category[];
  channel?: Channel;
  /** Only those listed after this one, newest first (by createdAt, then id): where the previous page ended. */
  before?: PageCursor;
  /** At most this many, the newest first. */
  limit?: number;
}

/** A consultation's place in the newest-first order of lists: its createdAt, then its id for ties. */
export interface PageCursor {
  createdAt: number;
  id: string;
}

/** True when `c` comes after `cursor` in the newest-first order (createdAt desc, id desc). */
export function isAfter(c: Pick<ConsultationRecord, 'createdAt' | 'id'>, cursor: PageCursor): boolean {
  return c.createdAt < cursor.createdAt || (c.createdAt === cursor.createdAt && c.id < cursor.id);
}

/** The newest-first order of lists: createdAt desc, then id desc by code unit (PostgreSQL compares ids under the "C" collation for it: ids are ASCII, base64url). */
export function newestFirst(a: Pick<ConsultationRecord, 'createdAt' | 'id'>, b: Pick<ConsultationRecord, 'createdAt' | 'id'>): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export interface HistoryPage {
  messages: StoredMessage[];
  hasMore: boolean;
}

/** The states in which a consultation is open: a citizen's cap counts these, whatever the channel. */
export const OPEN_STATES: readonly ConsultationState[] = ['queued', 'picked', 'active'];

/**
 * How long, at least, a store remembers a citizen's `clientRequestId`, counted in create times
 * (`createdAt`): a day. A client resends a request it got no answer to within seconds (the SDK
 * on its next connection), or at worst when a phone that lost its network overnight comes back;
 * a request older than that is not a retry. The file store forgets an id once a create a day
 * newer was made, so it holds a day of them (a province's day is some thousands); PostgreSQL
 * keeps them with the row.
 */
export const REQUEST_ID_MEMORY_MS = 24 * 60 * 60 * 1000;

/** What a create did: see `Store.createConsultation`. */
export type CreateOutcome =
  | { ok: true }
  | { ok: false; reason: 'too-many-open'; open: number }
  /** The citizen made one with this `clientRequestId` before: that one, as it stands now. */
  | { ok: false; reason: 'duplicate'; consultation: ConsultationRecord };

export interface CreateOptions {
  /** Only if its citizen has fewer open consultations than this (see `Store.createConsultation`). */
  maxOpenPerCitizen?: number;
  /**
   * Told the outcome as soon as the store has decided it, perhaps before the record is durable:
   * it holds unless the write then fails (the create rejects, and was never told). The file
   * store decides at once (it counts and writes with no await between), PostgreSQL a capped
   * create, or one with a `clientRequestId`, at its commit (a batch run again counts again), and
   * any store one with neither at once. Routing starts on it (`startCreate`).
   */
  decided?: (outcome: CreateOutcome) => void;
}

/** A create under way: whether the store took it as soon as it has decided (false too if the write failed first), and the outcome once durable. */
export interface Creating {
  decided: Promise<boolean>;
  created: Promise<CreateOutcome>;
}

/** Starts a create whose decision the caller acts on before it is durable (`CreateOptions.decided`). */
export function startCreate(store: Store, record: ConsultationRecord, options: Omit<CreateOptions, 'decided'> = {}): Creating {
  let decide: (stored: boolean) => void = () => undefined;
  const decided = new Promise<boolean>((resolve) => (decide = resolve));
  const created = store.createConsultation(record, { ...options, decided: (o) => decide(o.ok) });
  // The caller awaits `created` and hears its error there.
  created.then((o) => decide(o.ok), () => decide(false));
  return { decided, created };
}

/** What a checked append did: see `Store.appendIfAdmitted`. */
export type AppendOutcome =
  | { ok: true; message: StoredMessage; duplicate: boolean; consultation: ConsultationRecord }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'refused'; consultation: ConsultationRecord };

export interface Store {
  /**
   * Stores a new consultation. With `maxOpenPerCitizen`, only if its citizen has fewer open
   * consultations (`OPEN_STATES`, any channel) than that when it is written: decided atomically
   * against every other create, on any node (two devices asking at once cannot both take the
   * last place). With a `clientRequestId` its citizen used before (within
   * `REQUEST_ID_MEMORY_MS`), stores nothing and answers 'duplicate' with the first one as it
   * stands once that is durable: whatever its state now, at the cap or not, also while the first
   * is in flight or being made on another node (one of two at once wins, the other gets it).
   * A refusal stores nothing. Resolves once the outcome is durable; `decided` hears it first.
   */
  createConsultation(record: ConsultationRecord, options?: CreateOptions): Promise<CreateOutcome>;
  /**
   * Compare-and-set on the state: applies `patch` only if the current state is one of
   * `from` and, with `heldBy`, the consultation is held by that lawyer (`isHeldBy`) at the
   * moment of the write ('not-held' otherwise). Atomic against concurrent callers on any node
   * (two lawyers picking the same consultation: exactly one wins; a dropped lawyer's requeue
   * cannot take back what was transferred and accepted meanwhile).
   */
  transition(id: string, from: readonly ConsultationState[], patch: ConsultationPatch, heldBy?: string): Promise<TransitionResult>;
  /**
   * Stores a chat message and assigns its seq. A repeated (consultationId, from.id,
   * clientMsgId) returns the first stored message with `duplicate: true` and stores nothing,
   * also while the first write is still in flight.
   */
  appendMessage(message: NewMessage): Promise<{ message: StoredMessage; duplicate: boolean }>;
  /**
   * appendMessage for a sender whose right to write depends on the consultation: stores the
   * message only if `admits` accepts the consultation as it stands when the message is
   * written, with no transition between that check and the write (a close on another node
   * cannot let a message in after it). A refused message is not checked for being a
   * duplicate. The consultation comes back as the message found it (lastSeq included), so
   * the caller needs no read of its own.
   */
  appendIfAdmitted(message: NewMessage, admits: (c: ConsultationRecord) => boolean): Promise<AppendOutcome>;
  recordRead(receipt: ReadReceipt): Promise<void>;
  getConsultation(id: string): Promise<ConsultationRecord | undefined>;
  /** Newest first (`newestFirst`). */
  listConsultations(filter: ConsultationFilter): Promise<ConsultationRecord[]>;
  /** Messages with seq < beforeSeq (or the newest), at most `limit`, in ascending seq order. */
  history(consultationId: string, page: { beforeSeq?: number; limit: number }): Promise<HistoryPage>;
  /** Newest read receipt per reader of a consultation. */
  readReceipts(consultationId: string): Promise<ReadReceipt[]>;
  appendAudit(entry: AuditEntry): Promise<AuditRecord>;
  /** The last record's place in the chain (none yet: undefined), cheaply, for publishing it. */
  auditHead(): Promise<AuditAnchor | undefined>;
  /** The record at `index` as stored, or undefined past the end. */
  auditRecord(index: number): Promise<AuditRecord | undefined>;
  /** False while writes cannot be made durable (disk failed, database unreachable): /readyz says so. */
  ready(): boolean;
  /**
   * Durability counters for /metrics: records made durable, and the fsyncs or commits that did
   * it; and writes waiting for the next one (the one under way not counted), which grows only
   * while the store falls behind what it is asked.
   */
  stats(): StoreStats;
  /** Replaces the roster of one day. */
  putRoster(day: string, shifts: Shift[]): Promise<void>;
  roster(day: string): Promise<Shift[]>;
  appendDutyEvent(event: DutyEvent): Promise<void>;
  /** Duty events with from <= at < to, in time order. */
  dutyEvents(from: number, to: number): Promise<DutyEvent[]>;
  /**
   * Writes a risk alert whole, only if the stored one's version is `alert.version - 1` (none
   * stored for version 1): compare-and-set, atomic against every other node (two nodes cannot
   * both raise the same alert id, nor both escalate or acknowledge one). False, writing
   * nothing, when the version did not match: read it again and decide afresh.
   * Added for server/alerts (issue 19); kept to these three methods on purpose.
   */
  putAlert(alert: AlertRecord): Promise<boolean>;
  getAlert(id: string): Promise<AlertRecord | undefined>;
  /** Newest first (createdAt desc, then id desc), optionally by state. */
  listAlerts(filter: AlertFilter): Promise<AlertRecord[]>;
  /** Walks the audit chain; returns the index of the first record whose hash does not match, or -1. */
  verifyAudit(): Promise<{ records: number; firstBroken: number }>;
  close(): Promise<void>;
}

/**
 * A risk alert (server/alerts), stored whole at every change: the record is the supervisors'
 * view of it (protocol's AlertView). Alerts are few (a province's year is thousands), so a
 * store may hold every one in memory; `version` is the compare-and-set stamp (`Store.putAlert`).
 */
export type AlertRecord = AlertViewT;

export interface AlertFilter {
  states?: readonly AlertState[];
  /** At most this many, newest first (createdAt desc, then id desc). */
  limit?: number;
}

export interface StoreStats {
  fsyncs: number;
  records: number;
  waiting: number;
}
