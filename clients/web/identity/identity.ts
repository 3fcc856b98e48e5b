import type { Category, Role } from '../../../protocol/vocabulary.ts';

/** Who is signed in on this browser: kept across reloads (`saved.ts`) until signed out or expired. */
export interface Identity {
  id: string;
  role: Role;
  name: string;
  /** A lawyer's declared specialties; none means every category. */
  categories: Category[];
  token: string;
  /** From the token's `iat` and `exp`, in ms since the epoch. */
  issuedAt: number;
  expiresAt: number;
}
