import { CATEGORY_CODES, ROLES, type Category, type Role } from '../../../protocol/vocabulary.ts';
import { parseLawyer, type Identity } from './identity.ts';

const KEY = 'lawline.identity';

/*
 * localStorage, not sessionStorage: sessionStorage belongs to one tab and dies with it, and a
 * citizen who closes the tab and comes back must be the same person, with the same
 * consultations. The price: every tab of this browser is that person (the server takes
 * several devices per identity), and signing out is what ends it on a shared computer. The
 * token is a short-lived development token; the page renders text only, never markup, so no
 * injected script is there to read it.
 */

/** The identity kept by an earlier visit, if any and well formed (anything else is dropped). */
export function loadIdentity(): Identity | undefined {
  let raw: string | null;
  try {
    raw = localStorage.getItem(KEY);
  } catch (e) {
    console.warn('lawline: the saved identity could not be read', e);
    return undefined;
  }
  if (raw === null) return undefined;
  const parsed = parseIdentity(raw);
  if (!parsed) {
    console.warn('lawline: a malformed saved identity was dropped');
    clearIdentity();
  }
  return parsed;
}

export function saveIdentity(identity: Identity): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(identity));
  } catch (e) {
    console.warn('lawline: the identity could not be saved; it lasts until this page closes', e);
  }
}

export function clearIdentity(): void {
  try {
    localStorage.removeItem(KEY);
  } catch (e) {
    console.warn('lawline: the saved identity could not be removed', e);
  }
}

/**
 * Another tab of this browser signed in, renewed or signed out: `listener` gets what is kept
 * now. (The storage event fires in every other tab of the origin, never in the one that wrote.)
 */
export function onSavedIdentityChange(listener: (identity: Identity | undefined) => void): () => void {
  const changed = (ev: StorageEvent) => {
    if (ev.key === KEY || ev.key === null) listener(ev.newValue === null ? undefined : parseIdentity(ev.newValue));
  };
  window.addEventListener('storage', changed);
  return () => window.removeEventListener('storage', changed);
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isRole = (v: unknown): v is Role => ROLES.some((r) => r === v);
const isCategory = (v: unknown): v is Category => CATEGORY_CODES.some((c) => c === v);

function parseIdentity(raw: string): Identity | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    // Not JSON: the caller drops it and says so.
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { id, role, name, categories, token, issuedAt, expiresAt, lawyer } = v as Record<string, unknown>;
  if (!isString(id) || !isRole(role) || !isString(name) || !isString(token)) return undefined;
  if (typeof issuedAt !== 'number' || typeof expiresAt !== 'number') return undefined;
  if (!Array.isArray(categories) || !categories.every(isCategory)) return undefined;
  if (lawyer === undefined) return { id, role, name, categories, token, issuedAt, expiresAt };
  const boss = parseLawyer(lawyer);
  return boss && { id, role, name, categories, token, issuedAt, expiresAt, lawyer: boss };
}

