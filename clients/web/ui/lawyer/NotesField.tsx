import { useEffect, useRef, useState } from 'preact/hooks';
import { LIMITS } from '../../../../protocol/frames.ts';
import { useActions, useApp, useT } from '../context.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { LimitedField } from '../LimitedField.tsx';

/**
 * The lawyer's notes on one consultation (never shown to the citizen), as the server keeps them:
 * read when shown, written here and saved by the button or on leaving the field; what is typed
 * and not saved stays while the lawyer looks at another consultation. Read-only once the
 * consultation is closed and its wrap-up is over.
 */
export function NotesField({ id, label, testId, editable }: { id: string; label: string; testId: string; editable: boolean }) {
  const t = useT();
  const actions = useActions();
  const saved = useApp((s) => s.desk.notes[id]);
  const draft = useApp((s) => s.desk.noteDrafts[id]);
  const [state, setState] = useState<{ busy: boolean; said?: 'saved'; error?: string }>({ busy: false });
  // Leaving the field for its button saves twice otherwise (focusout, then click).
  const saving = useRef(false);
  useEffect(() => {
    if (!saved) void actions.loadNotes(id).then((r) => r.ok || setState({ busy: false, error: r.error }));
  }, [id]);
  const value = draft ?? saved?.note ?? '';
  const dirty = draft !== undefined && draft !== (saved?.note ?? '');
  const save = async () => {
    if (!dirty || value.length > LIMITS.maxNoteChars || saving.current) return;
    saving.current = true;
    setState({ busy: true });
    const done = await actions.saveNote(id, value);
    saving.current = false;
    setState(done.ok ? { busy: false, said: 'saved' } : { busy: false, error: done.error });
  };
  if (!editable) {
    return (
      <div class="notes">
        <p class="label">{label}</p>
        {saved?.note ? (
          <p class="note-text" data-testid="note-text" data-user>
            {saved.note}
          </p>
        ) : (
          <p class="muted" data-testid="note-text">
            {saved ? t('notesNone') : t('loading')}
          </p>
        )}
      </div>
    );
  }
  return (
    <div class="notes" onFocusOut={() => void save()}>
      <LimitedField label={label} value={value} max={LIMITS.maxNoteChars} testId={testId} disabled={!saved} onInput={(text) => actions.setNoteDraft(id, text)} />
      <div class="row notes-row">
        <button type="button" data-testid={`save-${testId}`} disabled={state.busy || !dirty || value.length > LIMITS.maxNoteChars} onClick={save}>
          {t('saveNotes')}
        </button>
        <p class="muted" role="status">
          {dirty ? t('notesUnsaved') : state.said === 'saved' ? t('notesSaved') : ''}
        </p>
      </div>
      <ErrorNote message={state.error} />
    </div>
  );
}
