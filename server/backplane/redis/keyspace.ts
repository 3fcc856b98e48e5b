import type { RedisClient } from './connect.ts';
import { CALL_SCRIPTS } from './call-scripts.ts';
import { COORDINATION_SCRIPTS } from './coordination-scripts.ts';
import { PRESENCE_SCRIPTS } from './presence-scripts.ts';
import { QUEUE_SCRIPTS } from './queue-scripts.ts';

const SCRIPTS = { ...PRESENCE_SCRIPTS, ...QUEUE_SCRIPTS, ...CALL_SCRIPTS, ...COORDINATION_SCRIPTS };
export type ScriptName = keyof typeof SCRIPTS;

/**
 * One deployment's keys on one connection, as the four port implementations use it: every
 * key under the hash-tagged prefix `{<prefix>}` (one slot, see lua.ts), and the scripts of
 * every port defined on the connection once.
 */
export class Keyspace {
  readonly tag: string;

  constructor(
    readonly redis: RedisClient,
    prefix: string,
  ) {
    this.tag = `{${prefix}}`;
    for (const [name, body] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 1, lua: body });
  }

  key(name: string): string {
    return `${this.tag}:${name}`;
  }

  run<T>(name: ScriptName, ...args: (string | number)[]): Promise<T> {
    return (this.redis as unknown as Record<ScriptName, (...a: (string | number)[]) => Promise<T>>)[name](this.tag, ...args);
  }
}

/** cjson writes an empty array as {}: give arrays back their shape. */
export const arr = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);
