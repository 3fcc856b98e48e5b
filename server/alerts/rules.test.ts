import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { normalise } from './normalise.ts';
import { CompiledRules } from './rules.ts';

const DEFAULT = fileURLToPath(new URL('./rules.default.json', import.meta.url));
const parsed = CompiledRules.parse(readFileSync(DEFAULT, 'utf8'));
if (!parsed.ok) throw new Error(parsed.error);
const rules = parsed.value;

/** [message, the risk types it should raise at level IV or above ([] : none)]. */
const CASES: [string, string[]][] = [
  // self-harm: plain, evasions (spaces, punctuation, zero-width, full-width, traditional, repeats, pinyin, leet)
  ['我真的不想活了', ['self-harm']],
  ['老板不给钱我就去跳楼', ['self-harm']],
  ['自 杀 算 了', ['self-harm']],
  ['我想自.杀', ['self-harm']],
  ['自\u200b杀', ['self-harm']],
  ['我準備輕生', ['self-harm']],
  ['跳跳跳楼', ['self-harm']],
  ['wo xiang zi sha', ['self-harm']],
  ['I want to k1ll mys3lf', ['self-harm']],
  ['ＳＵＩＣＩＤＥ is on my mind', ['self-harm']],
  ['活着没意思，写好了遗书', ['self-harm']],
  ['今晚就去割腕', ['self-harm']],
  // violence
  ['再不还钱我就杀了他全家', ['violence']],
  ['我要弄死你', ['violence']],
  ['大不了同归于尽', ['violence']],
  ['我要报复他，拿刀去找他', ['violence']],
  ['I will kill you', ['violence']],
  ['我要去炸了老板的厂', ['violence']],
  // extreme emotion
  ['我已经走投无路了', ['extreme-emotion']],
  ['我绝望了，真的崩溃', ['extreme-emotion']],
  ['欺人太甚，我豁出去了', ['extreme-emotion']],
  ['I feel hopeless and desperate', ['extreme-emotion']],
  // collective action
  ['我们几十个工友明天去集体上访', ['collective-action']],
  ['三百多农民工准备去堵路讨薪', ['collective-action']],
  ['大家准备拉横幅静坐', ['collective-action']],
  ['我們要集體維權', ['collective-action']],
  ['we will organise a sit-in and a strike', ['collective-action']],
  // media exposure
  ['我要找记者曝光他们', ['media-exposure']],
  ['我会发到网上让全国人民知道', ['media-exposure']],
  ['发抖音上热搜', ['media-exposure']],
  ['I will go to the media and a journalist', ['media-exposure']],
  // minors
  ['邻居虐待孩子，天天打', ['minors']],
  ['我女儿12岁的孩子被猥亵了', ['minors']],
  ['孩子在学校被校园霸凌', ['minors']],
  ['这是child abuse', ['minors']],
  ['孩子被拐了怎么办', ['minors']],
  // two at once
  ['我要找记者曝光，不然就跳楼', ['self-harm', 'media-exposure']],
  // negatives: everyday legal questions, idioms, near words
  ['请问劳动合同怎么签', []],
  ['离婚后孩子抚养权归谁', []],
  ['公司拖欠工资三个月怎么办', []],
  ['我不会自杀的，放心', []],
  ['打死我也不信他会还钱', []],
  ['电脑要装杀毒软件吗', []],
  ['交通事故对方全责，怎么索赔', []],
  ['I need advice on my lease contract', []],
  ['The skills test was hard', []],
  ['他说要起诉我，我该怎么应诉', []],
  ['物业费要交多少', []],
  ['请帮我看看这份遗嘱是否有效', []],
  ['新闻里说有人自杀式袭击', []],
  ['我们签了集体合同', []],
  ['我有点生气', []],
  ['孩子的抚养费每月多少合适', []],
  ['合同里写的违约金是300元', []],
  ['朋友圈看到的律师推荐', []],
];

