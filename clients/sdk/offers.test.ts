import { describe, expect, it } from 'vitest';
import type { PushData } from '../../protocol/frames.ts';
import { OfferBook } from './offers.ts';

// The offers a device shows, given pushes from two nodes in either order.

const offer = (id: string, expiresAt: number) => ({ consultation: { id }, expiresAt }) as PushData<'offer'>;
const end = (consultationId: string, expiresAt?: number): PushData<'offer.ended'> => ({ consultationId, outcome: 'withdrawn', ...(expiresAt !== undefined ? { expiresAt } : {}) });
const ringing = (book: OfferBook) => book.list().map((o) => `${o.consultation.id}@${o.expiresAt}`);

describe('OfferBook', () => {
  it('drops an offer whose end came first, and rings a later offer of the same consultation', () => {
    const book = new OfferBook();
    expect(book.end(end('c1', 100))).toBe(true);
    expect(book.offered(offer('c1', 100))).toBe(false);
    expect(ringing(book)).toEqual([]);
    expect(book.offered(offer('c1', 200))).toBe(true);
    expect(ringing(book)).toEqual(['c1@200']);
  });

  it('keeps a newer offer ringing when the end of an older one arrives late; its own end stops it', () => {
    const book = new OfferBook();
    book.offered(offer('c1', 200));
    expect(book.end(end('c1', 100))).toBe(false);
    expect(ringing(book)).toEqual(['c1@200']);
    expect(book.end(end('c1', 200))).toBe(true);
    expect(ringing(book)).toEqual([]);
  });

  it('ends whatever rings for the consultation when the end names no offer (an older server)', () => {
    const book = new OfferBook();
    book.offered(offer('c1', 200));
    expect(book.end(end('c1'))).toBe(true);
    expect(ringing(book)).toEqual([]);
  });

  it('remembers the last 256 ended offers, not more', () => {
    const book = new OfferBook();
    for (let i = 0; i <= 256; i++) book.end(end(`c${i}`, i));
    // c0 was forgotten (257 ends ago); c1 is still remembered.
    expect(book.offered(offer('c0', 0))).toBe(true);
    expect(book.offered(offer('c1', 1))).toBe(false);
  });
});
