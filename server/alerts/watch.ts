import { createHash } from 'node:crypto';
import type { ConsultationObserver } from '../kernel/observe.ts';
import type { Logger } from '../log.ts';
import type { ConsultationRecord, StoredMessage } from '../store/port.ts';
import type { AlertBook, Candidate } from './book.ts';
import type { CoordinationPort } from '../backplane/coordination-port.ts';
import { CollectiveCount } from './collective.ts';
import type { CompiledRules } from './rules.ts';

/** Consultations followed for the unanswered rule at most (the oldest forgotten first). */
const FOLLOWED_MAX = 100_000;

/**
 * The rules applied as consultations happen: content rules on every stored message (both
 * directions), the collective pattern over many consultations, and the service rules (an SLA
 * breach, a citizen's messages never answered). Called on the message path: scoring is
 * synchronous and cheap (rules.test.ts measures it); raising an alert (store writes) runs after.
 */
export class AlertWatch implements ConsultationObserver {
  private readonly collective: CollectiveCount;
  /** consultationId -> the citizen's messages since the lawyer side last wrote: count and first time. */
  private readonly unanswered = new Map<string, { count: number; since: number }>();
  /** Raises under way, for tests and shutdown: settled ones drop out. */
  private readonly pending = new Set<Promise<unknown>>();
  evaluated = 0;

  constructor(
    private readonly book: AlertBook,
    private readonly rules: () => CompiledRules,
    private readonly log: Logger,
    private readonly clock: () => number,
    coordination: Pick<CoordinationPort, 'mention'>,
  ) {
    this.collective = new CollectiveCount(coordination);
  }

  messageStored(c: ConsultationRecord, m: StoredMessage): void {
    const rules = this.rules();
    this.evaluated++;
    const verdict = rules.evaluate(m.body);
    for (const f of verdict.findings) {
      if (!f.level) continue;
      this.raise({ id: `ct.${c.id}.${f.riskType}`, kind: 'content', riskType: f.riskType, level: f.level, score: f.score, rules: f.rules, consultationId: c.id, category: c.category, region: c.region });
    }
    const citizenWrote = m.from.role === 'citizen';
    if (citizenWrote) for (const keyword of verdict.subjects) this.track(this.countCollective(c, keyword, m.at), `collective ${c.id}`);
    this.followAnswers(c, m, citizenWrote);
  }

  private async countCollective(c: ConsultationRecord, keyword: string, at: number): Promise<void> {
    const { collective } = this.rules().file;
    const ids = await this.collective.mention(c.category, c.region, keyword, { consultationId: c.id, citizenId: c.citizen.id, at }, collective.windowMs, collective.minConsultations);
    if (!ids) return;
    const tag = createHash('sha256').update(keyword).digest('base64url').slice(0, 10);
    await this.book.raise({
      id: `cl.${c.category}.${c.region}.${tag}`,
      kind: 'collective',
      riskType: 'collective',
      level: collective.level,
      score: ids.length,
      rules: [`collective/${keyword}`],
      consultationIds: ids,
      category: c.category,
      region: c.region,
    });
  }

  slaBreached(c: ConsultationRecord): void {
    const { level } = this.rules().file.service.slaBreach;
    this.raise({ id: `sv.sla.${c.id}`, kind: 'service', riskType: 'sla-breach', level, score: 1, rules: ['service/sla-breach'], consultationId: c.id, category: c.category, region: c.region });
  }

  /**
   * The hook for ratings and complaints (issue 19, item 4): a rating of 1 or 2, or a complaint,
   * raises a service alert on the consultation at `level`.
   */
  serviceSignal(c: ConsultationRecord, riskType: 'low-rating' | 'complaint', level: Candidate['level']): void {
    this.raise({ id: `sv.${riskType}.${c.id}`, kind: 'service', riskType, level, score: 1, rules: [`service/${riskType}`], consultationId: c.id, category: c.category, region: c.region });
  }

  /** Settles once every raise begun so far is durable and its pushes sent. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private followAnswers(c: ConsultationRecord, m: StoredMessage, citizenWrote: boolean): void {
    if (!citizenWrote) {
      this.unanswered.delete(c.id);
      return;
    }
    const rule = this.rules().file.service.unanswered;
    const seen = this.unanswered.get(c.id) ?? { count: 0, since: m.at };
    seen.count++;
    this.unanswered.delete(c.id);
    this.unanswered.set(c.id, seen); // newest last: the oldest is forgotten first
    if (this.unanswered.size > FOLLOWED_MAX) this.unanswered.delete(this.unanswered.keys().next().value as string);
    if (seen.count >= rule.count && this.clock() - seen.since >= rule.minSpanMs) {
      this.raise({ id: `sv.unanswered.${c.id}`, kind: 'service', riskType: 'unanswered', level: rule.level, score: seen.count, rules: ['service/unanswered'], consultationId: c.id, category: c.category, region: c.region });
    }
  }

  private raise(candidate: Candidate): void {
    this.track(this.book.raise(candidate), candidate.id);
  }

  /** Work begun after the caller answered: failures logged (never thrown at the caller), kept for `settled`. */
  private track(work: Promise<unknown>, what: string): void {
    const p = work.catch((e: unknown) => this.log.error({ err: e, what }, 'alerts: raising an alert failed'));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}
