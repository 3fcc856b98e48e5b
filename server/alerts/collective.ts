import type { CoordinationPort } from '../backplane/coordination-port.ts';
import type { Category } from '../../protocol/vocabulary.ts';

/** Consultations listed on a collective alert at most (AlertView's `consultationIds`). */
const LISTED = 100;

/**
 * The pattern rule: consultations on one subject — one category, one region, a collective
 * keyword in common (欠薪, 拆迁...) — from `min` different citizens within the window are a
 * possible collective incident, which no single consultation shows. Counted in the backplane
 * (`CoordinationPort.mention`), so consultations on every node of a cluster count together; each
 * member is "<citizenId>|<consultationId>" (ids never hold a `|`).
 */
export class CollectiveCount {
  constructor(private readonly coordination: Pick<CoordinationPort, 'mention'>) {}

  /** Records one consultation's mention; answers the consultations on the subject once `min` citizens mentioned it. */
  async mention(category: Category, region: string, keyword: string, seen: { consultationId: string; citizenId: string; at: number }, windowMs: number, min: number): Promise<string[] | undefined> {
    const { count, members } = await this.coordination.mention(`${category}|${region}|${keyword}`, `${seen.citizenId}|${seen.consultationId}`, seen.at, windowMs, LISTED);
    if (count < min) return undefined;
    const citizens = new Set(members.map((m) => m.slice(0, m.indexOf('|'))));
    // One citizen's several consultations are one voice: count people, not requests.
    if (citizens.size < min) return undefined;
    return members.map((m) => m.slice(m.indexOf('|') + 1));
  }
}
