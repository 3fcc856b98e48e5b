import { useState } from 'preact/hooks';
import type { AlertViewT } from '../../../../protocol/frames.ts';
import type { Translator } from '../../i18n/i18n.ts';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { AlertDetail } from './AlertDetail.tsx';
import { LevelBadge } from './LevelBadge.tsx';

/** Risk types the server names itself (collective and service alerts); content types are labelled by the rule file. */
const FIXED_TYPES = { collective: 'alertTypeCollective', 'sla-breach': 'alertTypeSla', unanswered: 'alertTypeUnanswered' } as const;

/** `h:mm:ss` or `m:ss` until `at`: a countdown reads the same in both languages. */
export function timeLeft(at: number, now: number): string {
  const s = Math.max(0, Math.ceil((at - now) / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h > 0 ? `${h}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

function RiskType({ type }: { type: string }) {
  const t = useT();
  const labels = useApp((s) => s.supervision.typeLabels[type]);
  if (type in FIXED_TYPES) return <span>{t(FIXED_TYPES[type as keyof typeof FIXED_TYPES])}</span>;
  // The rule file's label (or its name for a type the file no longer has): configuration, not catalogue text.
  return <span data-user>{labels?.[t.lang] ?? type}</span>;
}

function where(t: Translator, a: AlertViewT): string | undefined {
  if (a.consultationIds) return t('alertConsultations', { count: a.consultationIds.length });
  if (a.consultationId) return t('alertConsultation', { id: a.consultationId.slice(-8) });
  return undefined;
}

/** One alert in the queue: level in colour and words, type, consultation, time, the escalation countdown; acknowledge and open. */
export function AlertCard({ alert: a, now, opened }: { alert: AlertViewT; now: number; opened: boolean }) {
  const t = useT();
  const actions = useActions();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const head = `alert-${a.id}`;
  const ack = async () => {
    setBusy(true);
    const done = await actions.acknowledge(a.id);
    setBusy(false);
    setError(done.ok ? undefined : done.error);
    if (done.ok) actions.announce('alertAckedAnnounced', {});
  };
  const scope = where(t, a);
  return (
    <li class={`alert-card level-edge-${a.level}${opened ? ' opened' : ''}`} data-testid="alert" data-alert={a.id} data-level={a.level} data-state={a.state}>
      <h3 id={head} class="alert-head">
        <LevelBadge level={a.level} />
        <RiskType type={a.riskType} />
      </h3>
      <p class="alert-meta">
        <span class={`alert-state state-${a.state}`} data-testid="alert-state">
          {t(a.state === 'raised' ? 'alertRaised' : 'alertAcknowledged')}
        </span>
        {scope && <span>{scope}</span>}
        {a.category && a.region && <span>{t('alertWhere', { category: t.category(a.category), region: t.region(a.region) })}</span>}
        <span>{t('alertTime', { time: t.time(a.updatedAt) })}</span>
        {a.state === 'raised' && a.escalateAt !== undefined && (
          <span class="alert-countdown" data-testid="alert-countdown">
            {a.escalateAt > now ? t('alertEscalatesIn', { time: timeLeft(a.escalateAt, now) }) : t('alertEscalatingNow')}
          </span>
        )}
      </p>
      <div class="row">
        {a.state === 'raised' && (
          <button type="button" class="primary" data-testid="alert-ack" aria-describedby={head} disabled={busy} onClick={ack}>
            {t('alertAck')}
          </button>
        )}
        <button type="button" data-testid="alert-open" aria-expanded={opened} aria-describedby={head} onClick={() => actions.openAlert(opened ? undefined : a.id)}>
          {t(opened ? 'alertHide' : 'alertOpen')}
        </button>
      </div>
      <ErrorNote message={error} />
      {opened && <AlertDetail alert={a} />}
    </li>
  );
}
