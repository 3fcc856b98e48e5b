// Test fixture for file-store.test.ts: appends messages forever, printing each seq only after
// its write is durable, until the test kills it with SIGKILL.
import { FileStore } from './index.ts';

const store = await FileStore.open({ dir: process.argv[2] as string });
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
