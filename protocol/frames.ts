import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { CATEGORY_CODES, CHANNELS, CONSULTATION_STATES, DUTY_STATES, REGION_PATTERN, ROLES } from './vocabulary.ts';

/**
 * Every frame on the wire, defined once. The server, the SDK, the web page and the load
 * tests import these; `schema.json` is generated from them for other-language clients.
 * All objects are closed (`additionalProperties: false`) so an unknown or hostile key
 * (`__proto__`, `constructor`) is a schema violation, not a silent extra.
 */
const strict = { additionalProperties: false } as const;

export const LIMITS = {
  /** Largest frame accepted, checked before decoding. */
  maxFrameBytes: 64 * 1024,
  /** Deepest container nesting accepted by the decoder; real frames use at most 5. */
  maxDepth: 16,
  maxBodyChars: 5000,
  maxNoteChars: 5000,
  maxTokenChars: 8192,
  historyPageMax: 200,
  maxCapacity: 20,
  maxConflicts: 200,
  maxPartyChars: 100,
  directoryMax: 500,
  /** Ended consultations in one `consult.past` page: a phone's screenful of them, several times over. */
  pastPageMax: 50,
  /** Alerts in one `alert.list` answer: a duty office's open queue several times over. */
  alertPageMax: 500,
  /**
   * Longest SDP accepted in `call.*`: Chromium's offer of a microphone and a camera measured
   * 5,188 characters, 5,972 with its candidates gathered; 32 KiB leaves room for simulcast and
   * many network interfaces, and
   * stays below `maxFrameBytes` so a longer one is refused with its own code (`SDP_TOO_LARGE`).
   */
  maxSdpChars: 32 * 1024,
  maxCandidateChars: 1024,
} as const;

const Id = Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 });
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const ObjectId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });
const Timestamp = Type.Integer({ minimum: 0, description: 'milliseconds since the Unix epoch' });

export const CategorySchema = Type.Union(CATEGORY_CODES.map((c) => Type.Literal(c)));
export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
export const RegionSchema = Type.String({ pattern: REGION_PATTERN });

export const PersonView = Type.Object(
  { id: ObjectId, role: RoleSchema, name: Type.String({ maxLength: 100 }) },
  strict,
);

export const ConsultationView = Type.Object(
  {
    id: ObjectId,
    state: Type.Union(CONSULTATION_STATES.map((s) => Type.Literal(s))),
    category: CategorySchema,
    region: RegionSchema,
    channel: Type.Union(CHANNELS.map((c) => Type.Literal(c))),
    citizen: PersonView,
    lawyer: Type.Optional(PersonView),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    lastSeq: Seq,
    /** Message consultations: when the answer is due. */
    dueAt: Type.Optional(Timestamp),
    /** Message consultations: when its lawyer first wrote in it (the answer the citizen waits for). */
    answeredAt: Type.Optional(Timestamp),
  },
  strict,
);

/**
 * A transcript entry the server writes (a call started or ended) has a `clientMsgId` beginning
 * with this and a JSON body (`{call: 'started'|'ended', callId, media, reason?, durationMs?, by}`)
 * for clients to render in their own words; `chat.send` refuses the prefix.
 */
export const SERVICE_ENTRY_PREFIX = 'svc:';

export const ChatMessage = Type.Object(
  {
    consultationId: ObjectId,
    seq: Seq,
    from: PersonView,
    clientMsgId: ObjectId,
    body: Type.String({ maxLength: LIMITS.maxBodyChars }),
    at: Timestamp,
  },
  strict,
);

const ConsultationRef = Type.Object({ consultationId: ObjectId }, strict);

/** A lawyer's presence as they and (without `conflicts`) the directory see it. */
export const PresenceView = Type.Object(
  {
    lawyerId: ObjectId,
    state: Type.Union(DUTY_STATES.map((s) => Type.Literal(s))),
    categories: Type.Array(CategorySchema),
    capacity: Type.Integer({ minimum: 1 }),
    /** Consultations held or offered now. */
    load: Type.Integer({ minimum: 0 }),
    /** In `wrap-up`: when it ends by itself (the lawyer may end it sooner, `duty.ready`). */
    wrapUpUntil: Type.Optional(Timestamp),
    /** In `wrap-up`: when the close that began it was; notes of what closed since stay writable (`note.set`). */
    wrapUpSince: Type.Optional(Timestamp),
  },
  strict,
);
const PresenceReply = Type.Object({ presence: PresenceView }, strict);

