import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { useActions, useApp, useT } from '../context.ts';
import { Composer } from './Composer.tsx';

/** The conversation of one consultation: its transcript, who is typing, and (while it is open) the composer. */
export function Chat({ id, closed }: { id: string; closed: boolean }) {
  const t = useT();
  const actions = useActions();
  const entry = useApp((s) => s.consultations[id]);
  const me = useApp((s) => s.identity?.id);
  const list = useRef<HTMLOListElement>(null);
  const messages = entry?.messages ?? [];
  const outgoing = entry?.outgoing ?? [];
  const lastFromOthers = messages.findLast((m) => m.from.id !== me)?.seq ?? 0;
  const readUpTo = entry?.readUpTo ?? 0;

  useEffect(() => {
    if (lastFromOthers > readUpTo) actions.markRead(id, lastFromOthers);
  }, [id, lastFromOthers, readUpTo, actions]);
  useLayoutEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, outgoing.length]);

  return (
    <div class="chat">
      {/* Focusable so a keyboard can scroll it; new messages are announced by the page's live region. */}
      <ol class="messages" data-testid="messages" ref={list} tabIndex={0} aria-label={t('messagesLabel')}>
        {messages.map((m) => (
          <li key={m.seq} class={`msg${m.from.id === me ? ' mine' : ''}`} data-testid="message">
            <div class="meta">{t('messageMeta', { name: m.from.name, time: t.time(m.at) })}</div>
            <div class="body" data-user>
              {m.body}
            </div>
          </li>
        ))}
        {outgoing.map((o) => (
          <li key={o.clientMsgId} class={`msg mine${o.error ? ' failed' : ' pending'}`} data-testid="message">
            <div class="meta">{o.error ? t('sendFailed', { message: o.error }) : t('sending')}</div>
            <div class="body" data-user>
              {o.body}
            </div>
          </li>
        ))}
      </ol>
      <p class="typing" data-testid="typing">
        {entry?.typing && t('typing', { name: entry.typing.name })}
      </p>
      {!closed && <Composer id={id} />}
    </div>
  );
}
