// Test fixture for the stores' crash tests: appends messages forever, printing each seq only
// after its write is durable, until the test kills it with SIGKILL. argv: dir, 'file' | 'sqlite'.
import type { Store } from './port.ts';

const dir = process.argv[2] as string;
const store: Store = process.argv[3] === 'sqlite' ? await (await import('./sqlite/index.ts')).SqliteStore.open({ dir }) : await (await import('./file/index.ts')).FileStore.open({ dir });
const at = Date.now();
await store.createConsultation({ id: 'crash', state: 'active', category: 'labor', region: '320200', channel: 'text', citizen: { id: 'C1', role: 'citizen', name: 'c' }, createdAt: at, updatedAt: at, lastSeq: 0 });
for (let i = 0; ; i++) {
  const writes = Array.from({ length: 8 }, (_, j) =>
    store.appendMessage({ consultationId: 'crash', from: { id: 'C1', role: 'citizen', name: 'c' }, clientMsgId: `w${i}-${j}`, body: 'x'.repeat(100), at }).then((r) => {
      process.stdout.write(`${r.message.seq}\n`);
    }),
  );
  await Promise.all(writes);
}