/** A citizen's waiting request: its place among requests of its category and the wait expected there. */
export const QueuePlace = Type.Object(
  {
    consultationId: ObjectId,
    position: Type.Integer({ minimum: 1 }),
    estimatedWaitMs: Type.Integer({ minimum: 0 }),
    /** Nobody is on duty for the category now: the place and the wait mean nothing (the `consult.suggest` case). */
    nobodyOnDuty: Type.Boolean(),
    /** Being offered to a lawyer now, as `queue.position` says (which lawyer is not said). */
    offered: Type.Optional(Type.Boolean()),
  },
  strict,
);

/** What anyone may see of a lawyer on duty: never their load, conflicts or devices. */
export const DirectoryEntry = Type.Object(
  {
    lawyerId: ObjectId,
    name: Type.String({ maxLength: 100 }),
    categories: Type.Array(CategorySchema),
    region: Type.Optional(RegionSchema),
    status: Type.Union([Type.Literal('available'), Type.Literal('busy'), Type.Literal('away')]),
    /** Today's rostered service hours, local time, e.g. `08:00-12:00`. */
    serviceHours: Type.Array(Type.String({ maxLength: 11 })),
  },
  strict,
);
/** A transfer's note from the lawyer who handed a consultation on, for the next lawyer. */
const Handover = Type.Object({ from: PersonView, note: Type.String({ maxLength: LIMITS.maxNoteChars }) }, strict);
const PartyName = Type.String({ minLength: 1, maxLength: LIMITS.maxPartyChars });
/** Risk warning levels (预警分级): I 特别重大 (red), II 重大 (orange), III 较大 (yellow), IV 一般 (blue). */
export const ALERT_LEVELS = ['I', 'II', 'III', 'IV'] as const;
export const ALERT_STATES = ['raised', 'acknowledged', 'closed'] as const;
const AlertLevelSchema = Type.Union(ALERT_LEVELS.map((l) => Type.Literal(l)));
const AlertStateSchema = Type.Union(ALERT_STATES.map((s) => Type.Literal(s)));
const Note = Text(LIMITS.maxNoteChars);
/** A rule's name: `<risk type>/<term or pattern id>`, `collective/<keyword>`, `service/<rule>`. */
const RuleId = Type.String({ minLength: 1, maxLength: 200 });

/** One step of an alert's life, in its record (and the audit log). */
export const AlertStep = Type.Object(
  {
    at: Timestamp,
    action: Type.Union(['raised', 'escalated', 'upgraded', 'reopened', 'acknowledged', 'annotated', 'closed'].map((a) => Type.Literal(a))),
    /** The supervisor; absent for the server's own steps (raise, escalation). */
    by: Type.Optional(PersonView),
    level: Type.Optional(AlertLevelSchema),
    note: Type.Optional(Note),
  },
  strict,
);

/**
 * A risk alert as supervisors see it. `kind`: content (words in one consultation's messages),
 * collective (many consultations on one subject: a possible collective incident), service (an SLA
 * breach, a citizen never answered; ratings and complaints later). `version` goes up with every
 * change (the store compares it: two nodes cannot both escalate or both acknowledge).
 */
