/**
 * lawline requests of an exact size or with exact bytes inside, which the conformance cases
 * send where Autobahn sends its own payloads.
 */

/** A JSON request of exactly `size` bytes (spaces before the id): the reply's id proves the whole text arrived. */
export function jsonRequest(type: string, data: unknown, id: number, size?: number): Buffer {
  const head = Buffer.from(`{"type":${JSON.stringify(type)},"data":${JSON.stringify(data)}`);
  const tail = Buffer.from(`,"id":${id}}`);
  const pad = (size ?? 0) - head.length - tail.length;
  if (size !== undefined && pad < 0) throw new Error(`a ${type} request does not fit in ${size} bytes`);
  return Buffer.concat([head, Buffer.alloc(Math.max(0, pad), 0x20), tail]);
}

export const ping = (id: number, size?: number) => jsonRequest('ping', {}, id, size);

/**
 * A JSON chat.send whose body is `body` as raw bytes between the quotes: valid UTF-8 comes
 * back from the store byte for byte; invalid UTF-8 must never get that far.
 */
export function chatSend(id: number, consultationId: string, clientMsgId: string, body: Buffer): Buffer {
  const head = `{"type":"chat.send","data":{"consultationId":${JSON.stringify(consultationId)},"clientMsgId":${JSON.stringify(clientMsgId)},"body":"`;
  return Buffer.concat([Buffer.from(head), body, Buffer.from(`"},"id":${id}}`)]);
}

/**
 * A msgpack `ping` of exactly `size` bytes: `{type, data: {pad: bin32}, id}`. msgpack has no
 * padding, so the bytes ride in a field the schema refuses; the answer is SCHEMA_VIOLATION
 * for this id, which still proves the frame arrived whole (the id comes after the pad).
 */
export function binaryPing(id: number, size: number): Buffer {
  const head = Buffer.concat([Buffer.from([0x83]), str('type'), str('ping'), str('data'), Buffer.from([0x81]), str('pad'), Buffer.from([0xc6])]);
  const tail = Buffer.concat([str('id'), uint32(id)]);
  const pad = size - head.length - 4 - tail.length;
  if (pad < 0) throw new Error(`a binary ping does not fit in ${size} bytes`);
  return Buffer.concat([head, uint32(pad).subarray(1), Buffer.alloc(pad, 0xfe), tail]);
}

/**
 * A valid msgpack request of exactly `size` bytes (up to about 5 KB): `consult.transfer` with a
 * note of spaces, which a citizen may not send, so it is answered FORBIDDEN: a refusal, not a
 * malformed frame, so a thousand of them do not count against the connection as binaryPing would.
 */
export function binaryNote(id: number, size: number): Buffer {
  const head = Buffer.concat([Buffer.from([0x83]), str('type'), str('consult.transfer'), str('data'), Buffer.from([0x82]), str('consultationId'), str('none'), str('note')]);
  const tail = Buffer.concat([str('id'), uint32(id)]);
  const note = size - head.length - 3 - tail.length;
  if (note < 1) throw new Error(`a binary note does not fit in ${size} bytes`);
  const length = Buffer.from([0xda, 0, 0]);
  length.writeUInt16BE(note, 1);
  return Buffer.concat([head, length, Buffer.alloc(note, 0x20), tail]);
}

/** A msgpack chat.send whose body string is `body` as raw bytes (str8): what a msgpack client could put there. */
export function binaryChatSend(id: number, consultationId: string, clientMsgId: string, body: Buffer): Buffer {
  const data = Buffer.concat([Buffer.from([0x83]), str('consultationId'), str(consultationId), str('clientMsgId'), str(clientMsgId), str('body'), str8(body)]);
  return Buffer.concat([Buffer.from([0x83]), str('type'), str('chat.send'), str('data'), data, str('id'), uint32(id)]);
}

/** msgpack string headers written by hand, so that the bytes inside are exactly the ones given. */
const str8 = (bytes: Buffer) => Buffer.concat([Buffer.from([0xd9, bytes.length]), bytes]);
const str = (s: string) => str8(Buffer.from(s));
/** uint32 (0xce) with its type byte; `.subarray(1)` is the bare big-endian number. */
function uint32(n: number): Buffer {
  const b = Buffer.from([0xce, 0, 0, 0, 0]);
  b.writeUInt32BE(n, 1);
  return b;
}
