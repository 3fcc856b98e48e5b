/**
 * Where a client keeps what must outlive its page: the session to resume, the chat messages not
 * yet acknowledged, and how far each consultation's messages were given to the app.
 *
 * Synchronous, with string values, because the guarantees need the write to have happened when
 * the call returns: `sendChat` keeps the message before it returns (a reload a moment later still
 * has it), and the client writes how far it got before it acknowledges pushes (the server then
 * drops them). The browser's Web Storage is synchronous and holds strings; an asynchronous store
 * (IndexedDB) could lose a write still in flight when the page goes. An app that wants IndexedDB
 * loads what it holds into a synchronous cache before building the client and writes behind,
 * accepting that the last moment before a crash may be lost. Values are JSON written and checked
 * by the SDK; a store only keeps strings. A store may throw (quota): the client logs it and
 * carries on with what it holds in memory.
 */
export interface ClientStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
}

/** Keeps nothing past the process: the default, and a page's reload simulated in tests (one store, two clients). */
export class MemoryStore implements ClientStore {
  private readonly values = new Map<string, string>();

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  set(key: string, value: string): void {
    this.values.set(key, value);
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  keys(): string[] {
    return [...this.values.keys()];
  }
}

/** The part of the Web Storage API used: `sessionStorage` and `localStorage` both fit. */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * A browser's `sessionStorage` (recommended: one per tab, kept across a reload, gone with the tab)
 * or `localStorage` (shared by every tab of the origin: see the README on two tabs).
 */
export class WebStorageStore implements ClientStore {
  constructor(private readonly storage: WebStorageLike) {}

  get(key: string): string | undefined {
    return this.storage.getItem(key) ?? undefined;
  }

  set(key: string, value: string): void {
    this.storage.setItem(key, value);
  }

  delete(key: string): void {
    this.storage.removeItem(key);
  }
}
