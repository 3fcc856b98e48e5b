/**
 * Stable error codes carried in `error {code, message}` replies. A code is never reused;
 * a retired one is marked deprecated and kept. The range tells a client what to do:
 *
 * | range     | meaning                                   | client action                          |
 * |-----------|-------------------------------------------|----------------------------------------|
 * | 1000–1999 | the frame itself is wrong                 | fix the client; do not resend as is     |
 * | 2000–2999 | identity or permission                    | get a new token or stop                 |
 * | 3000–3999 | domain state (not found, conflict, ...)   | do not resend the same request          |
 * | 4000–4999 | a limit was hit                           | resend later, after backing off         |
 * | 5000–5999 | the server could not do it now            | resend the same request (same ids)      |
 */
export const ErrorCode = {
  BAD_FRAME: 1000,
  FRAME_TOO_LARGE: 1001,
  BAD_ENCODING: 1002,
  UNKNOWN_TYPE: 1003,
  SCHEMA_VIOLATION: 1004,
  TOO_DEEP: 1005,
  HELLO_REQUIRED: 1006,
  ALREADY_AUTHENTICATED: 1007,
  /** Given by the SDK, not the server: the server dropped several connections in a row before answering hello. */
  HELLO_NOT_ANSWERED: 1008,
  /**
   * Given by the SDK, not the server: a request or chat message on a client that has stopped
   * (closed, ended by the server, or given up). It never reconnects: make a new client.
   */
  CLIENT_CLOSED: 1009,
  /** `call.offer`/`call.answer`: the text is not shaped like an SDP (`sdp.ts`), or the media engine would not take it. */
  SDP_INVALID: 1010,
  /** `call.offer`/`call.answer`: an SDP longer than `LIMITS.maxSdpChars`. */
  SDP_TOO_LARGE: 1011,

  TOKEN_INVALID: 2000,
  TOKEN_EXPIRED: 2001,
  TOKEN_NOT_YET_VALID: 2002,
  TOKEN_CLAIMS_INVALID: 2003,
  LICENCE_MISSING: 2004,
  LICENCE_INVALID: 2005,
  ASSISTANT_LIMIT: 2006,
  FORBIDDEN: 2007,
  RESUME_DENIED: 2008,

  NOT_FOUND: 3000,
  CONSULTATION_TAKEN: 3001,
  CONSULTATION_STATE: 3002,
  NOT_A_MEMBER: 3003,
  DUPLICATE_REQUEST_ID: 3004,
  NOT_ON_DUTY: 3005,
  OFFER_GONE: 3006,
  /** `call.start`: the consultation's lawyer holds a call already (one at a time, across the cluster). */
  LAWYER_IN_CALL: 3007,
  /** No call of that consultation in a state that allows the request (none ringing to accept, none running to signal in, one already there to start). */
  CALL_STATE: 3008,

  RATE_LIMITED: 4000,
  CAPACITY_EXCEEDED: 4001,
  /** The citizen has as many open consultations as one person may (LAWLINE_MAX_OPEN_PER_CITIZEN). */
  TOO_MANY_OPEN: 4002,
  /** Given by the SDK, not the server: as many chat messages wait for their acks as a client keeping them in a store holds (100); send again once some are acked. */
  OUTBOX_FULL: 4003,

  INTERNAL: 5000,
  STORE_UNAVAILABLE: 5001,
  TIMEOUT: 5002,
  IDENTITY_UNAVAILABLE: 5003,
  /** No media engine carries calls on this server now (not installed, or restarting): the hello reply's `calls` says why. */
  CALLS_UNAVAILABLE: 5004,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorCodeName];

export type ErrorAdvice = 'fix-client' | 'reauthenticate' | 'do-not-repeat' | 'back-off' | 'retry';

export function adviceFor(code: number): ErrorAdvice {
  if (code < 2000) return 'fix-client';
  if (code < 3000) return 'reauthenticate';
  if (code < 4000) return 'do-not-repeat';
  if (code < 5000) return 'back-off';
  return 'retry';
}

/**
 * WebSocket close codes (4000–4999 is the range RFC 6455 leaves to applications).
 *
 * | range     | meaning                                         | client action                         |
 * |-----------|-------------------------------------------------|---------------------------------------|
 * | 1000/1001 | normal close / server going away                | reconnect and resume                  |
 * | 1009      | a frame was over the limit                      | do not reconnect automatically        |
 * | 4000–4099 | transient: a session, if any, is still resumable | reconnect (with backoff) and resume  |
 * | 4100–4199 | credentials must change first                   | get a fresh token, then reconnect     |
 * | 4400–4499 | terminal                                        | do not reconnect automatically        |
 */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  /** RFC 6455's "message too big": a frame over the limit; sending it again would end the same way. */
  MESSAGE_TOO_BIG: 1009,

  TOO_SLOW: 4000,
  DRAINING: 4001,
  HEARTBEAT_TIMEOUT: 4002,
  SERVER_ERROR: 4003,
  /** The identity provider (its keys) could not be reached to check the token: retry, with backoff. */
  IDENTITY_UNAVAILABLE: 4004,
  /** Too many connections to this node, or from this address: back off, or try another node. */
  CONNECTION_LIMIT: 4005,

  TOKEN_EXPIRED: 4100,

  PROTOCOL_VIOLATION: 4400,
  NOT_AUTHENTICATED: 4401,
  AUTH_FAILED: 4403,
  SUPERSEDED: 4409,
  RATE_LIMIT_ABUSE: 4429,
} as const;

export type CloseCodeName = keyof typeof CloseCode;

export type CloseAdvice = 'resume' | 'reauthenticate' | 'stop';

export function closeAdvice(code: number): CloseAdvice {
  if (code >= 4100 && code < 4200) return 'reauthenticate';
  if ((code >= 4400 && code < 4500) || code === CloseCode.MESSAGE_TOO_BIG) return 'stop';
  return 'resume';
}
