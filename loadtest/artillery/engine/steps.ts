// The steps of `engine: lawline`, one small function each, by the key that names them in a
// flow. Each gets the virtual user, its templated arguments and the step's context; a rejection
// fails the user with its code (`errors.<code>` in artillery's report).
import { sleep, StepError, within, type Context, type Spec } from './common.ts';
import type { VirtualUser } from './user.ts';

export interface StepEnv {
  /** the scenario's default timeout for waits, ms */
  timeoutMs: number;
  /** when this thread's first virtual user started */
  t0: () => number;
}

type StepFn = (vu: VirtualUser, a: Spec, context: Context, env: StepEnv) => Promise<unknown> | unknown;

const ms = (v: unknown, dflt: number) => (v === undefined ? dflt : Number(v) * 1000);

/** The SDK retries a node it cannot reach for ever: a user gives up after the timeout (and is closed when it finishes). */
function connect(vu: VirtualUser, a: Spec, c: Context, env: StepEnv): Promise<void> {
  const role = String(a.role ?? 'citizen');
  const token = a.token ?? c.vars[`${role}Token`];
  if (typeof token !== 'string' || !token) throw new StepError('lawline.no_token', `connect: no token for ${role} (payload field ${role}Token, or token:)`);
  return within(vu.connect(role, token), ms(a.timeout, env.timeoutMs), 'lawline.connect.timeout', 'connect');
}

async function chat(vu: VirtualUser, a: Spec, _c: Context, env: StepEnv): Promise<void> {
  const id = vu.consultationId;
  if (!id) throw new StepError('lawline.no_consultation', 'chat: request a consultation first');
  const sent: Promise<unknown>[] = [];
  const count = Number(a.count ?? 1);
  for (let n = 1; n <= count; n++) {
    sent.push(vu.send(id, String(a.body ?? `补充情况 ${n}：公司拖欠工资三个月。`)));
    if (n < count && a.gap) await sleep(Number(a.gap) * 1000);
  }
  if (a.wait) await within(Promise.all(sent), ms(a.timeout, env.timeoutMs), 'lawline.ack.timeout', 'chat acks');
}

async function duty(vu: VirtualUser, a: Spec): Promise<void> {
  vu.lawyer = { greet: a.greet === false ? undefined : String(a.greet ?? '您好，我是值班律师，请讲。'), reply: a.reply !== false, ready: a.ready !== false, holding: new Set() };
  await vu.request('duty.on', { capacity: Number(a.capacity ?? 3), ...(a.categories ? { categories: a.categories } : {}) });
}

/** The end of a shift: no new offers, the citizens get `grace` seconds to finish, then what is left is closed. */
async function offDuty(vu: VirtualUser, a: Spec): Promise<void> {
  await vu.request('duty.away', {});
  const until = Date.now() + Number(a.grace ?? 0) * 1000;
  while ((vu.lawyer?.holding.size ?? 0) > 0 && Date.now() < until) await sleep(200);
  if (a.close !== false) {
    const holding = [...(vu.lawyer?.holding ?? [])];
    // The citizen may close it in between: counted, not a failure.
    const closed = await Promise.allSettled(holding.map((consultationId) => vu.request('consult.close', { consultationId })));
    vu.metrics.counter('lawline.shift_end_close_failed', closed.filter((r) => r.status === 'rejected').length);
  }
  await vu.request('duty.off', {});
  if (vu.lawyer) vu.lawyer.reply = false;
}

/**
 * {at: S}: S seconds after this thread's first virtual user started: everyone at once
 * (processes of a multi-process run start within a second or two of each other; `every` lines
 * them up exactly). {every: S}: the next wall-clock multiple of S seconds.
 */
function align(vu: VirtualUser, a: Spec, _c: Context, env: StepEnv): Promise<void> {
  if (a.at !== undefined) {
    const wait = env.t0() + Number(a.at) * 1000 - Date.now();
    if (wait < 0) vu.metrics.counter('lawline.align_late');
    return sleep(Math.max(0, wait));
  }
  const every = Number(a.every ?? a.value) * 1000;
  return sleep(every - (Date.now() % every));
}

export const STEPS: Record<string, StepFn> = {
  connect,
  hello: connect,
  request: async (vu, a, c) => {
    const reply = await vu.request(String(a.type), (a.data as Record<string, unknown>) ?? {});
    if (typeof a.capture === 'string') c.vars[a.capture] = reply;
  },
  chat,
  waitFor: (vu, a, _c, env) => vu.waitFor(a, ms(a.timeout, env.timeoutMs)),
  duty,
  offDuty,
  drop: (vu, a) => vu.drop(String(a.how ?? 'reset')),
  reconnected: (vu, a, _c, env) => vu.untilBack(ms(a.timeout, env.timeoutMs)),
  disconnect: (vu) => vu.disconnect(),
  reconnect: (vu, a, _c, env) => within(vu.reconnect(), ms(a.timeout, env.timeoutMs), 'lawline.connect.timeout', 'reconnect'),
  align,
  verify: (vu, a, _c, env) => vu.verify(ms(a.timeout, env.timeoutMs)),
};
