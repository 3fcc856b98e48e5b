// B4 presence propagation, driver side: a lawyer switches duty on one node; how long until a
// watcher on another node sees it in `directory.list`, and until the lawyer's other device
// (on a third node) is pushed its new `duty.state`. One switch at a time, on and off in turn.
import { inBatches, Session, type Frame } from './client.ts';
import { Histogram } from './histogram.ts';
import type { PresenceJob, PresenceResult } from './jobs.ts';

const now = () => performance.now();
/** A change not seen in this long is a failure of the bench, not a slow sample. */
const GIVE_UP_MS = 5000;

interface Lawyer {
  id: string;
  duty: Session;
  device: Session;
  watcher: Session;
}

export function connectPresence(j: PresenceJob): Promise<Lawyer[]> {
  return inBatches(j.lawyers.length, 20, async (i) => {
    const l = j.lawyers[i] as PresenceJob['lawyers'][number];
    const [duty, device, watcher] = await Promise.all([Session.connect(l.dutyUrl, l.token), Session.connect(l.deviceUrl, l.token), Session.connect(l.watcherUrl, l.watcherToken)]);
    return { id: l.id, duty, device, watcher };
  });
}

function within<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`presence: ${what} not seen within ${GIVE_UP_MS} ms`)), GIVE_UP_MS)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Runs `j.cycles` on/off cycles (or until the time limit), round-robin over the lawyers. */
export async function measurePresence(j: PresenceJob, lawyers: Lawyer[]): Promise<PresenceResult> {
  const directory = new Histogram();
  const device = new Histogram();
  const reply = new Histogram();
  let polls = 0;
  const started = now();

  const change = async (l: Lawyer, on: boolean) => {
    const state = on ? 'available' : 'offline';
    const t0 = now();
    const pushed = new Promise<number>((resolve) => {
      l.device.onPush = (f: Frame) => {
        if (f.event !== 'duty.state' || (f.data as { presence: { state: string } }).presence.state !== state) return;
        l.device.onPush = () => undefined;
        l.device.ack();
        resolve(now());
      };
    });
    const replied = l.duty.call(on ? 'duty.on' : 'duty.off', on ? { capacity: 1 } : {}).then(() => now());
    // Back-to-back polls: the first answer showing the change bounds when it became visible.
    const seen = (async () => {
      for (;;) {
        const { lawyers: listed } = (await l.watcher.call('directory.list', { category: j.category })) as { lawyers: { lawyerId: string }[] };
        polls++;
        if (listed.some((x) => x.lawyerId === l.id) === on) return now();
        if (now() - t0 > GIVE_UP_MS) throw new Error(`presence: ${l.id} ${state} not in the directory within ${GIVE_UP_MS} ms`);
      }
    })();
    const [r, p, s] = await Promise.all([within('reply', replied), within(`${l.id} ${state} push`, pushed), seen]);
    reply.record((r - t0) * 1000);
    device.record((p - t0) * 1000);
    directory.record((s - t0) * 1000);
  };

  for (let c = 0; c < j.cycles && now() - started < j.timeLimitMs; c++) {
    const l = lawyers[c % lawyers.length] as Lawyer;
    await change(l, true);
    await change(l, false);
  }
  return { directory: directory.toJSON(), device: device.toJSON(), reply: reply.toJSON(), polls };
}
