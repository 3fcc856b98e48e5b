import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema } from './json-schema.ts';

describe('protocol/schema.json', () => {
  it('is the one generated from frames.ts (run `npm run schema` after changing a frame)', () => {
    const committed = readFileSync(new URL('./schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(buildJsonSchema());
  });
});
