// `engine: lawline` for artillery 2: every virtual user is a real LawlineClient (the SDK:
// msgpack, hello, resume, acks, outbox), driven by the steps below. Loaded through index.cjs
// from a bundle; artillery gives the constructor (script, ee, helpers) and calls
// createScenario(spec, ee) once per scenario, then the returned function once per virtual user.
//
// Steps (each a key of a flow item; values are templated with the user's variables):
//   connect / hello: {role: citizen|lawyer, token?}   a client, socket and hello (its own MemoryStore)
//   request: {type, data?, capture?}                   a typed request; consultationId filled in
//   chat: {count?, gap?, body?, wait?}                 messages through the outbox; acks timed
//   waitFor: {push, state?, from?, any?, timeout?}     a push of that type (for this consultation)
//   duty: {capacity?, categories?, greet?, reply?, ready?}  on duty; offers accepted and answered
//   offDuty: {grace?, close?}                          away, a grace for the chats held, close the rest, off
//   drop: {how?: reset|close|vanish}                   the network cuts the socket; the SDK resumes
//   reconnected: {timeout?}                            until the SDK is back after a drop
//   disconnect: {}  /  reconnect: {}                   close the client; a new one on its store resumes
//   align: {at: S} | {every: S}                        until S s into the run / a wall-clock multiple of S s
//   verify: {timeout?}                                 every acked message against consult.history
//   think, loop, function, log                         as in artillery's own engines
//
// Files: user.ts (a virtual user), steps.ts (the steps), transcript.ts (verify), recorder.ts
// (the raw record), common.ts (what they share).
import { codeOf, Metrics, recorder, StepError, type Callback, type Context, type Emitter, type Helpers, type LawlineConfig, type Spec, type Step } from './common.ts';
import { STEPS, type StepEnv } from './steps.ts';
import { VirtualUser } from './user.ts';

/** When this thread's first virtual user started (`align: {at}` counts from it). */
let runT0: number | undefined;

export class LawlineEngine {
  private readonly config: Spec & { lawline?: LawlineConfig; processor?: Record<string, unknown>; defaults?: { think?: unknown } };
  private readonly env: StepEnv;
  __name?: string;

  constructor(
    script: { config: Spec },
    _ee: Emitter,
    private readonly helpers: Helpers,
  ) {
    this.config = script.config as LawlineEngine['config'];
    this.env = { timeoutMs: (this.config.lawline?.timeout ?? 30) * 1000, t0: () => runT0 ?? Date.now() };
  }

  createScenario(spec: { flow: Spec[] }, ee: Emitter): (context: Context, callback: Callback) => void {
    const steps = spec.flow.map((s) => this.step(s, ee));
    const metrics = new Metrics(ee);
    return (context, callback) => {
      ee.emit('started');
      runT0 ??= Date.now();
      recorder.activeUsers++;
      recorder.counter('vusers.started');
      const vu = new VirtualUser(String(this.config.target), this.config.lawline ?? {}, metrics);
      context.lawline = vu;
      let i = 0;
      const next = (err: unknown, ctx: Context = context) => {
        if (err || i === steps.length) return void done(err, ctx);
        const step = steps[i++] as Step;
        try {
          step(ctx, next);
        } catch (e) {
          next(e, ctx);
        }
      };
      const done = async (err: unknown, ctx: Context) => {
        // A user that failed half-way is still held to its acks: what the server acked is
        // checked against the transcript (a failure here is the user's failure, already counted).
        if (err && !vu.verified && vu.client && vu.acked.size > 0) await vu.verify(10_000).catch(() => undefined);
        vu.finish();
        recorder.activeUsers--;
        if (err) {
          const code = codeOf(err);
          ee.emit('error', code);
          recorder.counter(`errors.${code}`);
          recorder.counter('vusers.failed');
        } else recorder.counter('vusers.completed');
        if (recorder.activeUsers === 0) recorder.flushAll();
        callback(err, ctx);
      };
      next(null);
    };
  }

  private step(spec: Spec, ee: Emitter): Step {
    const h = this.helpers;
    /** An async step: its promise's rejection fails the virtual user with its code. */
    const run =
      (f: (vu: VirtualUser, context: Context) => Promise<unknown> | unknown): Step =>
      (context, callback) => {
        Promise.resolve()
          .then(() => f(context.lawline as VirtualUser, context))
          .then(
            () => callback(null, context),
            (e: unknown) => callback(e, context),
          );
      };

    if (spec.loop) {
      const steps = (spec.loop as Spec[]).map((s) => this.step(s, ee));
      return h.createLoopWithCount((spec.count as number) || -1, steps, { loopValue: spec.loopValue ?? '$loopCount', overValues: spec.over });
    }
    if (spec.think !== undefined) return h.createThink(spec, this.config.defaults?.think ?? {});
    if (spec.log !== undefined) return run((_, c) => console.log(h.template(spec.log, c)));
    if (spec.function) {
      return run((_, c) => {
        const f = this.config.processor?.[spec.function as string] as ((c: Context, ee: Emitter, next?: (e?: unknown) => void) => unknown) | undefined;
        if (!f) throw new StepError('lawline.bad_step', `function ${String(spec.function)} is not in the processor`);
        if (f.length >= 3) return new Promise<void>((resolve, reject) => f(c, ee, (e) => (e ? reject(e) : resolve())));
        return f(c, ee);
      });
    }
    const key = Object.keys(spec).find((k) => k in STEPS);
    const fn = key ? STEPS[key] : undefined;
    if (!key || !fn) {
      return () => {
        throw new StepError('lawline.bad_step', `unknown step: ${JSON.stringify(spec)}`);
      };
    }
    return run((vu, c) => {
      const value = h.template(spec[key] ?? {}, c);
      return fn(vu, typeof value === 'object' && value !== null ? (value as Spec) : { value }, c, this.env);
    });
  }
}
