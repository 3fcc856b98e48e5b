import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths never written to a log: credentials, personal contact data, message content.
 * Invariant 6; `log.test.ts` checks each one.
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'data.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'phone',
  '*.phone',
  'body',
  '*.body',
  'data.body',
  'firstMessage',
  '*.firstMessage',
  'note',
  '*.note',
  'privateKey',
  '*.privateKey',
  'secret',
  '*.secret',
];

/** `nodeId` goes on every line, so that the logs of a cluster's nodes can be told apart. */
export function createLogger(level: string, destination?: DestinationStream, nodeId?: string): Logger {
  return pino(
    {
      level,
      base: { service: 'lawline', ...(nodeId ? { node: nodeId } : {}) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
