import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/log.ts';
import { openSqliteStore } from '../../server/store/sqlite/index.ts';
import type { AuditAnchor, Store } from '../../server/store/port.ts';
import { openPgStore } from '../../server/store/postgres/index.ts';
import { anchorsInLog, checkAnchors, describeBreak } from './audit-findings.ts';

/**
 * npm run audit:verify [-- --anchors-from node.log …] [-- --anchor INDEX:HASH …]
 * Walks the audit chain of the store the node's environment names (DATABASE_URL, else the data
 * dir), names the first link that does not hold, and checks the heads the nodes published in
 * their logs (LAWLINE_AUDIT_ANCHOR_MS), which a chain cut at its tail no longer holds.
 * Exit 0: intact; 1: broken, cut or rewritten; 2: could not check.
 */
const USAGE = 'usage: npm run audit:verify [-- --anchors-from LOG_FILE ...] [-- --anchor INDEX:HASH ...]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { 'anchors-from': { type: 'string', multiple: true }, anchor: { type: 'string', multiple: true } }, strict: true }));
} catch (e) {
  fail((e as Error).message);
}
const anchors: (AuditAnchor & { source: string })[] = [];
for (const file of values['anchors-from'] ?? []) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(`${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  anchors.push(...anchorsInLog(text).map((a) => ({ ...a, source: `${file}:${a.line}` })));
}
for (const raw of values.anchor ?? []) {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(raw);
  if (!m) fail(`--anchor ${raw}: expected INDEX:HASH (64 hex digits), as the log line "audit chain head" gives them`);
  anchors.push({ index: Number(m[1]), hash: m[2] as string, source: '--anchor' });
}

const loaded = loadConfig(process.env);
if (!loaded.ok) fail(`invalid configuration\n${loaded.error}`);
const config = loaded.value;
const log = createLogger('warn');
const store: Store = config.database
  ? await openPgStore({ url: config.database.url, schema: config.database.schema, applicationName: `lawline:audit-verify`, deadline: { timeoutMs: 60_000, probeMs: 60_000 } })
  : await openSqliteStore({ dir: join(config.dataDir, 'store'), log });
try {
  const where = config.database ? `PostgreSQL schema ${config.database.schema}` : join(config.dataDir, 'store');
  const { records, firstBroken } = await store.verifyAudit();
  const head = await store.auditHead();
  console.log(`audit chain in ${where}: ${records} records${head ? `, head #${head.index} ${head.hash}` : ''}`);
  const problems: string[] = [];
  if (firstBroken >= 0) problems.push(await describeBreak(store, firstBroken));
  problems.push(...(await checkAnchors(store, anchors, head)));
  if (firstBroken < 0) console.log('  every link holds');
  if (anchors.length) console.log(`  ${anchors.length} published head${anchors.length === 1 ? '' : 's'} checked`);
  for (const p of problems) console.log(`  BROKEN: ${p}`);
  process.exitCode = problems.length ? 1 : 0;
} finally {
  await store.close();
}