export const AlertView = Type.Object(
  {
    id: ObjectId,
    version: Type.Integer({ minimum: 1 }),
    kind: Type.Union([Type.Literal('content'), Type.Literal('collective'), Type.Literal('service')]),
    /** self-harm, violence, extreme-emotion, collective-action, media-exposure, minors; collective; sla-breach, unanswered. */
    riskType: Type.String({ minLength: 1, maxLength: 64 }),
    level: AlertLevelSchema,
    state: AlertStateSchema,
    falsePositive: Type.Optional(Type.Boolean()),
    score: Type.Number(),
    /** The rules that matched (at most 20). */
    rules: Type.Array(RuleId, { maxItems: 20 }),
    consultationId: Type.Optional(ObjectId),
    /** Collective alerts: the consultations on the subject (at most 100). */
    consultationIds: Type.Optional(Type.Array(ObjectId, { maxItems: 100 })),
    category: Type.Optional(CategorySchema),
    region: Type.Optional(RegionSchema),
    /** The rule file version that raised it. */
    rulesVersion: Type.String({ maxLength: 100 }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    /** While raised and not acknowledged: when it escalates one level (absent at level I). */
    escalateAt: Type.Optional(Timestamp),
    /** Every step, oldest first (at most 200; the audit log has all). */
    history: Type.Array(AlertStep, { maxItems: 200 }),
  },
  strict,
);
const AlertRef = Type.Object({ alertId: ObjectId }, strict);
const AlertReply = Type.Object({ alert: AlertView }, strict);

const Empty = Type.Object({}, strict);

export const CALL_MEDIA = ['voice', 'video'] as const;
const CallMediaSchema = Type.Union(CALL_MEDIA.map((m) => Type.Literal(m)));
/** ringing: asked, not yet answered; active: accepted (media being set up or flowing); ended. */
export const CALL_STATES = ['ringing', 'active', 'ended'] as const;
export const CALL_EVENTS = ['ringing', 'accepted', 'ended', 'media', 'subscribe', 'renegotiate'] as const;
export const CALL_END_REASONS = ['hangup', 'declined', 'closed', 'transferred', 'disconnected', 'unavailable'] as const;

/** One party's sending now, as they say it (`call.media`): the other shows a muted microphone or no camera. */
const CallParty = Type.Object({ person: PersonView, audio: Type.Boolean(), video: Type.Boolean() }, strict);

/** A consultation's call as its parties see it; the engine behind it (rooms, handles, secrets) never shows. */
export const CallView = Type.Object(
  {
    consultationId: ObjectId,
    callId: ObjectId,
    media: CallMediaSchema,
    state: Type.Union(CALL_STATES.map((s) => Type.Literal(s))),
    caller: PersonView,
    parties: Type.Array(CallParty, { maxItems: 2 }),
    startedAt: Timestamp,
    answeredAt: Type.Optional(Timestamp),
    endedAt: Type.Optional(Timestamp),
    endReason: Type.Optional(Type.Union(CALL_END_REASONS.map((r) => Type.Literal(r)))),
    /** Who hung up or declined; absent when the server ended it (close, transfer, disconnect). */
    endedBy: Type.Optional(PersonView),
    /** Bumped each time the server asks both sides to set their media up again (the engine restarted, `call.restart`). */
    generation: Type.Integer({ minimum: 0 }),
  },
  strict,
);

/** An `RTCIceServer` as browsers take it. */
export const IceServer = Type.Object(
  { urls: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { minItems: 1, maxItems: 8 }), username: Type.Optional(Type.String({ maxLength: 512 })), credential: Type.Optional(Type.String({ maxLength: 512 })) },
  strict,
);
/** What starting or taking a call answers: the call, and the ICE servers to use for it (STUN, TURN with time-limited credentials; may be empty). */
const CallJoined = Type.Object({ call: CallView, iceServers: Type.Array(IceServer, { maxItems: 8 }) }, strict);
/**
 * An SDP as browsers give it. The schema bounds it by the frame; the server refuses one longer
 * than `LIMITS.maxSdpChars` (`SDP_TOO_LARGE`) or not shaped like an SDP (`SDP_INVALID`, `sdp.ts`).
 */
const SdpText = Type.String({ minLength: 1, maxLength: LIMITS.maxFrameBytes });
const SdpOf = <K extends 'offer' | 'answer'>(kind: K) => Type.Object({ type: Type.Literal(kind), sdp: SdpText }, strict);
/** Which of a party's two peer connections: the one sending their media, or the one receiving the other's. */
const CallLeg = Type.Union([Type.Literal('publish'), Type.Literal('subscribe')]);
const IceCandidate = Type.Union([
  Type.Object(
    {
      candidate: Type.String({ maxLength: LIMITS.maxCandidateChars }),
      sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
      sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 63 }), Type.Null()])),
    },
    strict,
  ),
  Type.Null(),
]);

