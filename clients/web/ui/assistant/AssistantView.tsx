import { ordered } from '../../state/consultations.ts';
import { useApp, useT } from '../context.ts';
import { TeamCard } from './TeamCard.tsx';

/**
 * An assistant works for one lawyer: they see that lawyer's consultations (the server sends
 * them, open ones at sign-in and every change after) and reply to citizens in them, as the
 * permission table lets them (chat, and reading the history, which the server audits). Nothing
 * here offers what the table refuses them: no duty, no offers, no queue, no closing.
 */
export function AssistantView() {
  const t = useT();
  const lawyer = useApp((s) => s.identity?.lawyer);
  const consultations = useApp((s) => s.consultations);
  if (!lawyer) return <p class="card">{t('noView')}</p>;
  // A consultation handed on to another lawyer is no longer theirs to see.
  const team = ordered(consultations).filter((e) => e.view.lawyer?.id === lawyer.id);
  return (
    <div class="team">
      <section class="card acting-for" aria-labelledby="acting-for" data-testid="acting-for">
        <h2 id="acting-for">{t('actingFor', { lawyer: lawyer.name })}</h2>
        <p>{t('actingForIntro', { lawyer: lawyer.name })}</p>
        <p class="muted">{t('auditNote')}</p>
      </section>
      {team.length === 0 ? (
        <p class="card muted" data-testid="team-empty">
          {t('teamEmpty', { lawyer: lawyer.name })}
        </p>
      ) : (
        <div class="team-work">
          {team.map((e) => (
            <TeamCard key={e.view.id} id={e.view.id} />
          ))}
        </div>
      )}
    </div>
  );
}
