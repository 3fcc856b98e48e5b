/**
 * Party names compared the way a person would: case, width of spaces and punctuation ignored.
 * A lawyer's conflicts (presence) and a request's opposing party (routing, the message desk)
 * are both kept normalised, so the one comparison means the same everywhere.
 */
export function normaliseParty(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}]+/gu, '');
}