/** Client -> server requests: each has `data` and the `data` of its ok reply. */
export const Requests = {
  hello: {
    data: Type.Object(
      {
        token: Type.String({ minLength: 1, maxLength: LIMITS.maxTokenChars }),
        resume: Type.Optional(Type.Object({ sessionId: ObjectId, lastSeq: Seq }, strict)),
      },
      strict,
    ),
    reply: Type.Object(
      {
        sessionId: ObjectId,
        resumed: Type.Boolean(),
        user: PersonView,
        /** Highest push seq the server has sent in this session so far. */
        seq: Seq,
        resumeWindowMs: Type.Integer(),
        heartbeatMs: Type.Integer(),
        /**
         * This server's limits, which may be below `LIMITS`: a client sends no frame larger than
         * `maxFrameBytes` and paces its frames to the token bucket (`ratePerSec`, `rateBurst`)
         * that every frame is charged to.
         */
        limits: Type.Optional(
          Type.Object({ maxFrameBytes: Type.Integer({ minimum: 1 }), ratePerSec: Type.Integer({ minimum: 1 }), rateBurst: Type.Integer({ minimum: 1 }) }, strict),
        ),
        /** Present when the session could not be resumed: the open consultations now. */
        snapshot: Type.Optional(Type.Object({ consultations: Type.Array(ConsultationView) }, strict)),
        /**
         * Whether this server can carry voice and video calls now, and if not why (`reason`, for
         * the operator: `hint` is the one-line fix). Absent from servers before calls existed.
         */
        calls: Type.Optional(Type.Object({ available: Type.Boolean(), reason: Type.Optional(Type.String({ maxLength: 500 })), hint: Type.Optional(Type.String({ maxLength: 200 })) }, strict)),
        /** The calls of the caller's consultations that ring or run now (after a resume as well as a new session). */
        activeCalls: Type.Optional(Type.Array(CallView, { maxItems: 50 })),
      },
      strict,
    ),
  },
  /** Round trip with no side effect: latency probes and the session echo benchmark. */
  ping: { data: Empty, reply: Type.Object({ at: Timestamp }, strict) },
  /**
   * Sign-out: the session ends now, not after the resume window. The server replies, then
   * closes the connection (1000); the session cannot be resumed (a shared computer's next user
   * cannot take it up), and what it held (an assistant's seat) is free at once.
   */
  'session.end': { data: Empty, reply: Empty },
  'consult.request': {
    data: Type.Object(
      {
        category: CategorySchema,
        region: RegionSchema,
        /** message: leave a message consultation straight away (nobody needs to be on duty). */
        channel: Type.Union([Type.Literal('text'), Type.Literal('message')]),
        firstMessage: Type.Optional(Text(LIMITS.maxBodyChars)),
        /** The other side of the dispute: a lawyer who declared a conflict with it is never offered this. */
        opposingParty: Type.Optional(PartyName),
        /** Wait for this lawyer (from the directory) first. */
        lawyerId: Type.Optional(ObjectId),
        /** A returning citizen agrees to be offered to their previous lawyer first, if on duty. */
        preferPrevious: Type.Optional(Type.Boolean()),
        /** After waiting for the chosen lawyer, go to the general queue (default true); false: keep waiting for them. */
        fallbackToQueue: Type.Optional(Type.Boolean()),
        /**
         * Makes a resend safe: the client draws one per request it means (as `clientMsgId`) and
         * sends it again with every retry of that request. A citizen's repeated id gets the
         * consultation the first one created, as it stands now, never a second one, for at
         * least a day after the first (the SDK's `requestConsultation` does this).
         */
        clientRequestId: Type.Optional(ObjectId),
      },
      strict,
    ),
    reply: Type.Object({ consultation: ConsultationView }, strict),
  },
  /** The citizen turns a waiting live request into a message consultation: same id, transcript and category. */
  'consult.convert': { data: ConsultationRef, reply: Type.Object({ consultation: ConsultationView }, strict) },
  /** The lawyer hands the consultation on to another category or a named lawyer; the transcript follows. */
  'consult.transfer': {
    data: Type.Object(
      { consultationId: ObjectId, category: Type.Optional(CategorySchema), lawyerId: Type.Optional(ObjectId), note: Text(LIMITS.maxNoteChars) },
      strict,
    ),
    reply: Type.Object({ consultation: ConsultationView }, strict),
  },
  'consult.cancel': { data: ConsultationRef, reply: Type.Object({ consultation: ConsultationView }, strict) },
  'queue.list': { data: Empty, reply: Type.Object({ consultations: Type.Array(ConsultationView) }, strict) },
  /**
   * The caller's live requests waiting in the queue, each with its place now (what `queue.position`
   * pushes when it changes, and whether anyone serves the category): for a client that lost what
   * it was told, as `duty.get` is for a lawyer.
   */
  'queue.positions': { data: Empty, reply: Type.Object({ positions: Type.Array(QueuePlace) }, strict) },
  'consult.pick': { data: ConsultationRef, reply: Type.Object({ consultation: ConsultationView }, strict) },
  'consult.join': { data: ConsultationRef, reply: Type.Object({ consultation: ConsultationView }, strict) },
  'consult.close': {
    data: Type.Object({ consultationId: ObjectId, note: Type.Optional(Text(LIMITS.maxNoteChars)) }, strict),
    reply: Type.Object({ consultation: ConsultationView }, strict),
  },
  'consult.list': { data: Empty, reply: Type.Object({ consultations: Type.Array(ConsultationView) }, strict) },
  /**
   * The caller's ended consultations (closed or cancelled), newest first, a page at a time:
   * `before` is the last one of the previous page (its createdAt and id); `hasMore` says
   * whether older ones remain. Open ones come with the hello snapshot and `consult.list`.
   */
  'consult.past': {
    data: Type.Object(
      {
        before: Type.Optional(Type.Object({ createdAt: Timestamp, id: ObjectId }, strict)),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.pastPageMax })),
      },
      strict,
    ),
    reply: Type.Object({ consultations: Type.Array(ConsultationView, { maxItems: LIMITS.pastPageMax }), hasMore: Type.Boolean() }, strict),
  },
  'consult.history': {
    data: Type.Object(
      {
        consultationId: ObjectId,
        /** Page backwards from (excluding) this message seq; omitted: from the newest. */
        beforeSeq: Type.Optional(Seq),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.historyPageMax })),
      },
      strict,
    ),
    reply: Type.Object({ messages: Type.Array(ChatMessage), hasMore: Type.Boolean() }, strict),
  },
  /** Go on duty (or change categories/capacity while on duty); the licence is checked again. */
  'duty.on': {
    data: Type.Object(
      {
        categories: Type.Optional(Type.Array(CategorySchema, { minItems: 1, maxItems: CATEGORY_CODES.length })),
        capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.maxCapacity })),
        conflicts: Type.Optional(Type.Array(PartyName, { maxItems: LIMITS.maxConflicts })),
      },
      strict,
    ),
    reply: PresenceReply,
  },
  /**
   * The caller's duty state now. `duty.state` is pushed when it changes; a client that lost what
   * it was told (a page reloaded on a resumed session, which replays nothing older) reads it.
   */
  'duty.get': { data: Empty, reply: PresenceReply },
  /** A break: no new offers, consultations kept. */
  'duty.away': { data: Empty, reply: PresenceReply },
  /**
   * Ends the caller's wrap-up now (the time after a close with no new offers): available again.
   * Outside a wrap-up it changes nothing and answers the duty state as it is (a repeat, or one
   * that crossed the wrap-up's end, is not an error).
   */
  'duty.ready': { data: Empty, reply: PresenceReply },
  'duty.off': { data: Empty, reply: PresenceReply },
  /** On-duty lawyers a citizen may ask for: public details only. */
  'directory.list': {
    data: Type.Object({ category: Type.Optional(CategorySchema), region: Type.Optional(RegionSchema) }, strict),
    reply: Type.Object({ lawyers: Type.Array(DirectoryEntry, { maxItems: LIMITS.directoryMax }) }, strict),
  },
  /**
   * The lawyer's notes on a consultation they hold (never shown to the citizen), and the handover
   * note of the lawyer who transferred it to them, if one did.
   */
  'note.get': {
    data: ConsultationRef,
    reply: Type.Object({ note: Type.String({ maxLength: LIMITS.maxNoteChars }), handover: Type.Optional(Handover) }, strict),
  },
  /**
   * Replaces the lawyer's notes: while they hold it open, and once closed, during the wrap-up it
   * began (the duty state `wrap-up`); empty clears them. `consult.close` may set them too.
   */
  'note.set': {
    data: Type.Object({ consultationId: ObjectId, note: Type.String({ maxLength: LIMITS.maxNoteChars }) }, strict),
    reply: Type.Object({ note: Type.String({ maxLength: LIMITS.maxNoteChars }) }, strict),
  },
  'offer.accept': { data: ConsultationRef, reply: Type.Object({ consultation: ConsultationView }, strict) },
  'offer.decline': { data: ConsultationRef, reply: Empty },
  'chat.send': {
    data: Type.Object({ consultationId: ObjectId, clientMsgId: ObjectId, body: Text(LIMITS.maxBodyChars) }, strict),
    reply: Type.Object({ clientMsgId: ObjectId, seq: Seq, at: Timestamp }, strict),
  },
  'chat.typing': {
    data: Type.Object({ consultationId: ObjectId, typing: Type.Boolean() }, strict),
    reply: Empty,
  },
  'chat.read': {
    data: Type.Object({ consultationId: ObjectId, upToSeq: Seq }, strict),
    reply: Empty,
  },
  /** Risk alerts, newest first: open ones (raised, acknowledged) unless `states` says otherwise. */
  'alert.list': {
    data: Type.Object(
      { states: Type.Optional(Type.Array(AlertStateSchema, { minItems: 1, maxItems: 3 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.alertPageMax })) },
      strict,
    ),
    reply: Type.Object({ alerts: Type.Array(AlertView, { maxItems: LIMITS.alertPageMax }) }, strict),
  },
  /** Stops the alert's escalation; a repeat answers the alert as it is. */
  'alert.ack': { data: Type.Object({ alertId: ObjectId, note: Type.Optional(Note) }, strict), reply: AlertReply },
  'alert.annotate': { data: Type.Object({ alertId: ObjectId, note: Note }, strict), reply: AlertReply },
  /** Closes the alert; `falsePositive` is counted against each rule that raised it (`alert.rules`). */
  'alert.close': { data: Type.Object({ alertId: ObjectId, falsePositive: Type.Optional(Type.Boolean()), note: Type.Optional(Note) }, strict), reply: AlertReply },
  /** The rule file in force and how often each rule's alerts were closed as false positives. */
  'alert.rules': {
    data: Empty,
    reply: Type.Object(
      {
        version: Type.String(),
        loadedAt: Timestamp,
        /** The risk types of the file with their labels (service and collective alerts have fixed types). */
        types: Type.Array(Type.Object({ type: Type.String({ maxLength: 64 }), label: Type.Object({ 'zh-CN': Type.String(), en: Type.String() }, strict) }, strict)),
        falsePositives: Type.Array(Type.Object({ rule: RuleId, count: Type.Integer({ minimum: 0 }) }, strict)),
      },
      strict,
    ),
  },
  /**
   * A party of an active consultation asks the other for a voice or video call; the other is
   * told by `call.state` (ringing) and answers with `call.accept` or `call.decline`. The caller
   * then sets up their media (`call.offer`, then `call.subscribe` once the other's is there).
   */
  'call.start': { data: Type.Object({ consultationId: ObjectId, media: CallMediaSchema }, strict), reply: CallJoined },
  'call.accept': { data: ConsultationRef, reply: CallJoined },
  'call.decline': { data: ConsultationRef, reply: Empty },
  /** Ends the call for both (ringing or active); the consultation goes on in text. */
  'call.hangup': { data: ConsultationRef, reply: Empty },
  /**
   * The party's offer to send their media (their `publish` connection); answered with the
   * SFU's SDP. Sent again with a fresh offer (an ICE restart: `createOffer({iceRestart: true})`)
   * it replaces the party's sending leg; the other party is told to `call.subscribe` again.
   */
  'call.offer': { data: Type.Object({ consultationId: ObjectId, sdp: SdpOf('offer') }, strict), reply: Type.Object({ sdp: SdpOf('answer') }, strict) },
  /** The SFU's offer of the other party's media (their `subscribe` connection), once they send it; the party answers with `call.answer`. */
  'call.subscribe': { data: ConsultationRef, reply: Type.Object({ sdp: SdpOf('offer') }, strict) },
  'call.answer': { data: Type.Object({ consultationId: ObjectId, sdp: SdpOf('answer') }, strict), reply: Empty },
  /** A trickled ICE candidate of one of the party's connections (`null`: gathering is complete). */
  'call.ice': { data: Type.Object({ consultationId: ObjectId, leg: CallLeg, candidate: IceCandidate }, strict), reply: Empty },
  /**
   * The party's media failed to recover (after a network change, a resumed WebSocket): both
   * parties are told (`call.state`, `renegotiate`) to set their connections up again.
   */
  'call.restart': { data: ConsultationRef, reply: Type.Object({ call: CallView }, strict) },
  /** The party muted or unmuted their microphone, turned their camera off or on: shown to the other. */
  'call.media': { data: Type.Object({ consultationId: ObjectId, audio: Type.Boolean(), video: Type.Boolean() }, strict), reply: Type.Object({ call: CallView }, strict) },
  /**
   * A supervisor listens in on a running call, receive-only and unseen by its parties (silent
   * monitoring; audited from start to end): the SFU's offer of each party's media, one leg per
   * party, which the supervisor answers with `call.monitor.answer` (candidates gathered in the answer).
   */
  'call.monitor': {
    data: ConsultationRef,
    reply: Type.Object({ call: CallView, legs: Type.Array(Type.Object({ from: PersonView, sdp: SdpOf('offer') }, strict), { maxItems: 2 }), iceServers: Type.Array(IceServer, { maxItems: 8 }) }, strict),
  },
  'call.monitor.answer': { data: Type.Object({ consultationId: ObjectId, from: ObjectId, sdp: SdpOf('answer') }, strict), reply: Empty },
  /** The supervisor stops listening (also when they disconnect past the resume window, or the call ends). */
  'call.monitor.end': { data: ConsultationRef, reply: Empty },
} as const satisfies Record<string, { data: TSchema; reply: TSchema }>;

