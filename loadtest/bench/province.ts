import { CATEGORY_CODES, type Category } from '../../protocol/vocabulary.ts';

/** A deterministic PRNG (mulberry32), so every arm and every run sees the same province. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BenchLawyer {
  id: string;
  categories: Category[];
  region: string;
}

export interface Province {
  lawyers: BenchLawyer[];
  /** 100 city codes over 10 provinces (GB/T 2260 shape). */
  regions: string[];
  /** (region, category) pairs some lawyer of that city serves: what citizens ask for, so nobody waits for widening. */
  served: [string, Category][];
}

/** 2,000 lawyers over 13 categories and 100 regions, each with one to three categories. */
export function province(lawyerCount = 2000, seed = 2260): Province {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  const regions = ['11', '12', '13', '14', '15', '21', '22', '23', '31', '32'].flatMap((p) => Array.from({ length: 10 }, (_, c) => `${p}${String(c + 1).padStart(2, '0')}00`));
  const lawyers = Array.from({ length: lawyerCount }, (_, i) => {
    const categories = new Set<Category>();
    const n = 1 + Math.floor(random() * 3);
    while (categories.size < n) categories.add(pick(CATEGORY_CODES));
    return { id: `BL${i}`, categories: [...categories], region: pick(regions) };
  });
  const served = new Map<string, [string, Category]>();
  for (const l of lawyers) for (const c of l.categories) served.set(`${l.region}|${c}`, [l.region, c]);
  return { lawyers, regions, served: [...served.values()] };
}
