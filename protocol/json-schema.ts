import { CloseCode, ErrorCode } from './errors.ts';
import { AckFrame, Pushes, Requests, requestFrameSchema, ServerFrameSchemas, type RequestType } from './frames.ts';
import { PROTOCOL_VERSION, SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK } from './version.ts';

/** The JSON Schema document committed as `protocol/schema.json` for other-language clients. */
export function buildJsonSchema(): string {
  const requests = Object.fromEntries(
    (Object.keys(Requests) as RequestType[]).map((type) => [
      type,
      { frame: requestFrameSchema(type), reply: Requests[type].reply },
    ]),
  );
  const doc = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'lawline wire protocol',
    version: PROTOCOL_VERSION,
    subprotocols: { msgpack: SUBPROTOCOL_MSGPACK, json: SUBPROTOCOL_JSON },
    errorCodes: ErrorCode,
    closeCodes: CloseCode,
    client: { requests, ack: AckFrame },
    server: { frames: ServerFrameSchemas, pushes: Pushes },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