describe('content rules (default rule file)', () => {
  it('finds the risk types of each message, counting evasions, and says how well per type', () => {
    const stats = new Map<string, { tp: number; fp: number; fn: number }>();
    for (const t of rules.types) stats.set(t, { tp: 0, fp: 0, fn: 0 });
    const wrong: string[] = [];
    for (const [text, expected] of CASES) {
      const found = rules.evaluate(text).findings.filter((f) => f.level).map((f) => f.riskType);
      for (const t of rules.types) {
        const s = stats.get(t) as { tp: number; fp: number; fn: number };
        const want = expected.includes(t);
        const got = found.includes(t);
        if (want && got) s.tp++;
        else if (got) s.fp++;
        else if (want) s.fn++;
        if (want !== got) wrong.push(`${text}: ${t} ${want ? 'missed' : 'raised'}`);
      }
    }
    const rows = [...stats].map(([type, s]) => ({
      type,
      precision: s.tp + s.fp === 0 ? 1 : +(s.tp / (s.tp + s.fp)).toFixed(2),
      recall: s.tp + s.fn === 0 ? 1 : +(s.tp / (s.tp + s.fn)).toFixed(2),
      ...s,
    }));
    console.table(rows);
    expect(wrong).toEqual([]);
  });

  it('grades: one strong word III, a stated plan II, plan and time I; negation lowers', () => {
    const level = (t: string) => rules.evaluate(t).findings.find((f) => f.riskType === 'self-harm')?.level;
    expect(level('自杀')).toBe('III');
    expect(level('我准备自杀')).toBe('II');
    expect(level('我不想活了，今晚就去跳楼')).toBe('I');
    expect(level('我不会自杀')).toBeUndefined();
  });

  it('normalises full-width, traditional, separators, repeats and leet the same for text and terms', () => {
    expect(normalise('Ｈｅｌｌｏ，　世界！')).toBe('helo世界');
    expect(normalise('輕 生')).toBe('轻生');
    expect(normalise('k-1-l-l')).toBe('kil');
    expect(normalise('5000元')).toBe('5000元');
    expect(normalise('a\u200bb\u200dc\ufeffd')).toBe('abcd');
  });

  it('keeps its traditional table one way: no simplified character is also folded', () => {
    const sample = '杀们闹楼轻访记体报导伤发话说这个来会对时后么没为过还让给从动问题间长开关与点实现处应该经种样钱资';
    expect(normalise(sample)).toBe(sample);
  });

  it('finds the collective keywords of a message', () => {
    expect(rules.evaluate('工地老板欠薪跑路了').subjects.sort()).toEqual(['工地', '欠薪', '跑路'].sort());
  });

  it('costs microseconds per message (both directions of every stored message pass here)', () => {
    const corpus = CASES.map(([t]) => t);
    const long = '我想咨询一下关于劳动合同的问题，公司一直不给我交社保，也没有签合同，现在要辞退我。'.repeat(20);
    for (let i = 0; i < 2000; i++) rules.evaluate(corpus[i % corpus.length] as string); // warm
    const n = 20_000;
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) rules.evaluate(corpus[i % corpus.length] as string);
    const shortUs = Number(process.hrtime.bigint() - t0) / 1000 / n;
    t0 = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) rules.evaluate(long);
    const longUs = Number(process.hrtime.bigint() - t0) / 1000 / 2000;
    console.log(`content rules: ${shortUs.toFixed(1)} µs per short message (${corpus.length} samples), ${longUs.toFixed(1)} µs per ${long.length}-character message`);
    // A loaded 2-core machine: generous bounds that still fail on an accidental O(terms x text).
    expect(shortUs).toBeLessThan(200);
    expect(longUs).toBeLessThan(2000);
  });
});

describe('rule file checks', () => {
  const good = JSON.parse(readFileSync(DEFAULT, 'utf8')) as Record<string, unknown>;
  const refused = (edit: (f: any) => void) => {
    const f = structuredClone(good);
    edit(f);
    const r = CompiledRules.parse(JSON.stringify(f));
    return r.ok ? 'accepted' : r.error;
  };
  it('names what is wrong and where', () => {
    expect(CompiledRules.parse('{ not json').ok).toBe(false);
    expect(refused((f) => delete f.version)).toMatch(/version/);
    expect(refused((f) => (f.types['self-harm'].terms[0].weight = 'high'))).toMatch(/\/types\/self-harm\/terms\/0\/weight/);
    expect(refused((f) => (f.types.violence.patterns[0].regex = '(unclosed'))).toMatch(/\/types\/violence\/patterns\/0/);
    expect(refused((f) => (f.types.violence.patterns[0].regex = 'a*'))).toMatch(/empty text/);
    expect(refused((f) => (f.levels.I.minScore = 1))).toMatch(/minScore must rise/);
    expect(refused((f) => (f.types['self-harm'].terms[0].term = '!!!'))).toMatch(/no letter or digit/);
    expect(refused((f) => (f.extra = 1))).toMatch(/does not match/);
    expect(refused(() => undefined)).toBe('accepted');
  });
});
