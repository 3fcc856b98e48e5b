import { ok } from '../../protocol/result.ts';
import { LIMITS } from '../../protocol/frames.ts';
import type { LawyerPresence, PresencePort } from '../backplane/presence-port.ts';
import type { Handler } from '../session/dispatch.ts';
import type { Store } from '../store/port.ts';
import type { LocalTime } from './coverage.ts';

/** Same province (region ending 0000) or same city (ending 00) or the exact county. */
function inRegion(lawyerRegion: string, asked: string): boolean {
  const prefix = asked.endsWith('0000') ? asked.slice(0, 2) : asked.endsWith('00') ? asked.slice(0, 4) : asked;
  return lawyerRegion.startsWith(prefix);
}

const status = (p: LawyerPresence) => (p.state === 'available' ? (p.load >= p.capacity ? 'busy' : 'available') : p.state === 'away' ? 'away' : 'busy');

/** directory.list: lawyers on duty (not reconnecting), optionally of a category and region, by name, with today's rostered hours. */
export function directoryHandler(presence: PresencePort, store: Store, time: LocalTime, now: () => number): Handler<'directory.list'> {
  return async (_ctx, { category, region }) => {
    const hours = new Map<string, string[]>();
    for (const s of await store.roster(time.day(now()))) hours.set(s.lawyerId, [...(hours.get(s.lawyerId) ?? []), `${s.start}-${s.end}`]);
    const lawyers = (await presence.listLawyers())
      .filter((p) => p.state !== 'reconnecting')
      .filter((p) => !category || p.categories.includes(category))
      .filter((p) => !region || inRegion(p.region, region))
      .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN') || a.lawyerId.localeCompare(b.lawyerId))
      .slice(0, LIMITS.directoryMax);
    return ok({
      lawyers: lawyers.map((p) => ({
        lawyerId: p.lawyerId,
        name: p.name,
        categories: p.categories,
        ...(p.region ? { region: p.region } : {}),
        status: status(p),
        serviceHours: (hours.get(p.lawyerId) ?? []).sort(),
      })),
    });
  };
}