/** Server -> client pushes: each carries the session's next `seq`. */
export const Pushes = {
  /** A consultation the receiver takes part in changed state (queued, picked, active, closed...). */
  'consult.state': Type.Object(
    { consultation: ConsultationView, reason: Type.Optional(Type.Union([Type.Literal('lawyer-disconnected'), Type.Literal('transferred'), Type.Literal('converted'), Type.Literal('rerouted')])) },
    strict,
  ),
  /** A lawyer's view of the waiting queue for their categories changed. */
  'queue.changed': Type.Object(
    { change: Type.Union([Type.Literal('added'), Type.Literal('removed')]), consultation: ConsultationView },
    strict,
  ),
  /** A message stored in a consultation. A sender's retry pushes it again with the same `seq`: keep the highest seq seen per consultation and drop what is not above it (the SDK does). */
  'chat.message': ChatMessage,
  /** The receiver's own duty state changed (on any of their devices, or by the server, with why). */
  'duty.state': Type.Object(
    { presence: PresenceView, reason: Type.Optional(Type.Union([Type.Literal('missed-offers'), Type.Literal('licence'), Type.Literal('disconnected')])) },
    strict,
  ),
  /** A consultation offered to the receiving lawyer until `expiresAt`; rings every device. */
  offer: Type.Object(
    {
      consultation: ConsultationView,
      expiresAt: Timestamp,
      /** Set when another lawyer transferred it: who and their note for the next lawyer. */
      handover: Type.Optional(Handover),
      /** The citizen's first message (what they asked), shown before the lawyer accepts; absent when they wrote none yet. */
      firstMessage: Type.Optional(Type.String({ maxLength: LIMITS.maxBodyChars })),
    },
    strict,
  ),
  /** An offer to the receiver is over: accepted (perhaps on another device), declined, timed out or withdrawn. */
  'offer.ended': Type.Object(
    {
      consultationId: ObjectId,
      outcome: Type.Union([Type.Literal('accepted'), Type.Literal('declined'), Type.Literal('timeout'), Type.Literal('withdrawn')]),
      /**
       * The ended offer's `expiresAt`, which names that offer: in a cluster an `offer` and its
       * `offer.ended` may come from two nodes and reach a device in either order, so an `offer`
       * whose consultation and `expiresAt` already ended is dropped (the SDK does); a later offer
       * of the same consultation has another. Absent from servers before it was added: then it
       * ends whatever offer of the consultation is showing.
       */
      expiresAt: Type.Optional(Timestamp),
    },
    strict,
  ),
  /** Nobody can take the citizen's request now: they may leave a message consultation instead (consult.convert). */
  'consult.suggest': Type.Object({ consultationId: ObjectId, reason: Type.Literal('nobody-on-duty') }, strict),
  /** A message consultation's answer is due soon (to its lawyer) or overdue (to supervisors and the lawyer). */
  'sla.reminder': Type.Object({ consultation: ConsultationView }, strict),
  'sla.breach': Type.Object({ consultation: ConsultationView }, strict),
  /** A rostered shift of the receiving lawyer started and they are not on duty. */
  'roster.reminder': Type.Object(
    {
      shift: Type.Object(
        { day: Type.String(), start: Type.String(), end: Type.String(), categories: Type.Array(CategorySchema), region: RegionSchema },
        strict,
      ),
    },
    strict,
  ),
  /**
   * The citizen's place in the queue and the estimated wait, sent as the queue moves. `offered`:
   * the request is being offered to a lawyer now (which one is not said); false, or absent from
   * servers before it was added, while it waits. `nobodyOnDuty`: nobody serves the category now
   * (the place and the wait mean nothing), sent again when that changes either way; absent from
   * servers before it was added, which said it only once, by `consult.suggest`.
   */
  'queue.position': Type.Object(
    {
      consultationId: ObjectId,
      position: Type.Integer({ minimum: 1 }),
      estimatedWaitMs: Type.Integer({ minimum: 0 }),
      offered: Type.Optional(Type.Boolean()),
      nobodyOnDuty: Type.Optional(Type.Boolean()),
    },
    strict,
  ),
  'chat.typing': Type.Object({ consultationId: ObjectId, from: PersonView, typing: Type.Boolean() }, strict),
  'chat.read': Type.Object({ consultationId: ObjectId, from: PersonView, upToSeq: Seq }, strict),
  /** To supervisors: an alert was raised or changed (every level: the board's feed). */
  'alert.changed': Type.Object({ alert: AlertView }, strict),
  /**
   * To supervisors on duty: an alert reached level III or above (raised there, or escalated),
   * as `sla.breach` tells them of an overdue answer. `priority` at level I.
   */
  'alert.notify': Type.Object({ alert: AlertView, priority: Type.Boolean() }, strict),
  /** To supervisors: a changed alert rule file was refused; the rules of `version` stay in force. */
  'alert.rules.rejected': Type.Object({ version: Type.String({ maxLength: 100 }), problem: Type.String({ maxLength: 1000 }) }, strict),
  /** To the lawyer of a consultation with a level II or I alert: how to handle it, from the rule file. */
  'alert.guidance': Type.Object(
    {
      consultationId: ObjectId,
      alertId: ObjectId,
      riskType: Type.String({ maxLength: 64 }),
      level: AlertLevelSchema,
      text: Type.Object({ 'zh-CN': Type.String({ maxLength: 2000 }), en: Type.String({ maxLength: 2000 }) }, strict),
    },
    strict,
  ),
  /**
   * A call of a consultation the receiver takes part in changed. `event` says what to do:
   * `ringing` (answer it), `accepted`, `ended`, `media` (the other muted, unmuted, turned their
   * camera off or on), `subscribe` (the other's media is there, new or set up again: `call.subscribe`
   * again) and `renegotiate` (the media engine restarted or a party asked `call.restart`: set
   * both connections up again, `call.offer` then `call.subscribe`).
   */
  'call.state': Type.Object(
    {
      call: CallView,
      event: Type.Union(CALL_EVENTS.map((e) => Type.Literal(e))),
    },
    strict,
  ),
} as const satisfies Record<string, TSchema>;

