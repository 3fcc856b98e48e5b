/** Legal categories: codes are stable English identifiers, labels are for display. */
export const CATEGORIES = {
  labor: { 'zh-CN': '劳动争议', en: 'Labor dispute' },
  family: { 'zh-CN': '婚姻家庭', en: 'Marriage and family' },
  contract: { 'zh-CN': '合同纠纷', en: 'Contract' },
  traffic: { 'zh-CN': '交通事故', en: 'Traffic accident' },
  property: { 'zh-CN': '房产物业', en: 'Property' },
  criminal: { 'zh-CN': '刑事辩护', en: 'Criminal defence' },
  administrative: { 'zh-CN': '行政诉讼', en: 'Administrative' },
  debt: { 'zh-CN': '债权债务', en: 'Debt' },
  company: { 'zh-CN': '公司法务', en: 'Company' },
  consumer: { 'zh-CN': '消费维权', en: 'Consumer rights' },
  medical: { 'zh-CN': '医疗纠纷', en: 'Medical dispute' },
  ip: { 'zh-CN': '知识产权', en: 'Intellectual property' },
  general: { 'zh-CN': '综合咨询', en: 'General' },
} as const;

export type Category = keyof typeof CATEGORIES;
export const CATEGORY_CODES = Object.keys(CATEGORIES) as Category[];

export const ROLES = ['citizen', 'lawyer', 'assistant', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const CONSULTATION_STATES = ['queued', 'picked', 'active', 'closed', 'cancelled'] as const;
export type ConsultationState = (typeof CONSULTATION_STATES)[number];

/** text: live chat; message: 留言, answered asynchronously within the message SLA (24 h by default). */
export const CHANNELS = ['text', 'message'] as const;
export type Channel = (typeof CHANNELS)[number];

/** GB/T 2260 administrative division code: 2 digits province, 2 city, 2 county. */
export const REGION_PATTERN = '^[1-9][0-9]{5}$';

/**
 * A lawyer's duty state. `busy` is not stored: it is `available` with no capacity left.
 * `reconnecting`: every device dropped, kept for the resume window with no new offers.
 */
export const DUTY_STATES = ['offline', 'available', 'busy', 'away', 'wrap-up', 'reconnecting'] as const;
export type DutyState = (typeof DUTY_STATES)[number];

/** Priority classes a citizen's token may carry; served before everyone else, FIFO within. */
export const PRIORITY_CLASSES = ['elderly', 'disabled', 'legal-aid'] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

/** Risk warning levels (预警分级), most severe first: labels for pages and reports. Risk-type labels come with the rule file (`alert.rules`). */
export const ALERT_LEVEL_LABELS = {
  I: { 'zh-CN': 'Ⅰ级（特别重大，红色）', en: 'Level I (extremely serious, red)', colour: 'red' },
  II: { 'zh-CN': 'Ⅱ级（重大，橙色）', en: 'Level II (serious, orange)', colour: 'orange' },
  III: { 'zh-CN': 'Ⅲ级（较大，黄色）', en: 'Level III (considerable, yellow)', colour: 'yellow' },
  IV: { 'zh-CN': 'Ⅳ级（一般，蓝色）', en: 'Level IV (general, blue)', colour: 'blue' },
} as const;
