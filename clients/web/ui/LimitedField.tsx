import { useId } from 'preact/hooks';
import { LengthCounter } from './LengthCounter.tsx';

interface Props {
  label: string;
  value: string;
  max: number;
  testId: string;
  onInput: (value: string) => void;
  disabled?: boolean;
}

/** A labelled text area with a limit that is shown, not enforced by cutting. */
export function LimitedField({ label, value, max, testId, onInput, disabled }: Props) {
  const id = useId();
  return (
    <>
      <label for={id}>{label}</label>
      <textarea id={id} data-testid={testId} value={value} disabled={disabled} aria-describedby={`${id}-count`} aria-invalid={value.length > max} onInput={(e) => onInput(e.currentTarget.value)} />
      <LengthCounter id={`${id}-count`} length={value.length} max={max} />
    </>
  );
}