export type RequestType = keyof typeof Requests;
export type PushEvent = keyof typeof Pushes;
export type RequestData<T extends RequestType> = Static<(typeof Requests)[T]['data']>;
export type ReplyData<T extends RequestType> = Static<(typeof Requests)[T]['reply']>;
export type PushData<E extends PushEvent> = Static<(typeof Pushes)[E]>;
export type ConsultationViewT = Static<typeof ConsultationView>;
export type ChatMessageT = Static<typeof ChatMessage>;
export type PersonViewT = Static<typeof PersonView>;
export type QueuePlaceT = Static<typeof QueuePlace>;
export type AlertViewT = Static<typeof AlertView>;
export type AlertStepT = Static<typeof AlertStep>;
export type AlertLevel = (typeof ALERT_LEVELS)[number];
export type AlertState = (typeof ALERT_STATES)[number];
export type CallViewT = Static<typeof CallView>;
export type IceServerT = Static<typeof IceServer>;

/** The request frame for one type: `{type, id, data}`. */
export function requestFrameSchema<T extends RequestType>(type: T) {
  return Type.Object({ type: Type.Literal(type), id: Id, data: Requests[type].data }, strict);
}

/** Cumulative acknowledgement of server pushes; it has no reply. */
export const AckFrame = Type.Object({ type: Type.Literal('ack'), seq: Seq }, strict);

