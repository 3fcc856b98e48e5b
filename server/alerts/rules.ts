import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ALERT_LEVELS, type AlertLevel } from '../../protocol/frames.ts';
import { err, ok, type Result } from '../../protocol/result.ts';
import { Automaton } from './automaton.ts';
import { LEVELS_ASCENDING } from './levels.ts';
import { normalise } from './normalise.ts';

/**
 * The rule file (README.md documents it; `rules.default.json` is the shipped one): checked
 * against this schema, then compiled once into one automaton for every dictionary term and one
 * combined regular expression for every pattern, so a message costs one normalisation, one
 * automaton pass and one regex pass however many rules there are.
 */
const strict = { additionalProperties: false } as const;
const Level = Type.Union(ALERT_LEVELS.map((l) => Type.Literal(l)));
const Texts = Type.Object({ 'zh-CN': Type.String({ minLength: 1, maxLength: 2000 }), en: Type.String({ minLength: 1, maxLength: 2000 }) }, strict);
const Weight = Type.Number({ minimum: -100, maximum: 100 });
const Ms = Type.Integer({ minimum: 1000, maximum: 30 * 86_400_000 });
const LevelSpec = Type.Object({ minScore: Type.Number({ exclusiveMinimum: 0 }), ackWithinMs: Ms }, strict);

const RiskType = Type.Object(
  {
    label: Texts,
    /** Sent to the lawyer at level II and I. */
    guidance: Texts,
    terms: Type.Array(Type.Object({ term: Type.String({ minLength: 1, maxLength: 100 }), weight: Weight }, strict), { maxItems: 20_000 }),
    patterns: Type.Optional(
      Type.Array(Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), regex: Type.String({ minLength: 1, maxLength: 500 }), weight: Weight }, strict), { maxItems: 500 }),
    ),
  },
  strict,
);

export const RuleFileSchema = Type.Object(
  {
    /** Any text that names this edition of the rules (kept on every alert it raises). */
    version: Type.String({ minLength: 1, maxLength: 100 }),
    /** Per level: the score a message reaches for it, and how long it may stay unacknowledged before it escalates. */
    levels: Type.Object({ I: LevelSpec, II: LevelSpec, III: LevelSpec, IV: LevelSpec }, strict),
    types: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]{0,40}$' }), RiskType),
    collective: Type.Object(
      {
        /** This many consultations (of different citizens) in one category and region, sharing a keyword, within `windowMs`. */
        minConsultations: Type.Integer({ minimum: 2, maximum: 10_000 }),
        windowMs: Ms,
        level: Level,
        keywords: Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 5000 }),
      },
      strict,
    ),
    service: Type.Object(
      {
        slaBreach: Type.Object({ level: Level }, strict),
        /** A citizen's `count` messages in a row with no answer from the lawyer side, the first `minSpanMs` ago or more. */
        unanswered: Type.Object({ count: Type.Integer({ minimum: 2, maximum: 100 }), minSpanMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }), level: Level }, strict),
      },
      strict,
    ),
  },
  strict,
);
export type RuleFile = Static<typeof RuleFileSchema>;
const check = TypeCompiler.Compile(RuleFileSchema);

interface TermHit {
  type: number;
  rule: string;
  weight: number;
}

/** What one message scored, per risk type that scored anything. */
export interface Finding {
  riskType: string;
  score: number;
  /** Absent when the score is below level IV. */
  level?: AlertLevel;
  rules: string[];
}

export interface MessageVerdict {
  findings: Finding[];
  /** The collective keywords in the message (normalised), for the pattern rule. */
  subjects: string[];
}

/** A rule file, checked and compiled. */
export class CompiledRules {
  readonly types: string[];
  private constructor(
    readonly file: RuleFile,
    private readonly terms: Automaton<TermHit | string>,
    private readonly patterns: { regex: RegExp; groups: { at: number; hit: TermHit }[] } | undefined,
  ) {
    this.types = Object.keys(file.types);
  }

  /** Checks and compiles `text` (the file's contents); every problem is named with its place in the file. */
  static parse(text: string): Result<CompiledRules, string> {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return err(`not JSON: ${(e as Error).message}`);
    }
    if (!check.Check(value)) {
      const problems = [...check.Errors(value)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
      return err(`does not match the rule file format: ${problems.join('; ')}`);
    }
    return CompiledRules.compile(value);
  }

