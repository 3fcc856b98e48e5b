import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Two rules of the web page, read from its source: nothing becomes HTML (XSS), and no text is
// written into a screen except through the catalogue (`t(...)`). The browser test checks what
// is shown; this catches what a test run never renders.

const WEB = fileURLToPath(new URL('.', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const HTML_SINKS = /\b(innerHTML|outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML)\b/;
/** JSX attributes that are read out or shown: their text must come from the catalogue. */
const SPOKEN = new Set(['placeholder', 'aria-label', 'title', 'alt', 'label', 'aria-description', 'aria-roledescription']);
const LETTER = /\p{L}/u;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Text written into JSX as a literal: `<p>Hello</p>`, `{'Hello'}`, `placeholder="Hello"`. */
export function literalJsxText(fileName: string, source: string): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const at = (n: ts.Node) => `${fileName}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const isText = (e: ts.Node | undefined): e is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression =>
    !!e && (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e));
  const visit = (n: ts.Node): void => {
    if (ts.isJsxText(n) && LETTER.test(n.text)) found.push(`${at(n)} text "${n.text.trim()}"`);
    if (ts.isJsxExpression(n) && (ts.isJsxElement(n.parent) || ts.isJsxFragment(n.parent)) && isText(n.expression) && LETTER.test(n.expression.getText(sf))) {
      found.push(`${at(n)} child ${n.expression.getText(sf)}`);
    }
    if (ts.isJsxAttribute(n) && SPOKEN.has(n.name.getText(sf))) {
      const v = n.initializer;
      const literal = v && (ts.isStringLiteral(v) ? v : ts.isJsxExpression(v) && isText(v.expression) ? v.expression : undefined);
      if (literal && LETTER.test(literal.getText(sf))) found.push(`${at(n)} ${n.name.getText(sf)}=${literal.getText(sf)}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe('the web page source', () => {
  const sources = files(WEB).filter((f) => f !== SELF && /\.(tsx?|html)$/.test(f));

  it('never turns text into HTML: no innerHTML, outerHTML, insertAdjacentHTML or dangerouslySetInnerHTML', () => {
    expect(sources.length).toBeGreaterThan(20);
    const hits = sources.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (HTML_SINKS.test(line) ? [`${relative(WEB, f)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });

  it('writes no text into JSX except through the catalogue', () => {
    const tsx = sources.filter((f) => f.endsWith('.tsx'));
    expect(tsx.length).toBeGreaterThan(10);
    expect(tsx.flatMap((f) => literalJsxText(relative(WEB, f), readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('the JSX check catches literal text, literal children and literal labels, and lets t(...) and data through', () => {
    const bad = `const A = () => <div title="Hi"><p>Hello</p>{'world'}{\`x \${y}\`}<input placeholder={'Name'} /><b>{t('ok')}</b>{name}<i class="muted" data-testid="x"> · </i></div>;`;
    expect(literalJsxText('bad.tsx', bad)).toEqual([
      'bad.tsx:1 title="Hi"',
      'bad.tsx:1 text "Hello"',
      "bad.tsx:1 child 'world'",
      'bad.tsx:1 child `x ${y}`',
      "bad.tsx:1 placeholder='Name'",
    ]);
  });
});
