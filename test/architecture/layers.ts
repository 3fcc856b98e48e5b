import type { ImportEdge } from './import-graph.ts';

/**
 * A layer: the files it holds and what they may import besides their own layer. `isolated`
 * layers hold sibling folders that must not import each other (domain folders share through
 * the kernel below them).
 */
export interface Layer {
  name: string;
  files: RegExp;
  may: readonly string[];
  isolated?: boolean;
}

export interface Violation {
  edge: ImportEdge;
  why: string;
}

/** Packages that only some layers may touch (everything else may use any package). */
export interface PackageRule {
  pkg: string;
  only: readonly string[];
}

const TESTS = /(\.test\.ts$|\.fixture\.ts$|^test\/|^loadtest\/)/;

export function layerOf(layers: readonly Layer[], file: string): Layer | undefined {
  return layers.find((l) => l.files.test(file));
}

/** The folder that separates siblings of an isolated layer: `server/routing/x.ts` -> `server/routing`. */
function folderOf(file: string): string {
  return file.split('/').slice(0, 2).join('/');
}

/**
 * Checks every edge from production code (tests and load tests may import anything, but
 * nothing may import them). An edge to a file no layer names is a violation too, so a new
 * folder has to be placed before it can be used.
 */
export function violations(edges: readonly ImportEdge[], layers: readonly Layer[], packages: readonly PackageRule[]): Violation[] {
  const out: Violation[] = [];
  for (const edge of edges) {
    const targetIsTest = TESTS.test(edge.to) || edge.to === 'pkg:vitest';
    if (TESTS.test(edge.from)) continue;
    if (targetIsTest) {
      out.push({ edge, why: 'production code imports test code' });
      continue;
    }
    const from = layerOf(layers, edge.from);
    if (!from) {
      out.push({ edge, why: `${edge.from} is in no layer` });
      continue;
    }
    if (edge.to.startsWith('node:')) continue;
    if (edge.to.startsWith('pkg:')) {
      const rule = packages.find((p) => `pkg:${p.pkg}` === edge.to);
      if (rule && !rule.only.includes(from.name)) out.push({ edge, why: `${rule.pkg} is used only by ${rule.only.join(', ')}` });
      continue;
    }
    const to = layerOf(layers, edge.to);
    if (!to) out.push({ edge, why: `${edge.to} is in no layer` });
    else if (to.name === from.name) {
      if (from.isolated && folderOf(edge.from) !== folderOf(edge.to)) {
        out.push({ edge, why: `${folderOf(edge.from)} and ${folderOf(edge.to)} are sibling ${from.name} folders: share through a layer below` });
      }
    } else if (!from.may.includes(to.name)) out.push({ edge, why: `${from.name} may not import ${to.name}` });
  }
  return out;
}
