import { describe, expect, it } from 'vitest';
import { consultation } from '../../test/contracts/store.ts';
import { REQUEST_ID_MEMORY_MS } from './port.ts';
import { RequestIds } from './request-ids.ts';

describe('request ids of the file store', () => {
  it('holds one day of them however long it runs: each create forgets those a day older', () => {
    const ids = new RequestIds();
    const start = 1_700_000_000_000;
    const every = 10 * 60_000;
    // Three days, a request every ten minutes, half of them with an id.
    for (let i = 0; i < 432; i++) ids.remember(consultation({ createdAt: start + i * every, ...(i % 2 ? {} : { clientRequestId: `r${i}` }) }));
    expect(ids.size).toBe(REQUEST_ID_MEMORY_MS / every / 2);
    // The newest create was #431: #288 was less than a day before it, #286 a day or more.
    for (const [i, kept] of [[430, true], [288, true], [286, false], [0, false]] as const) {
      expect(ids.get(consultation({ clientRequestId: `r${i}` })) !== undefined).toBe(kept);
    }
    // Another citizen's id is another key.
    expect(ids.get(consultation({ clientRequestId: 'r430', citizen: { id: 'C9', role: 'citizen', name: 'x' } }))).toBeUndefined();
  });
});
