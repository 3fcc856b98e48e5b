import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { ErrorCode } from './errors.ts';
import { AckFrame, Requests, requestFrameSchema, type ClientFrame, type RequestType } from './frames.ts';
import { err, ok, type ProtocolError, type Result } from './result.ts';

const ackCheck = TypeCompiler.Compile(AckFrame);
const requestChecks = new Map<string, TypeCheck<TSchema>>(
  (Object.keys(Requests) as RequestType[]).map((type) => [type, TypeCompiler.Compile(requestFrameSchema(type))]),
);

export function isRequestType(type: string): type is RequestType {
  return requestChecks.has(type);
}

/** Checks a decoded value against the frame schemas; the one way a value becomes a ClientFrame. */
export function parseClientFrame(value: unknown): Result<ClientFrame, ProtocolError> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return err({ code: ErrorCode.BAD_FRAME, message: 'a frame is an object with a string "type"' });
  }
  const frame = value as { type?: unknown; id?: unknown };
  const id = isRequestId(frame.id) ? frame.id : undefined;
  if (typeof frame.type !== 'string') {
    return err(withId({ code: ErrorCode.BAD_FRAME, message: 'a frame is an object with a string "type"' }, id));
  }
  if (frame.type === 'ack') {
    return ackCheck.Check(value) ? ok(value as ClientFrame) : err(violation(ackCheck, value, id));
  }
  const check = requestChecks.get(frame.type);
  if (!check) return err(withId({ code: ErrorCode.UNKNOWN_TYPE, message: 'unknown frame type' }, id));
  return check.Check(value) ? ok(value as ClientFrame) : err(violation(check, value, id));
}

function violation(check: TypeCheck<TSchema>, value: unknown, id: number | undefined): ProtocolError {
  const first = check.Errors(value).First();
  const where = first ? `${first.path || '/'}: ${first.message}` : 'does not match the schema';
  return withId({ code: ErrorCode.SCHEMA_VIOLATION, message: where }, id);
}

function isRequestId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= 2 ** 32 - 1;
}

function withId(e: ProtocolError, id: number | undefined): ProtocolError {
  return id === undefined ? e : { ...e, id };
}
