import { LawlineError } from './errors.ts';

/** Between two sends of a request the server failed (5xxx) while connected: as the outbox waits. */
const RESEND_AFTER_MS = 500;

/**
 * Runs `send` until the server answers it: again after a lost connection or no answer in time
 * (the client's TIMEOUT) and after a server failure (5xxx: "resend the same request"), each time
 * with what `send` puts in the frame, so its ids stay the same. A refusal is an answer (a limit,
 * 4xxx, or a state, 3xxx: nothing was made) and rejects, as does a stopped client (CLIENT_CLOSED,
 * which fails every request it is asked for at once).
 */
export async function untilAnswered<T>(send: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await send();
    } catch (e) {
      if (!(e instanceof LawlineError) || e.advice !== 'retry') throw e;
      // Still reconnecting then: the send waits for the next hello by itself (LawlineClient.request).
      await new Promise((r) => setTimeout(r, RESEND_AFTER_MS));
    }
  }
}
