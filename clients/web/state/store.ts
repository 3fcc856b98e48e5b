import { useEffect, useReducer, useRef } from 'preact/hooks';

type Listener = () => void;

/**
 * The app's state in one immutable value: every change makes a new value (`update`), and
 * whoever subscribed is told. Screens read it through `useSelector`, so a screen renders
 * again when, and only when, the part it selected changed.
 */
export class Store<S> {
  private state: S;
  private readonly listeners = new Set<Listener>();

  constructor(initial: S) {
    this.state = initial;
  }

  get(): S {
    return this.state;
  }

  update(change: (s: S) => S): void {
    const next = change(this.state);
    if (next === this.state) return;
    this.state = next;
    for (const l of [...this.listeners]) l();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * The part of the store `select` picks, kept current. Compared with Object.is: select a value
 * the state holds (an entry, a list), not a new object built on each call, or the component
 * renders on every change.
 */
export function useSelector<S, T>(store: Store<S>, select: (s: S) => T): T {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const selected = select(store.get());
  const latest = useRef({ select, selected });
  latest.current = { select, selected };
  useEffect(() => {
    const check = () => {
      if (!Object.is(latest.current.select(store.get()), latest.current.selected)) rerender(0);
    };
    const off = store.subscribe(check);
    // A change between this render and the subscription would otherwise go unseen.
    check();
    return off;
  }, [store]);
  return selected;
}
