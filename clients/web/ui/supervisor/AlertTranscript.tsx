import type { AlertViewT } from '../../../../protocol/frames.ts';
import { useApp, useT } from '../context.ts';

/**
 * The consultation's messages, read-only, as `consult.history` gave them when the alert was
 * opened. The server writes every such read to the audit log: the supervisor is told so.
 */
export function AlertTranscript({ alert: a }: { alert: AlertViewT }) {
  const t = useT();
  const transcript = useApp((s) => s.supervision.transcript);
  const id = a.consultationId;
  if (!id) return <p class="muted">{t('alertNoTranscript')}</p>;
  const shown = transcript?.consultationId === id ? transcript : undefined;
  return (
    <section class="alert-transcript" aria-labelledby={`transcript-${a.id}`} data-testid="alert-transcript">
      <h4 id={`transcript-${a.id}`}>{t('alertTranscript')}</h4>
      <p class="notice" data-testid="audited">
        {t('alertAudited')}
      </p>
      {(!shown || shown.state === 'loading') && <p class="muted">{t('alertTranscriptLoading')}</p>}
      {shown?.state === 'failed' && <p class="error">{t('alertTranscriptFailed')}</p>}
      {shown?.hasMore && <p class="muted">{t('alertTranscriptMore', { count: shown.messages.length })}</p>}
      {shown?.state === 'loaded' && (
        <ol class="messages" data-testid="messages" tabIndex={0} aria-label={t('alertTranscript')}>
          {shown.messages.map((m) => (
            <li key={m.seq} class={`msg${m.from.role === 'citizen' ? '' : ' mine'}`} data-testid="message">
              <div class="meta">{t('messageMeta', { name: m.from.name, time: t.time(m.at) })}</div>
              <div class="body" data-user>
                {m.body}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