export const ErrorBody = Type.Object({ code: Type.Integer(), message: Type.String() }, strict);

export type RequestFrame<T extends RequestType = RequestType> = {
  [K in T]: { type: K; id: number; data: RequestData<K> };
}[T];
export type AckFrameT = Static<typeof AckFrame>;
export type ClientFrame = RequestFrame | AckFrameT;

export type OkReply<T extends RequestType = RequestType> = { type: 'reply'; id: number; ok: true; data: ReplyData<T> };
export type ErrorReply = { type: 'reply'; id: number; ok: false; error: Static<typeof ErrorBody> };
export type PushFrame<E extends PushEvent = PushEvent> = {
  [K in E]: { type: 'push'; seq: number; event: K; data: PushData<K> };
}[E];
/** An error that belongs to no request (the frame could not be read far enough to find its id). */
export type ErrorFrame = { type: 'error'; error: Static<typeof ErrorBody> };
export type ServerFrame = OkReply | ErrorReply | PushFrame | ErrorFrame;

/** Server frame schemas, for the JSON Schema export and for client-side validation. */
export const ServerFrameSchemas = {
  reply: Type.Union([
    Type.Object({ type: Type.Literal('reply'), id: Id, ok: Type.Literal(true), data: Type.Unknown() }, strict),
    Type.Object({ type: Type.Literal('reply'), id: Id, ok: Type.Literal(false), error: ErrorBody }, strict),
  ]),
  push: Type.Object({ type: Type.Literal('push'), seq: Seq, event: Type.String(), data: Type.Unknown() }, strict),
  error: Type.Object({ type: Type.Literal('error'), error: ErrorBody }, strict),
};
