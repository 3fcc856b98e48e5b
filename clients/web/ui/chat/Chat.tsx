import { useEffect, useRef, useState } from 'preact/hooks';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { Composer } from './Composer.tsx';
import { isServiceEntry, serviceText } from './service-entry.ts';
import { useKeptScroll } from './useKeptScroll.ts';

/** The conversation of one consultation: its transcript (older pages on demand), who is typing, and (while it is open) the composer. */
export function Chat({ id, closed }: { id: string; closed: boolean }) {
  const t = useT();
  const actions = useActions();
  const entry = useApp((s) => s.consultations[id]);
  const me = useApp((s) => s.identity?.id);
  const list = useRef<HTMLOListElement>(null);
  const [older, setOlder] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const messages = entry?.messages ?? [];
  const outgoing = entry?.outgoing ?? [];
  const lastFromOthers = messages.findLast((m) => m.from.id !== me)?.seq ?? 0;
  const readUpTo = entry?.readUpTo ?? 0;
  const history = entry?.history;
  const lawyerName = entry?.view.lawyer?.name;
  const nameOf = (personId: string) => (personId === entry?.view.citizen.id ? entry.view.citizen.name : personId === entry?.view.lawyer?.id ? entry.view.lawyer.name : undefined);

  useEffect(() => {
    if (lastFromOthers > readUpTo) actions.markRead(id, lastFromOthers);
  }, [id, lastFromOthers, readUpTo, actions]);
  const onScroll = useKeptScroll(list, id, {
    ready: history === 'loaded' || history === 'failed',
    firstSeq: messages[0]?.seq,
    lines: messages.length + outgoing.length,
    newestMine: outgoing.length > 0 || (messages.length > 0 && messages[messages.length - 1]?.from.id === me),
  });
  const loadOlder = async () => {
    setOlder({ busy: true });
    const done = await actions.loadOlder(id);
    setOlder(done.ok ? { busy: false } : { busy: false, error: done.error });
  };

  return (
    <div class="chat">
      {entry?.hasOlder && (
        <button type="button" class="older" data-testid="older-messages" disabled={older.busy} onClick={loadOlder}>
          {t('olderMessages')}
        </button>
      )}
      <ErrorNote message={older.error} />
      {history === 'failed' && (
        <p class="error" data-testid="history-failed">
          {t('historyFailed')}
        </p>
      )}
      {/* Focusable so a keyboard can scroll it; new messages are announced by the page's live region. */}
      <ol class="messages" data-testid="messages" ref={list} tabIndex={0} aria-label={t('messagesLabel')} aria-busy={history === 'loading'} onScroll={onScroll}>
        {messages.map((m) =>
          isServiceEntry(m) ? (
            <ServiceLine key={m.seq} text={serviceText(t, m, nameOf)} seq={m.seq} />
          ) : (
          <li key={m.seq} class={`msg${m.from.id === me ? ' mine' : ''}`} data-testid="message" data-seq={m.seq}>
            <div class="meta">
              {/* An assistant writes for the lawyer of the consultation: the citizen is told who stands behind it. */}
              {m.from.role === 'assistant' && lawyerName !== undefined
                ? t('messageMetaAssistant', { name: m.from.name, lawyer: lawyerName, time: t.time(m.at) })
                : t('messageMeta', { name: m.from.name, time: t.time(m.at) })}
            </div>
            <div class="body" data-user>
              {m.body}
            </div>
          </li>
          ),
        )}
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

/** A call's start or end in the transcript, in the page's words (one the page cannot read is left out). */
function ServiceLine({ text, seq }: { text: string | undefined; seq: number }) {
  if (text === undefined) return null;
  return (
    <li class="msg service" data-testid="call-entry" data-seq={seq}>
      <div class="body">{text}</div>
    </li>
  );
}
