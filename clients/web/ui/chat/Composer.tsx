import { useEffect, useId, useRef } from 'preact/hooks';
import { LIMITS } from '../../../../protocol/frames.ts';
import { useActions, useApp, useT } from '../context.ts';
import { LengthCounter } from '../LengthCounter.tsx';

/** "Typing" is cleared after this long without a keystroke: about the pause between two sentences. */
const TYPING_IDLE_MS = 3000;

/** Writes a message: Enter sends, Shift+Enter adds a line; the draft lives in the store (kept with the consultation). */
export function Composer({ id }: { id: string }) {
  const t = useT();
  const actions = useActions();
  const draft = useApp((s) => s.consultations[id]?.draft ?? '');
  const inputId = useId();
  const typing = useRef<{ on: boolean; timer?: ReturnType<typeof setTimeout> }>({ on: false });
  const over = draft.length > LIMITS.maxBodyChars;

  const setTyping = (on: boolean) => {
    clearTimeout(typing.current.timer);
    if (on) typing.current.timer = setTimeout(() => setTyping(false), TYPING_IDLE_MS);
    if (on === typing.current.on) return;
    typing.current.on = on;
    actions.typing(id, on);
  };
  useEffect(() => () => clearTimeout(typing.current.timer), []);

  const send = () => {
    if (actions.send(id).ok) setTyping(false);
  };

  return (
    <div class="compose">
      <label for={inputId} class="sr-only">
        {t('messageLabel')}
      </label>
      <textarea
        id={inputId}
        rows={2}
        data-testid="chat-input"
        placeholder={t('typeHere')}
        value={draft}
        aria-describedby={`${inputId}-count`}
        aria-invalid={over}
        onInput={(e) => {
          actions.setDraft(id, e.currentTarget.value);
          setTyping(e.currentTarget.value.length > 0);
        }}
        onKeyDown={(e) => {
          if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
          e.preventDefault();
          send();
        }}
      />
      <button class="primary" type="button" data-testid="chat-send" disabled={over || !draft.trim()} onClick={send}>
        {t('send')}
      </button>
      <LengthCounter id={`${inputId}-count`} length={draft.length} max={LIMITS.maxBodyChars} />
    </div>
  );
}
