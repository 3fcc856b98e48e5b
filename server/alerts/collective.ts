import type { Category } from '../../protocol/vocabulary.ts';

interface Seen {
  consultationId: string;
  citizenId: string;
  at: number;
}

/**
 * The pattern rule: consultations on one subject — one category, one region, a collective
 * keyword in common (欠薪, 拆迁...) — from `min` different citizens within the window are a
 * possible collective incident, which no single consultation shows. Keeps, per (category,
 * region, keyword), the consultations that named it within the window: memory bounded by the
 * window's traffic (a keyword's list is pruned as it is touched, and `prune` drops idle ones).
 *
 * Per node: in a cluster each node counts the messages it stored (a citizen's messages come
 * through their own node), so a subject split across nodes needs `min` on one of them; a shared
 * count in the backplane is the next step (noted in README.md).
 */
export class CollectiveDetector {
  private readonly subjects = new Map<string, Seen[]>();

  /** Records one consultation's mention; answers the consultations on the subject when they reach `min` citizens. */
  mention(category: Category, region: string, keyword: string, seen: Seen, windowMs: number, min: number): { key: string; consultationIds: string[] } | undefined {
    const key = `${category}|${region}|${keyword}`;
    let list = this.subjects.get(key);
    if (!list) this.subjects.set(key, (list = []));
    const from = seen.at - windowMs;
    while (list.length > 0 && (list[0] as Seen).at < from) list.shift();
    if (!list.some((s) => s.consultationId === seen.consultationId)) list.push(seen);
    const citizens = new Set(list.map((s) => s.citizenId));
    if (citizens.size < min) return undefined;
    return { key, consultationIds: list.map((s) => s.consultationId) };
  }

  /** Drops subjects nobody mentioned within the window. */
  prune(now: number, windowMs: number): void {
    for (const [key, list] of this.subjects) {
      if (list.length === 0 || (list[list.length - 1] as Seen).at < now - windowMs) this.subjects.delete(key);
    }
  }

  get size(): number {
    return this.subjects.size;
  }
}
