import { useT } from './context.ts';

/** Shown from this share of the limit on: far from it, a counter is noise. */
const SHOW_FROM = 0.8;

/**
 * The count of characters against a limit, once near it, and a refusal above it: text over
 * the limit is never cut (a paste of 10,000 characters stays whole, to be shortened by its author).
 */
export function LengthCounter({ id, length, max }: { id: string; length: number; max: number }) {
  const t = useT();
  const over = length - max;
  return (
    <p id={id} class={`counter${over > 0 ? ' over' : ''}`} data-testid="counter" hidden={length < max * SHOW_FROM}>
      <span>{t('counter', { count: length, max })}</span>
      {over > 0 && (
        <span role="alert" data-testid="too-long">
          {t('tooLong', { over })}
        </span>
      )}
    </p>
  );
}
