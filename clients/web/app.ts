import { CATEGORY_CODES, type Category } from '../../protocol/vocabulary.ts';
import { LawlineClient } from '../sdk/index.ts';
import { citizenView } from './citizen.ts';
import { h, tr } from './dom.ts';
import { categoryLabel, currentLang, onLang, setLang, t } from './i18n.ts';
import { lawyerView } from './lawyer.ts';

type Role = 'citizen' | 'lawyer';

const main = document.getElementById('main') as HTMLElement;
const status = document.getElementById('status') as HTMLElement;
const langButton = document.getElementById('lang') as HTMLButtonElement;

onLang(() => {
  langButton.textContent = currentLang() === 'zh-CN' ? 'English' : '中文';
  document.title = t('title');
  const title = document.querySelector('[data-i18n="title"]');
  if (title) title.textContent = t('title');
});
langButton.addEventListener('click', () => setLang(currentLang() === 'zh-CN' ? 'en' : 'zh-CN'));

/** The development identity: the page asks the node for a token for the role the person picked. */
async function devToken(role: Role, name: string, categories: Category[]): Promise<{ token: string; id: string }> {
  const res = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(role === 'lawyer' ? { role, name, categories } : { role, name }),
  });
  const body = (await res.json()) as { token?: string; id?: string; error?: string };
  if (!res.ok || !body.token || !body.id) throw new Error(body.error ?? `HTTP ${res.status}`);
  return { token: body.token, id: body.id };
}

function chooseRole(): void {
  const roleRadio = (role: Role) => h('label', {}, h('input', { type: 'radio', name: 'role', value: role, 'data-testid': `role-${role}`, checked: role === 'citizen' }), tr(role));
  const name = h('input', { type: 'text', 'data-testid': 'name', maxlength: '100' });
  const cats = h('div', { class: 'cats' });
  onLang(() => {
    const checked = new Set([...cats.querySelectorAll('input:checked')].map((i) => (i as HTMLInputElement).value));
    cats.replaceChildren(
      ...CATEGORY_CODES.map((c) => h('label', {}, h('input', { type: 'checkbox', value: c, checked: checked.has(c), 'data-testid': `cat-${c}` }), categoryLabel(c))),
    );
  });
  const catsBlock = h('div', { hidden: true }, h('label', {}, tr('specialties')), cats);
  const enter = h('button', { class: 'primary', type: 'submit', 'data-testid': 'enter' }, tr('enter'));
  const form = h('form', { class: 'card' }, h('h2', {}, tr('chooseRole')), h('div', { class: 'roles' }, roleRadio('citizen'), roleRadio('lawyer')), h('label', {}, tr('name')), name, catsBlock, enter);
  form.addEventListener('change', () => (catsBlock.hidden = selectedRole() !== 'lawyer'));
  const selectedRole = () => ((form.querySelector('input[name=role]:checked') as HTMLInputElement | null)?.value ?? 'citizen') as Role;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    enter.disabled = true;
    const role = selectedRole();
    const categories = [...cats.querySelectorAll('input:checked')].map((i) => (i as HTMLInputElement).value as Category);
    start(role, name.value.trim() || t(role), categories).catch((e: Error) => {
      enter.disabled = false;
      form.append(h('p', { class: 'muted' }, `${t('error')}${e.message}`));
    });
  });
  main.replaceChildren(form);
}

async function start(role: Role, name: string, categories: Category[]): Promise<void> {
  const { token, id } = await devToken(role, name, categories);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const client = new LawlineClient({ url: `${scheme}://${location.host}/ws`, token });
  const showState = () => {
    const s = status.dataset.state;
    status.textContent = t(s === 'open' ? 'open' : s === 'closed' ? 'offline' : s === 'connecting' ? 'connecting' : 'reconnecting');
  };
  client.on('state', (s) => {
    status.dataset.state = s;
    showState();
  });
  onLang(showState);
  await client.connect();
  const me = { id, name };
  if (role === 'citizen') citizenView(client, me, main);
  else lawyerView(client, me, main);
}

chooseRole();
