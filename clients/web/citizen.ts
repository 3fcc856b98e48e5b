import type { ConsultationViewT, PushData } from '../../protocol/frames.ts';
import { CATEGORY_CODES, type Category } from '../../protocol/vocabulary.ts';
import type { LawlineClient } from '../sdk/index.ts';
import { chatView } from './chat-view.ts';
import { h, tr } from './dom.ts';
import { categoryLabel, onLang, t, type StringKey } from './i18n.ts';

const STEPS: [ConsultationViewT['state'], StringKey][] = [
  ['queued', 'stepQueued'],
  ['picked', 'stepPicked'],
  ['active', 'stepActive'],
  ['closed', 'stepClosed'],
];

/** A citizen asks for help in a category and follows every step until the lawyer closes it. */
export function citizenView(client: LawlineClient, me: { id: string; name: string }, main: HTMLElement): void {
  // Positions and suggestions may be pushed before the request's reply arrives: keep them.
  const early: Early = { positions: new Map(), suggested: new Set() };
  client.on('queue.position', (p) => early.positions.set(p.consultationId, p));
  client.on('consult.suggest', (s) => early.suggested.add(s.consultationId));
  const select = h('select', { 'data-testid': 'category' });
  onLang(() => {
    const chosen = select.value;
    select.replaceChildren(...CATEGORY_CODES.map((c) => h('option', { value: c }, categoryLabel(c))));
    if (chosen) select.value = chosen;
  });
  const first = h('textarea', { 'data-testid': 'first-message', maxlength: '5000' });
  const requestButton = h('button', { class: 'primary', type: 'button', 'data-testid': 'request' }, tr('request'));
  const form = h('section', { class: 'card' }, h('h2', {}, tr('askTitle')), h('label', {}, tr('category')), select, h('label', {}, tr('firstMessage')), first, requestButton);
  main.replaceChildren(form);

  requestButton.addEventListener('click', async () => {
    requestButton.disabled = true;
    const firstMessage = first.value.trim();
    try {
      // Sent again by the SDK, with the same request id, if the connection drops before the answer.
      const { consultation } = await client.requestConsultation({
        category: select.value as Category,
        region: '320200',
        channel: 'text',
        ...(firstMessage ? { firstMessage } : {}),
      }).answered;
      follow(client, me, main, consultation, early);
    } catch (e) {
      requestButton.disabled = false;
      form.append(h('p', { class: 'muted' }, `${t('error')}${(e as Error).message}`));
    }
  });
}

interface Early {
  positions: Map<string, PushData<'queue.position'>>;
  suggested: Set<string>;
}

function follow(client: LawlineClient, me: { id: string; name: string }, main: HTMLElement, start: ConsultationViewT, early: Early): void {
  let state = start.state;
  const steps = h('div', { class: 'steps', 'data-testid': 'steps' });
  const renderSteps = () => {
    const reached = STEPS.findIndex(([s]) => s === state);
    steps.replaceChildren(...STEPS.map(([s, key], i) => h('span', { class: i <= reached ? 'done' : '', 'data-step': s }, t(key))));
  };
  onLang(renderSteps);
  const chat = chatView(client, start.id, me);
  const closedNote = h('p', { class: 'muted', 'data-testid': 'closed-note' });
  const place = h('p', { class: 'muted', 'data-testid': 'queue-position' });
  main.replaceChildren(h('section', { class: 'card' }, h('h2', {}, categoryLabel(start.category)), steps, place, chat.el, closedNote));
  const showPlace = ({ consultationId, position, estimatedWaitMs }: PushData<'queue.position'>) => {
    if (consultationId !== start.id || state !== 'queued') return;
    place.textContent = `${t('position')}${position}${t('estimatedWait').replace('{m}', String(Math.max(1, Math.round(estimatedWaitMs / 60_000))))}`;
  };
  const suggestion = h('div', { 'data-testid': 'suggestion' });
  const suggest = (consultationId: string) => {
    if (consultationId !== start.id || state !== 'queued' || suggestion.childElementCount) return;
    const leave = h('button', { class: 'primary', type: 'button', 'data-testid': 'leave-message' }, tr('leaveMessage'));
    suggestion.replaceChildren(h('p', { class: 'muted' }, tr('nobodyOnDuty')), leave);
    leave.addEventListener('click', async () => {
      leave.disabled = true;
      const { consultation } = await client.request('consult.convert', { consultationId: start.id });
      suggestion.replaceChildren(h('p', { class: 'muted', 'data-testid': 'message-left' }, `${t('messageLeft')}${new Date(consultation.dueAt ?? Date.now()).toLocaleString()}`));
      place.textContent = '';
    });
  };
  place.after(suggestion);
  if (early.suggested.has(start.id)) suggest(start.id);
  client.on('consult.suggest', ({ consultationId }) => suggest(consultationId));
  const known = early.positions.get(start.id);
  if (known) showPlace(known);
  client.on('queue.position', showPlace);
  client.on('consult.state', ({ consultation, reason }) => {
    if (consultation.id !== start.id) return;
    state = consultation.state;
    renderSteps();
    if (state !== 'queued') place.textContent = '';
    else if (reason === 'lawyer-disconnected') place.textContent = t('lawyerDropped');
    if (state === 'closed' || state === 'cancelled') {
      chat.disable();
      closedNote.textContent = t('closed');
    }
  });
}
