/** A server the tests use, and how the set-up lets go of it at the end of the run. */
export interface TestService {
  url: string;
  /** Stops what the set-up started; nothing for a server that was already there. */
  stop(): Promise<void>;
}

/** A server that was there before the run and stays after it. */
export const existing = (url: string): TestService => ({ url, stop: async () => undefined });
