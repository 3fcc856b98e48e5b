import { describe, expect, it } from 'vitest';
import { SavedState, type SavedSession } from './saved.ts';
import { MemoryStore, WebStorageStore, type ClientStore } from './store.ts';

const bounds = { outbox: 3, consultations: 2, offers: 1 };
const session: SavedSession = { userId: 'C1', sessionId: 's1', lastSeq: 7, delivered: [['c1', 3]], offers: [] };
const message = (n: number) => ({ clientMsgId: `m${n}`, consultationId: 'c1', body: `#${n}`, at: n });

function saved(store: ClientStore | undefined, logs: string[] = []) {
  return new SavedState(store, 'app', (msg) => logs.push(msg), bounds);
}

/** A client's state as it was when the page went: its session and one message waiting. */
function leftBehind(store: MemoryStore): SavedState {
  const s = saved(store);
  s.load();
  s.saveSession(session);
  s.saveOutbox([message(1)]);
  return s;
}

describe('SavedState', () => {
  it('gives back what the client before it saved, under its prefix', () => {
    const store = new MemoryStore();
    leftBehind(store);
    expect(store.keys().sort()).toEqual(['app.outbox', 'app.owner', 'app.session']);
    expect(saved(store).load()).toEqual({ session, outbox: [message(1)] });
  });

  it('ignores what it cannot read (not JSON, another version, wrong shapes) and keeps to its bounds', () => {
    const store = new MemoryStore();
    store.set('app.session', '{not json');
    store.set('app.outbox', JSON.stringify({ v: 2, entries: [message(1)] }));
    const logs: string[] = [];
    expect(saved(store, logs).load()).toEqual({ session: undefined, outbox: [] });
    expect(logs).toEqual(['saved client state is not JSON: ignored']);

    const offer = { consultation: { id: 'c1' }, expiresAt: 5 };
    const delivered = [['c1', 1], ['c2', -1], ['c3', 3], [4, 4], ['c5', 5]];
    store.set('app.session', JSON.stringify({ v: 1, ...session, delivered, offers: [offer, { expiresAt: 1 }, offer] }));
    store.set('app.outbox', JSON.stringify({ v: 1, entries: [message(1), { ...message(2), body: '' }, message(3), message(4), message(5)] }));
    const { session: read, outbox } = saved(store).load();
    expect(read?.delivered).toEqual([['c3', 3], ['c5', 5]]);
    expect(read?.offers).toEqual([offer]);
    expect(outbox.map((m) => m.clientMsgId)).toEqual(['m1', 'm3', 'm4']);
  });

  it('stops writing once a newer client took the store over, and leaves its state alone', () => {
    const store = new MemoryStore();
    const logs: string[] = [];
    const older = saved(store, logs);
    older.load();
    const newer = saved(store);
    newer.load();
    newer.saveSession(session);
    older.saveSession({ ...session, sessionId: 'other' });
    older.saveOutbox([message(1)]);
    older.forget();
    expect(saved(store).load()).toEqual({ session, outbox: [] });
    expect(logs).toEqual(['another client took this store over: this one no longer saves its state']);
  });

  it('forgets everything on sign-out', () => {
    const store = new MemoryStore();
    leftBehind(store).forget();
    expect(store.keys()).toEqual([]);
  });

  it('carries on when the store throws (quota, storage turned off), saying so', () => {
    const logs: string[] = [];
    const broken = new WebStorageStore({
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => undefined,
    });
    const s = saved(broken, logs);
    expect(s.load()).toEqual({ session: undefined, outbox: [] });
    s.saveSession(session);
    expect(logs[0]).toBe('client store failed');
    expect(saved(undefined).load()).toEqual({ session: undefined, outbox: [] });
  });
});
