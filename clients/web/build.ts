import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Bundles the web client (Preact, JSX compiled here) into dist/web/, which the gateway serves at `/`. */
export async function buildWeb(): Promise<string> {
  const src = fileURLToPath(new URL('.', import.meta.url));
  const out = fileURLToPath(new URL('../../dist/web/', import.meta.url));
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [`${src}main.tsx`],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    outfile: `${out}app.js`,
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'style.css', 'favicon.svg']) copyFileSync(`${src}${f}`, `${out}${f}`);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`web client built in ${await buildWeb()}`);
}
