import type { Category, Role } from '../../../protocol/vocabulary.ts';

/** Who is signed in on this browser: kept across reloads (`saved.ts`) until signed out or expired. */
export interface Identity {
  id: string;
  role: Role;
  name: string;
  /** A lawyer's declared specialties; none means every category. */
  categories: Category[];
  token: string;
  /** An assistant's: the lawyer they work for (from the development sign-in). */
  lawyer?: { id: string; name: string };
  /** From the token's `iat` and `exp`, in ms since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

/** `{id, name}` of an assistant's lawyer, as `/dev/token` answers it and the identity keeps it; undefined if malformed. */
export function parseLawyer(v: unknown): Identity['lawyer'] {
  if (typeof v !== 'object' || v === null) return undefined;
  const { id, name } = v as Record<string, unknown>;
  return typeof id === 'string' && id && typeof name === 'string' && name ? { id, name } : undefined;
}