  static compile(file: RuleFile): Result<CompiledRules, string> {
    const scores = LEVELS_ASCENDING.map((l) => file.levels[l].minScore);
    if (scores.some((s, i) => i > 0 && s <= (scores[i - 1] as number))) return err('/levels: minScore must rise from IV to I');
    const entries: { key: string; value: TermHit | string }[] = [];
    const sources: string[] = [];
    const groups: { at: number; hit: TermHit }[] = [];
    let group = 1;
    const typeNames = Object.keys(file.types);
    for (const [type, name] of typeNames.entries()) {
      const spec = file.types[name] as Static<typeof RiskType>;
      for (const [i, t] of spec.terms.entries()) {
        const key = normalise(t.term);
        if (key.length === 0) return err(`/types/${name}/terms/${i}: "${t.term}" has no letter or digit left once normalised`);
        entries.push({ key, value: { type, rule: `${name}/${t.term}`, weight: t.weight } });
      }
      for (const [i, p] of (spec.patterns ?? []).entries()) {
        let re: RegExp;
        try {
          re = new RegExp(p.regex, 'u');
        } catch (e) {
          return err(`/types/${name}/patterns/${i}: ${(e as Error).message}`);
        }
        if (re.test('')) return err(`/types/${name}/patterns/${i}: matches the empty text (it would match every message)`);
        // Each pattern is one group of the combined expression; its own groups come after it.
        const own = (new RegExp(`${p.regex}|`, 'u').exec('') as RegExpExecArray).length - 1;
        groups.push({ at: group, hit: { type, rule: `${name}/${p.id}`, weight: p.weight } });
        sources.push(`(${p.regex})`);
        group += 1 + own;
      }
    }
    for (const [i, k] of file.collective.keywords.entries()) {
      const key = normalise(k);
      if (key.length === 0) return err(`/collective/keywords/${i}: "${k}" has no letter or digit left once normalised`);
      entries.push({ key, value: key });
    }
    let combined: RegExp | undefined;
    if (sources.length > 0) {
      try {
        combined = new RegExp(sources.join('|'), 'gu');
      } catch (e) {
        return err(`/types: the patterns do not combine: ${(e as Error).message}`);
      }
    }
    return ok(new CompiledRules(file, new Automaton(entries), combined ? { regex: combined, groups } : undefined));
  }

  get version(): string {
    return this.file.version;
  }

  /** The level a score reaches, if any. */
  levelFor(score: number): AlertLevel | undefined {
    let level: AlertLevel | undefined;
    for (const l of LEVELS_ASCENDING) if (score >= this.file.levels[l].minScore) level = l;
    return level;
  }

  /** Scores one message body: each term or pattern counts once per message. */
  evaluate(body: string): MessageVerdict {
    const text = normalise(body);
    const hits = this.terms.scan(text);
    const subjects: string[] = [];
    const matched: TermHit[] = [];
    for (const h of hits) {
      if (typeof h === 'string') subjects.push(h);
      else matched.push(h);
    }
    if (this.patterns) {
      const { regex, groups } = this.patterns;
      regex.lastIndex = 0;
      const seen = new Set<number>();
      for (let m = regex.exec(text); m; m = regex.exec(text)) {
        for (const g of groups) {
          if (m[g.at] !== undefined && !seen.has(g.at)) {
            seen.add(g.at);
            matched.push(g.hit);
          }
        }
        if (m[0].length === 0) regex.lastIndex++;
      }
    }
    const byType = new Map<number, { score: number; rules: string[] }>();
    for (const h of matched) {
      const t = byType.get(h.type) ?? { score: 0, rules: [] };
      t.score += h.weight;
      t.rules.push(h.rule);
      byType.set(h.type, t);
    }
    const findings: Finding[] = [];
    for (const [type, { score, rules }] of byType) {
      if (score <= 0) continue;
      const level = this.levelFor(score);
      findings.push({ riskType: this.types[type] as string, score, rules, ...(level ? { level } : {}) });
    }
    return { findings, subjects };
  }
}
