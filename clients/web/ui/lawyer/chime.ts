/**
 * A short two-note sound for a new offer or message out of view, made with Web Audio (no file to
 * download). Browsers let a page make sound only after the person has used it: the context is
 * made, or resumed, at their first click or key (`listenForUnlock`), and until then nothing plays.
 */
let context: AudioContext | undefined;

function unlock(): void {
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') void context.resume();
  } catch (e) {
    console.warn('lawline: no sound (Web Audio unavailable)', e);
  }
}

/** Makes the sound possible from the next click or key on; returns what stops listening. */
export function listenForUnlock(): () => void {
  const events = ['pointerdown', 'keydown'] as const;
  for (const e of events) window.addEventListener(e, unlock, { capture: true });
  return () => events.forEach((e) => window.removeEventListener(e, unlock, { capture: true }));
}

/** Two soft notes, 0.3 s in all: heard over a conversation, not startling. */
export function chime(): void {
  if (!context || context.state !== 'running') return;
  const at = context.currentTime;
  for (const [i, hz] of [880, 1320].entries()) {
    const tone = context.createOscillator();
    const gain = context.createGain();
    tone.frequency.value = hz;
    gain.gain.setValueAtTime(0.0001, at + i * 0.15);
    gain.gain.exponentialRampToValueAtTime(0.12, at + i * 0.15 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + i * 0.15 + 0.14);
    tone.connect(gain).connect(context.destination);
    tone.start(at + i * 0.15);
    tone.stop(at + i * 0.15 + 0.15);
  }
}
