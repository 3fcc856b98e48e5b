import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { CATEGORY_CODES, CHANNELS, CONSULTATION_STATES, REGION_PATTERN, ROLES } from './vocabulary.ts';

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
  },
  strict,
);

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
const Empty = Type.Object({}, strict);

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
        /** Present when the session could not be resumed: the open consultations now. */
        snapshot: Type.Optional(Type.Object({ consultations: Type.Array(ConsultationView) }, strict)),
      },
      strict,
    ),
  },
  /** Round trip with no side effect: latency probes and the session echo benchmark. */
  ping: { data: Empty, reply: Type.Object({ at: Timestamp }, strict) },
  'consult.request': {
    data: Type.Object(
      {
        category: CategorySchema,
        region: RegionSchema,
        channel: Type.Literal('text'),
        firstMessage: Type.Optional(Text(LIMITS.maxBodyChars)),
      },
      strict,
    ),
    reply: Type.Object({ consultation: ConsultationView }, strict),
  },
  'consult.cancel': { data: ConsultationRef, reply: Type.Object({ consultation: ConsultationView }, strict) },
  'queue.list': { data: Empty, reply: Type.Object({ consultations: Type.Array(ConsultationView) }, strict) },
  'consult.pick': { data: ConsultationRef, reply: Type.Object({ consultation: ConsultationView }, strict) },
  'consult.join': { data: ConsultationRef, reply: Type.Object({ consultation: ConsultationView }, strict) },
  'consult.close': {
    data: Type.Object({ consultationId: ObjectId, note: Type.Optional(Text(LIMITS.maxNoteChars)) }, strict),
    reply: Type.Object({ consultation: ConsultationView }, strict),
  },
  'consult.list': { data: Empty, reply: Type.Object({ consultations: Type.Array(ConsultationView) }, strict) },
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
} as const satisfies Record<string, { data: TSchema; reply: TSchema }>;

/** Server -> client pushes: each carries the session's next `seq`. */
export const Pushes = {
  /** A consultation the receiver takes part in changed state (queued, picked, active, closed...). */
  'consult.state': Type.Object({ consultation: ConsultationView }, strict),
  /** A lawyer's view of the waiting queue for their categories changed. */
  'queue.changed': Type.Object(
    { change: Type.Union([Type.Literal('added'), Type.Literal('removed')]), consultation: ConsultationView },
    strict,
  ),
  'chat.message': ChatMessage,
  'chat.typing': Type.Object({ consultationId: ObjectId, from: PersonView, typing: Type.Boolean() }, strict),
  'chat.read': Type.Object({ consultationId: ObjectId, from: PersonView, upToSeq: Seq }, strict),
} as const satisfies Record<string, TSchema>;

export type RequestType = keyof typeof Requests;
export type PushEvent = keyof typeof Pushes;
export type RequestData<T extends RequestType> = Static<(typeof Requests)[T]['data']>;
export type ReplyData<T extends RequestType> = Static<(typeof Requests)[T]['reply']>;
export type PushData<E extends PushEvent> = Static<(typeof Pushes)[E]>;
export type ConsultationViewT = Static<typeof ConsultationView>;
export type ChatMessageT = Static<typeof ChatMessage>;
export type PersonViewT = Static<typeof PersonView>;

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
