import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One import: a project file (repo-relative path) or an npm package (`pkg:name`). */
export interface ImportEdge {
  from: string;
  to: string;
}

const SKIP = new Set(['node_modules', 'dist', 'data', 'results', '.git']);

/** Every `.ts` and `.tsx` file under `dirs`, repo-relative, sorted. */
export function sourceFiles(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (SKIP.has(name) || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name)) out.push(relative(root, path));
    }
  };
  for (const dir of dirs) walk(join(root, dir));
  return out.sort();
}

/**
 * The imports of each file, read by TypeScript's own pre-processor (static, dynamic and
 * re-exports; type-only imports count too: a type is a dependency of the design).
 */
export function importGraph(root: string, files: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const text = readFileSync(join(root, from), 'utf8');
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      edges.push({ from, to: targetOf(root, from, fileName) });
    }
  }
  return edges;
}

function targetOf(root: string, from: string, specifier: string): string {
  if (specifier.startsWith('.')) return relative(root, resolve(root, dirname(from), specifier));
  if (specifier.startsWith('node:')) return specifier;
  const parts = specifier.split('/');
  return `pkg:${specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]}`;
}
