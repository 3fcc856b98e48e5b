import { auditHash, GENESIS } from '../../server/store/audit-chain.ts';
import type { AuditAnchor, Store } from '../../server/store/port.ts';

/** The heads a node published, from its log (pino JSON lines: `{"auditHead":{"index":…,"hash":…},"msg":"audit chain head"}`). */
export function anchorsInLog(text: string): (AuditAnchor & { line: number })[] {
  const found: (AuditAnchor & { line: number })[] = [];
  for (const [n, line] of text.split('\n').entries()) {
    if (!line.includes('"audit chain head"')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    const head = (parsed as { auditHead?: { index?: unknown; hash?: unknown } }).auditHead;
    if (Number.isInteger(head?.index) && typeof head?.hash === 'string' && /^[0-9a-f]{64}$/.test(head.hash)) found.push({ index: head.index as number, hash: head.hash, line: n + 1 });
  }
  return found;
}

const at = (ms: number) => new Date(ms).toISOString();

/** What is wrong at the first link that does not hold, in words an auditor can act on. */
export async function describeBreak(store: Pick<Store, 'auditRecord'>, index: number): Promise<string> {
  const record = await store.auditRecord(index);
  if (!record) return `record #${index} is missing: deleted`;
  const what = `record #${index} (${record.action} of ${record.subject} by ${record.actor.name} at ${at(record.at)})`;
  if (record.index !== index) return `position #${index} holds a record numbered #${record.index}: records were deleted or reordered`;
  const before = index === 0 ? undefined : await store.auditRecord(index - 1);
  const expectedPrev = index === 0 ? GENESIS : before?.hash;
  if (record.prevHash !== expectedPrev) return `${what} does not follow record #${index - 1}: a record before it was deleted, reordered or edited`;
  if (auditHash(record.prevHash, index, record) !== record.hash) return `${what} was edited after it was written: its content no longer gives its hash`;
  return `${what} does not hold (its stored hash does not match)`;
}

/** Each published head the chain no longer has: cut at the tail, or rewritten from there. */
export async function checkAnchors(store: Pick<Store, 'auditRecord'>, anchors: readonly (AuditAnchor & { source: string })[], head: AuditAnchor | undefined): Promise<string[]> {
  const problems: string[] = [];
  for (const a of anchors) {
    const record = await store.auditRecord(a.index);
    if (!record) problems.push(`${a.source} published head #${a.index}, past the chain's end (${head ? `#${head.index}` : 'no records'}): records were cut from the tail`);
    else if (record.hash !== a.hash) problems.push(`${a.source} published #${a.index} with hash ${a.hash}; the chain has ${record.hash} there: rewritten`);
  }
  return problems;
}
