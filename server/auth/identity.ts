import type { Category, PriorityClass, Role } from '../../protocol/vocabulary.ts';

/** A practising-licence credential issued by the lawyers' verification authority. */
export interface Licence {
  number: string;
  status: 'practising' | 'suspended' | 'revoked';
  /** ms since epoch */
  expiresAt: number;
}

/** Who a connection is, after its token was verified and its claims validated. */
export interface Identity {
  id: string;
  role: Role;
  name: string;
  /** Token expiry, ms since epoch: the session is closed when it passes. */
  expiresAt: number;
  categories?: Category[];
  region?: string;
  licence?: Licence;
  /** For an assistant: the lawyer they work for. */
  lawyerId?: string;
  /** For an assistant: that lawyer's name, when the token carries it. */
  lawyerName?: string;
  /** For a citizen: a priority class, served first. */
  priority?: PriorityClass;
}

export interface AuthFailure {
  /** One of protocol ErrorCode's 2xxx codes. */
  code: number;
  message: string;
}
