import type { ChatMessageT } from '../../protocol/frames.ts';
import type { LawlineClient } from '../sdk/index.ts';
import { h, tr } from './dom.ts';
import { t } from './i18n.ts';

const TYPING_IDLE_MS = 3000;

/** Typing and read receipts are best effort: a lost one is noted, not shown to the person. */
const warn = (e: unknown) => console.warn('lawline:', e);

/** The conversation of one consultation: history, live messages, typing, and a composer. */
export function chatView(client: LawlineClient, consultationId: string, me: { id: string; name: string }): { el: HTMLElement; disable: () => void; dispose: () => void } {
  const list = h('div', { class: 'messages', 'data-testid': 'messages' });
  const typing = h('div', { class: 'typing', 'data-testid': 'typing' });
  const input = h('input', { type: 'text', 'data-testid': 'chat-input', maxlength: '5000' });
  const sendButton = h('button', { class: 'primary', type: 'button', 'data-testid': 'chat-send' }, tr('send'));
  const shown = new Set<number>();
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let iAmTyping = false;

  const bubble = (who: string, body: string, at: number, mine: boolean) =>
    h('div', { class: `msg${mine ? ' mine' : ''}`, 'data-testid': 'message' }, h('div', { class: 'meta' }, `${who} · ${new Date(at).toLocaleTimeString()}`), h('div', { class: 'body' }, body));

  const show = (m: ChatMessageT) => {
    if (m.consultationId !== consultationId || shown.has(m.seq)) return;
    shown.add(m.seq);
    list.append(bubble(m.from.name, m.body, m.at, m.from.id === me.id));
    list.scrollTop = list.scrollHeight;
    if (m.from.id !== me.id) void client.request('chat.read', { consultationId, upToSeq: m.seq }).catch(warn);
  };

  const send = () => {
    const body = input.value.trim();
    if (!body) return;
    input.value = '';
    const el = bubble(t('sending'), body, Date.now(), true);
    el.classList.add('pending');
    list.append(el);
    list.scrollTop = list.scrollHeight;
    const { acked } = client.sendChat(consultationId, body);
    acked.then(
      (ack) => {
        shown.add(ack.seq);
        el.classList.remove('pending');
        (el.firstChild as HTMLElement).textContent = `${me.name} · ${new Date(ack.at).toLocaleTimeString()}`;
      },
      (e: Error) => ((el.firstChild as HTMLElement).textContent = `${t('error')}${e.message}`),
    );
    setTyping(false);
  };

  const setTyping = (on: boolean) => {
    if (on === iAmTyping) return;
    iAmTyping = on;
    void client.request('chat.typing', { consultationId, typing: on }).catch(warn);
  };

  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.isComposing) send();
  });
  input.addEventListener('input', () => {
    setTyping(input.value.length > 0);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => setTyping(false), TYPING_IDLE_MS);
  });
  sendButton.addEventListener('click', send);

  const offMessage = client.on('chat.message', show);
  const offTyping = client.on('chat.typing', (ev) => {
    if (ev.consultationId === consultationId && ev.from.id !== me.id) typing.textContent = ev.typing ? `${ev.from.name} ${t('typing')}` : '';
  });
  void client.request('consult.history', { consultationId, limit: 100 }).then((page) => page.messages.forEach(show));

  return {
    el: h('div', { class: 'chat' }, list, typing, h('div', { class: 'compose' }, input, sendButton)),
    disable: () => {
      input.disabled = true;
      sendButton.disabled = true;
    },
    dispose: () => {
      offMessage();
      offTyping();
      clearTimeout(typingTimer);
    },
  };
}
