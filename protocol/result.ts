/** Errors at the edges are values: a decoder or validator returns one of these, never throws. */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

export interface ProtocolError {
  code: number;
  message: string;
  /** The request id, when the frame could be read far enough to find one. */
  id?: number;
}
