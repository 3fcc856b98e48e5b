export const PROTOCOL_VERSION = 1;

/** Binary msgpack frames: the production encoding. */
export const SUBPROTOCOL_MSGPACK = 'lawline.v1';
/** JSON text frames: same frames, for debugging with any WebSocket tool. */
export const SUBPROTOCOL_JSON = 'lawline.v1.json';

export type Encoding = 'msgpack' | 'json';

export function encodingFor(subprotocol: string): Encoding | undefined {
  if (subprotocol === SUBPROTOCOL_MSGPACK) return 'msgpack';
  if (subprotocol === SUBPROTOCOL_JSON) return 'json';
  return undefined;
}
