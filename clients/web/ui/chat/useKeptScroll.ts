import type { RefObject } from 'preact';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { keepScrollPlace, scrollPlace, type ScrollPlace } from '../../session/keep-scroll.ts';
import { useApp } from '../context.ts';

/** Scrolled this close to the end counts as at the end: about half a line of text. */
const NEAR_END_PX = 12;
/** A scroll is kept once it rests this long: a flick fires dozens of events, one write is enough. */
const KEEP_AFTER_MS = 150;

export interface Transcript {
  /** The transcript is loaded (or failed to): where to scroll can be decided. */
  ready: boolean;
  firstSeq: number | undefined;
  /** Messages and outgoing lines shown. */
  lines: number;
  /** The newest line is this person's own (they just sent it). */
  newestMine: boolean;
}

const atEnd = (el: HTMLElement) => el.scrollHeight - el.scrollTop - el.clientHeight <= NEAR_END_PX;

/** The first message in view and how far it is scrolled past (`ScrollPlace`). */
function placeOf(el: HTMLElement): ScrollPlace | undefined {
  for (const li of el.querySelectorAll<HTMLElement>('[data-seq]')) {
    if (li.offsetTop + li.offsetHeight > el.scrollTop) return { seq: Number(li.dataset.seq), above: el.scrollTop - li.offsetTop };
  }
  return undefined;
}

/**
 * Where a transcript is scrolled: back where the reader left it after a reload (kept per
 * identity), at the end for one read to its end or never scrolled, following new lines while at
 * the end (or when the reader sent one) and staying put while they read further up, and still
 * on the same lines when older ones are loaded above. Returns the list's scroll handler. The
 * list must be the offset parent of its lines (`position: relative`).
 */
export function useKeptScroll(list: RefObject<HTMLElement | null>, consultationId: string, t: Transcript): () => void {
  const identityId = useApp((s) => s.identity?.id);
  const st = useRef({ restored: false, atEnd: true, firstSeq: undefined as number | undefined, height: 0, lines: 0, timer: undefined as ReturnType<typeof setTimeout> | undefined });

  useLayoutEffect(() => {
    const el = list.current;
    const s = st.current;
    if (!el) return;
    if (!s.restored) {
      if (!t.ready) return;
      s.restored = true;
      const place = identityId ? scrollPlace(identityId, consultationId) : undefined;
      const line = place && el.querySelector<HTMLElement>(`[data-seq="${place.seq}"]`);
      el.scrollTop = line && place ? line.offsetTop + place.above : el.scrollHeight;
      s.atEnd = atEnd(el);
    } else if (t.firstSeq !== undefined && s.firstSeq !== undefined && t.firstSeq < s.firstSeq) {
      // Older lines came in above: what the reader sees stays where it was.
      el.scrollTop += el.scrollHeight - s.height;
    } else if (t.lines !== s.lines && (s.atEnd || t.newestMine)) {
      el.scrollTop = el.scrollHeight;
      s.atEnd = true;
    }
    s.firstSeq = t.firstSeq;
    s.height = el.scrollHeight;
    s.lines = t.lines;
  }, [list, consultationId, identityId, t.ready, t.firstSeq, t.lines, t.newestMine]);

  const keep = () => {
    const el = list.current;
    const s = st.current;
    clearTimeout(s.timer);
    s.timer = undefined;
    if (el && identityId && s.restored) keepScrollPlace(identityId, consultationId, s.atEnd ? undefined : placeOf(el));
  };
  const keepRef = useRef(keep);
  keepRef.current = keep;
  useEffect(() => {
    // A reload right after a scroll: kept before the page goes.
    const flush = () => st.current.timer !== undefined && keepRef.current();
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, []);

  return () => {
    const el = list.current;
    const s = st.current;
    if (!el || !s.restored) return;
    s.atEnd = atEnd(el);
    clearTimeout(s.timer);
    s.timer = setTimeout(() => keepRef.current(), KEEP_AFTER_MS);
  };
}
