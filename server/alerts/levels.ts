import type { AlertLevel } from '../../protocol/frames.ts';

/** From least to most severe: IV 一般 (blue), III 较大 (yellow), II 重大 (orange), I 特别重大 (red). */
export const LEVELS_ASCENDING: readonly AlertLevel[] = ['IV', 'III', 'II', 'I'];

export function severity(level: AlertLevel): number {
  return LEVELS_ASCENDING.indexOf(level);
}

export function moreSevere(a: AlertLevel, b: AlertLevel): boolean {
  return severity(a) > severity(b);
}

/** One level up (IV -> III ... II -> I); I stays I. */
export function oneUp(level: AlertLevel): AlertLevel {
  return LEVELS_ASCENDING[Math.min(severity(level) + 1, LEVELS_ASCENDING.length - 1)] as AlertLevel;
}

/** Level III and above notify the supervisors on duty and the webhook. */
export const notifies = (level: AlertLevel) => severity(level) >= severity('III');
/** Level II and above also give the lawyer guidance (and, later, start silent monitoring). */
export const guides = (level: AlertLevel) => severity(level) >= severity('II');
