import { adviceFor, ErrorCode, type ErrorAdvice } from '../../protocol/errors.ts';

/** A refused or failed request. `advice` (from the code's range) says whether to retry. */
export class LawlineError extends Error {
  readonly advice: ErrorAdvice;
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'LawlineError';
    this.advice = adviceFor(code);
  }

  get retryable(): boolean {
    return this.advice === 'retry' || this.advice === 'back-off';
  }
}

/** The connection dropped or the server did not answer in time: safe to retry with the same ids. */
export const timeoutError = (what: string) => new LawlineError(ErrorCode.TIMEOUT, `${what}: no answer in time`);
