import type { ConsultationViewT } from '../../protocol/frames.ts';
import type { LawlineClient } from '../sdk/index.ts';
import { chatView } from './chat-view.ts';
import { dutyBar } from './duty-bar.ts';
import { h, tr } from './dom.ts';
import { categoryLabel, onLang, t } from './i18n.ts';

/**
 * A lawyer goes on duty and answers offers the router makes (ringing on every device), or
 * takes a consultation from the live queue of their categories; chats and closes it.
 */
export function lawyerView(client: LawlineClient, me: { id: string; name: string }, main: HTMLElement): void {
  const waiting = new Map<string, ConsultationViewT>();
  const list = h('ul', { class: 'queue', 'data-testid': 'queue' });
  const offers = h('div');
  const work = h('div');
  main.replaceChildren(dutyBar(client), offers, h('section', { class: 'card' }, h('h2', {}, tr('queueTitle')), list), work);

  const offerCards = new Map<string, HTMLElement>();
  client.on('offer', ({ consultation: c, expiresAt }) => {
    const accept = h('button', { class: 'primary', type: 'button', 'data-testid': 'accept' }, tr('accept'));
    const decline = h('button', { type: 'button', 'data-testid': 'decline' }, tr('decline'));
    const card = h('section', { class: 'card offer', 'data-testid': 'offer', 'data-id': c.id }, h('h2', {}, tr('offerTitle')), h('p', {}, `${categoryLabel(c.category)} · ${c.citizen.name} · ${new Date(expiresAt).toLocaleTimeString()}`), h('div', { class: 'row' }, accept, decline));
    offerCards.get(c.id)?.remove();
    offerCards.set(c.id, card);
    offers.append(card);
    accept.addEventListener('click', async () => {
      accept.disabled = decline.disabled = true;
      try {
        const { consultation } = await client.request('offer.accept', { consultationId: c.id });
        open(consultation);
      } catch (e) {
        work.prepend(h('p', { class: 'muted' }, `${t('error')}${(e as Error).message}`));
      }
    });
    decline.addEventListener('click', () => void client.request('offer.decline', { consultationId: c.id }).catch(() => undefined));
  });
  // The SDK passes on only the end of the offer a card shows (an offer whose end came first, from another node, never shows).
  const ended = (consultationId: string) => {
    offerCards.get(consultationId)?.remove();
    offerCards.delete(consultationId);
  };
  client.on('offer.ended', ({ consultationId }) => ended(consultationId));
  // A new session: the offers still out are pushed again; the ends of the others went with the old session.
  client.on('snapshot', () => {
    const ringing = new Set(client.openOffers().map((o) => o.consultation.id));
    for (const id of [...offerCards.keys()]) if (!ringing.has(id)) ended(id);
  });

  const render = () => {
    if (waiting.size === 0) return list.replaceChildren(h('li', { class: 'muted' }, t('queueEmpty')));
    list.replaceChildren(
      ...[...waiting.values()].map((c) =>
        h(
          'li',
          { 'data-testid': 'queue-item', 'data-id': c.id },
          h('span', {}, `${categoryLabel(c.category)} · ${c.citizen.name} · ${new Date(c.createdAt).toLocaleTimeString()}`),
          h('button', { class: 'primary', type: 'button', 'data-testid': 'pick', onclick: () => void take(c.id) }, t('pick')),
        ),
      ),
    );
  };
  onLang(render);

  client.on('queue.changed', ({ change, consultation }) => {
    if (change === 'added') waiting.set(consultation.id, consultation);
    else waiting.delete(consultation.id);
    render();
  });
  const refresh = async () => {
    const { consultations } = await client.request('queue.list', {});
    waiting.clear();
    for (const c of consultations) waiting.set(c.id, c);
    render();
  };
  client.on('snapshot', () => void refresh());
  void refresh();

  const take = async (id: string) => {
    try {
      await client.request('consult.pick', { consultationId: id });
      const { consultation } = await client.request('consult.join', { consultationId: id });
      open(consultation);
    } catch (e) {
      work.prepend(h('p', { class: 'muted' }, `${t('error')}${(e as Error).message}`));
      void refresh();
    }
  };

  const open = (c: ConsultationViewT) => {
    const chat = chatView(client, c.id, me);
    const note = h('textarea', { 'data-testid': 'note', maxlength: '5000' });
    const closeButton = h('button', { class: 'primary', type: 'button', 'data-testid': 'close' }, tr('close'));
    const card = h('section', { class: 'card', 'data-testid': 'consultation' }, h('h2', {}, `${categoryLabel(c.category)} · ${c.citizen.name}`), chat.el, h('label', {}, tr('note')), note, closeButton);
    work.prepend(card);
    closeButton.addEventListener('click', async () => {
      closeButton.disabled = true;
      const text = note.value.trim();
      await client.request('consult.close', { consultationId: c.id, ...(text ? { note: text } : {}) });
      chat.disable();
      chat.dispose();
      card.append(h('p', { class: 'muted', 'data-testid': 'closed-note' }, t('closed')));
    });
  };
}
