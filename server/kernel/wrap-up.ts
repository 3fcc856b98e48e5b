/**
 * What consultation asks of presence about the wrap-up after a close (the duty state `wrap-up`:
 * no new offers for a while, to write up what was closed). `presence/duty.ts` implements it;
 * `node.ts` hands it to consultation.
 */
export interface WrapUp {
  /**
   * A live consultation the lawyer held has closed (at `closedAt`, its record's updatedAt): an
   * on-duty lawyer free for offers goes to wrap-up since then (a later close moves its end).
   * Called before the consultation's capacity returns, so no offer can take the freed place first.
   */
  closed(lawyerId: string, closedAt: number): Promise<void>;
  /** When the lawyer's wrap-up began (the close that began it), while they are in one; undefined otherwise. */
  since(lawyerId: string): Promise<number | undefined>;
}
