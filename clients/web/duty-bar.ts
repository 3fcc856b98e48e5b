import type { PushData } from '../../protocol/frames.ts';
import type { LawlineClient } from '../sdk/index.ts';
import { h, tr } from './dom.ts';
import { onLang, t, type StringKey } from './i18n.ts';

type Presence = PushData<'duty.state'>['presence'];

/** The lawyer's duty state and the buttons that change it; kept in step across their devices. */
export function dutyBar(client: LawlineClient): HTMLElement {
  let presence: Presence | undefined;
  let reason: PushData<'duty.state'>['reason'];
  const label = h('strong', { 'data-testid': 'duty-state' });
  const why = h('p', { class: 'muted', 'data-testid': 'duty-reason' });
  const render = () => {
    label.textContent = t(`state_${presence?.state ?? 'offline'}` as StringKey);
    if (presence && presence.state !== 'offline') label.textContent += ` · ${presence.load}/${presence.capacity}`;
    why.textContent = reason === 'missed-offers' ? t('reason_missed') : '';
  };
  onLang(render);
  client.on('duty.state', (d) => {
    presence = d.presence;
    reason = d.reason;
    render();
  });
  const button = (key: StringKey, testid: string, type: 'duty.on' | 'duty.away' | 'duty.off') =>
    h('button', { type: 'button', 'data-testid': testid, onclick: () => void client.request(type, {}).then((r) => ((presence = r.presence), (reason = undefined), render())) }, tr(key));
  return h('section', { class: 'card' }, h('h2', {}, tr('dutyTitle')), label, why, h('div', { class: 'row' }, button('dutyOn', 'duty-on', 'duty.on'), button('dutyAway', 'duty-away', 'duty.away'), button('dutyOff', 'duty-off', 'duty.off')));
}
