import { CATEGORIES, type Category } from '../../protocol/vocabulary.ts';

export type Lang = 'zh-CN' | 'en';

const STRINGS = {
  title: { 'zh-CN': 'lawline 在线法律咨询', en: 'lawline online legal help' },
  chooseRole: { 'zh-CN': '选择身份（开发用身份）', en: 'Choose who you are (development identity)' },
  citizen: { 'zh-CN': '群众', en: 'Citizen' },
  lawyer: { 'zh-CN': '律师', en: 'Lawyer' },
  name: { 'zh-CN': '姓名', en: 'Name' },
  specialties: { 'zh-CN': '擅长领域', en: 'Specialties' },
  enter: { 'zh-CN': '进入', en: 'Enter' },
  askTitle: { 'zh-CN': '申请法律咨询', en: 'Ask for legal help' },
  category: { 'zh-CN': '咨询类别', en: 'Category' },
  firstMessage: { 'zh-CN': '简要描述您的问题（可选）', en: 'Describe your problem (optional)' },
  request: { 'zh-CN': '提交咨询', en: 'Request consultation' },
  queueTitle: { 'zh-CN': '等待中的咨询', en: 'Waiting consultations' },
  queueEmpty: { 'zh-CN': '暂无等待中的咨询', en: 'No one is waiting' },
  pick: { 'zh-CN': '接单', en: 'Take' },
  stepQueued: { 'zh-CN': '排队中', en: 'Queued' },
  stepPicked: { 'zh-CN': '律师已接单', en: 'Lawyer picked it' },
  stepActive: { 'zh-CN': '律师已进入', en: 'Lawyer joined' },
  stepClosed: { 'zh-CN': '已结束', en: 'Closed' },
  send: { 'zh-CN': '发送', en: 'Send' },
  typeHere: { 'zh-CN': '输入消息，回车发送', en: 'Type a message, Enter to send' },
  typing: { 'zh-CN': '对方正在输入…', en: 'typing…' },
  note: { 'zh-CN': '结案小结（仅律师可见）', en: 'Wrap-up note (lawyers only)' },
  close: { 'zh-CN': '结束咨询', en: 'Close consultation' },
  closed: { 'zh-CN': '咨询已结束，感谢使用。', en: 'The consultation is closed. Thank you.' },
  connecting: { 'zh-CN': '连接中…', en: 'connecting…' },
  open: { 'zh-CN': '已连接', en: 'connected' },
  reconnecting: { 'zh-CN': '重新连接中…', en: 'reconnecting…' },
  offline: { 'zh-CN': '已断开', en: 'disconnected' },
  error: { 'zh-CN': '出错了：', en: 'Error: ' },
  sending: { 'zh-CN': '发送中', en: 'sending' },
  dutyTitle: { 'zh-CN': '值班状态', en: 'Duty' },
  dutyOn: { 'zh-CN': '开始值班', en: 'Go on duty' },
  dutyAway: { 'zh-CN': '暂离', en: 'Take a break' },
  dutyOff: { 'zh-CN': '结束值班', en: 'Go off duty' },
  state_offline: { 'zh-CN': '未值班', en: 'Off duty' },
  state_available: { 'zh-CN': '值班中（空闲）', en: 'On duty, free' },
  state_busy: { 'zh-CN': '值班中（已满）', en: 'On duty, full' },
  state_away: { 'zh-CN': '暂离', en: 'On a break' },
  'state_wrap-up': { 'zh-CN': '整理中', en: 'Wrapping up' },
  state_reconnecting: { 'zh-CN': '重新连接中', en: 'Reconnecting' },
  reason_missed: { 'zh-CN': '连续未响应派单，已自动设为暂离', en: 'Set on a break after missed offers' },
  offerTitle: { 'zh-CN': '新的咨询派单', en: 'New consultation offered' },
  accept: { 'zh-CN': '接受', en: 'Accept' },
  decline: { 'zh-CN': '拒绝', en: 'Decline' },
  position: { 'zh-CN': '当前排队位置：', en: 'Your place in the queue: ' },
  estimatedWait: { 'zh-CN': '，预计等待约 {m} 分钟', en: ', estimated wait about {m} min' },
  nobodyOnDuty: { 'zh-CN': '暂无值班律师。您可以留言咨询，律师将在24小时内答复。', en: 'No lawyer is on duty. Leave a message and a lawyer answers within 24 hours.' },
  leaveMessage: { 'zh-CN': '改为留言咨询', en: 'Leave a message instead' },
  messageLeft: { 'zh-CN': '已转为留言咨询，答复期限：', en: 'Now a message consultation, answer due by ' },
  lawyerDropped: { 'zh-CN': '律师连接中断，已为您重新排队（优先）', en: 'Your lawyer lost the connection; you are back at the front of the queue' },
} as const;

export type StringKey = keyof typeof STRINGS;

let lang: Lang = 'zh-CN';
const listeners = new Set<() => void>();

export const t = (key: StringKey): string => STRINGS[key][lang];
export const categoryLabel = (c: Category): string => CATEGORIES[c][lang];
export const currentLang = (): Lang => lang;

export function setLang(next: Lang): void {
  lang = next;
  document.documentElement.lang = next;
  for (const l of listeners) l();
}

/** Re-run `render` whenever the language changes (and once now). */
export function onLang(render: () => void): void {
  listeners.add(render);
  render();
}
