import { LIMITS, type ConsultationViewT, type PersonViewT } from '../../../protocol/frames.ts';
import { err, ok, type Result } from '../../../protocol/result.ts';
import type { Category } from '../../../protocol/vocabulary.ts';
import type { LawlineClient } from '../../sdk/index.ts';
import type { Lang, Params, StringKey } from '../i18n/i18n.ts';
import { saveLang } from '../i18n/saved-lang.ts';
import { assistantCode, type AssistantCode, type DevSignIn, type DevTokenError } from '../identity/dev-token.ts';
import { announce, type AppStore } from '../state/app-state.ts';
import { acked, addMessages, addOutgoing, failed, setDraft, setHasOlder, setHistory, setReadUpTo, upsertView } from '../state/consultations.ts';
import { select, setNoteDraft, setNotes, setPresence, type Notes } from '../state/desk.ts';
import { downloadServiceRecord } from './service-record.ts';
import type { SessionHost } from './session-host.ts';
import { supervisorActions } from './supervisor-actions.ts';
import { loadPast, updateCitizen } from './sync-citizen.ts';
import { updateConsultations, updateDesk } from './sync.ts';

/** An action's outcome: nothing, or the error message to show (the screen wraps it in the catalogue's `error`). */
export type Done<T = void> = Promise<Result<T, string>>;

/** What screens may do. Each writes what the server answers into the store, so every screen sees it. */
export type Actions = ReturnType<typeof createActions>;

export function createActions(host: SessionHost, store: AppStore) {
  const me = (): PersonViewT | undefined => {
    const i = store.get().identity;
    return i && { id: i.id, role: i.role, name: i.name };
  };
  /** Runs a request on the current client; a failure becomes its message. */
  const call = async <T>(run: (c: LawlineClient) => Promise<T>): Done<T> => {
    const client = host.client;
    if (!client) return err('not signed in');
    try {
      return ok(await run(client));
    } catch (e) {
      return err(e instanceof Error ? e.message : String(e));
    }
  };
  const know = (c: ConsultationViewT) => updateConsultations(store, (cs) => upsertView(cs, c));
  const inView = (done: Result<ConsultationViewT, string>): Result<ConsultationViewT, string> => {
    if (done.ok) updateDesk(store, (d) => select(d, done.value.id));
    return done;
  };
  const consultation = (run: (c: LawlineClient) => Promise<{ consultation: ConsultationViewT }>): Done<ConsultationViewT> =>
    call(async (c) => {
      const { consultation: view } = await run(c);
      know(view);
      return view;
    });

  return {
    /** Voice and video calls: what rings and runs, and starting, answering and ending them (`calls.ts`). */
    calls: host.calls,
    ...supervisorActions(call, store),
    setLang(lang: Lang): void {
      saveLang(lang);
      store.update((s) => ({ ...s, lang }));
    },
    signIn: (request: DevSignIn): Done => host.signIn(request),
    /** An assistant's sign-in with the code their lawyer made. */
    signInWithCode: (code: string): Promise<Result<void, DevTokenError>> => host.signInWithCode(code),
    /** A lawyer makes the sign-in code of a new assistant of theirs (development identity), with their current token. */
    async makeAssistantCode(name: string): Done<AssistantCode> {
      const token = store.get().identity?.token;
      if (!token) return err('not signed in');
      const made = await assistantCode(token, name);
      return made.ok ? made : err(made.error.message);
    },
    signOut: (): void => host.signOut(),
    /** Says something in the live region (what a screen's own action did, when the screen it happened on goes). */
    announce: (key: StringKey, params: Params): void => store.update((s) => announce(s, key, params)),

    /**
     * Sent again by the SDK, with the same request id, if the connection drops before the answer: one consultation, however many sends.
     * With a lawyer from the directory, offered to them first (the server's preferred-lawyer wait), then to anyone.
     */
    request: (category: Category, firstMessage: string, lawyerId?: string): Done<ConsultationViewT> =>
      consultation((c) => c.requestConsultation({ category, region: '320200', channel: 'text', ...(firstMessage ? { firstMessage } : {}), ...(lawyerId ? { lawyerId } : {}) }).answered),
    convert: (id: string): Done<ConsultationViewT> => consultation((c) => c.request('consult.convert', { consultationId: id })),

    setDraft: (id: string, text: string): void => updateConsultations(store, (cs) => setDraft(cs, id, text)),
    /** Sends the draft; refuses (and keeps it) when it is empty or over the limit, never cuts it. */
    send(id: string): Result<void, 'empty' | 'too-long' | 'not-signed-in'> {
      const body = store.get().consultations[id]?.draft.trim() ?? '';
      const client = host.client;
      const sender = me();
      if (!client || !sender) return err('not-signed-in');
      if (!body) return err('empty');
      if (body.length > LIMITS.maxBodyChars) return err('too-long');
      const { clientMsgId, acked: stored } = client.sendChat(id, body);
      updateConsultations(store, (cs) => setDraft(addOutgoing(cs, id, { clientMsgId, body, at: Date.now() }), id, ''));
      stored.then(
        (ack) => updateConsultations(store, (cs) => acked(cs, id, clientMsgId, ack, sender)),
        (e: Error) => updateConsultations(store, (cs) => failed(cs, id, clientMsgId, e.message)),
      );
      return ok(undefined);
    },
    /** Typing and read receipts are best effort: a lost one is logged, not shown. */
    typing(id: string, typing: boolean): void {
      void call((c) => c.request('chat.typing', { consultationId: id, typing })).then((r) => r.ok || console.warn('lawline: typing', r.error));
    },
    markRead(id: string, upToSeq: number): void {
      updateConsultations(store, (cs) => setReadUpTo(cs, id, upToSeq));
      void call((c) => c.request('chat.read', { consultationId: id, upToSeq })).then((r) => r.ok || console.warn('lawline: read receipt', r.error));
    },

    /** The lawyers on duty now, with their specialties and today's rostered hours. */
    refreshDirectory: (): Done =>
      call(async (c) => {
        const { lawyers } = await c.request('directory.list', {});
        updateCitizen(store, (side) => ({ ...side, directory: lawyers }));
      }),
    /** The next page of the citizen's ended consultations. */
    morePast: (): Done => call((c) => loadPast(c, store)),
    /** Shows an ended consultation's transcript: asked for now (the first time, or again after a failure). */
    /** The consultation's service record, as a page to keep or print, downloaded with the current token. */
    async downloadRecord(id: string): Done {
      const { identity, lang } = store.get();
      if (!identity) return err('not signed in');
      return downloadServiceRecord(identity.token, id, lang);
    },
    openTranscript(id: string): void {
      updateConsultations(store, (cs) => (cs[id]?.history === 'idle' || cs[id]?.history === 'failed' ? setHistory(cs, id, 'loading') : cs));
    },
    /** The page of messages before the first one held. */
    loadOlder: (id: string): Done =>
      call(async (c) => {
        const first = store.get().consultations[id]?.messages[0]?.seq;
        const page = await c.request('consult.history', { consultationId: id, limit: LIMITS.historyPageMax, ...(first !== undefined ? { beforeSeq: first } : {}) });
        updateConsultations(store, (cs) => setHasOlder(addMessages(cs, id, page.messages), id, page.hasMore));
      }),

    /** Takes a consultation from the queue and joins it; it comes into view. */
    pick: async (id: string): Done<ConsultationViewT> => inView(await consultation(async (c) => {
      await c.request('consult.pick', { consultationId: id });
      return c.request('consult.join', { consultationId: id });
    })),
    /** Accepts an offer; the consultation comes into view. */
    accept: async (id: string): Done<ConsultationViewT> => inView(await consultation((c) => c.request('offer.accept', { consultationId: id }))),
    decline: (id: string): Done<unknown> => call((c) => c.request('offer.decline', { consultationId: id })),
    close: (id: string, note: string): Done<ConsultationViewT> =>
      consultation((c) => c.request('consult.close', { consultationId: id, ...(note ? { note } : {}) })),
    /** Hands a consultation on to a category or a named lawyer, with a note for whoever takes it; it leaves this lawyer's tabs. */
    transfer: (id: string, to: { category: Category } | { lawyerId: string }, note: string): Done<ConsultationViewT> =>
      consultation((c) => c.request('consult.transfer', { consultationId: id, ...to, note })),
    /** Goes on duty (with these categories; none: those the sign-in declared), takes a break or goes off. */
    duty: (to: 'duty.on' | 'duty.away' | 'duty.off', categories?: readonly Category[]): Done<unknown> =>
      call(async (c) => {
        const { presence } = to === 'duty.on' ? await c.request(to, categories?.length ? { categories: [...categories] } : {}) : await c.request(to, {});
        updateDesk(store, (d) => setPresence(d, presence, undefined));
      }),
    /** Ends the wrap-up now: offers come again. */
    ready: (): Done<unknown> =>
      call(async (c) => {
        const { presence } = await c.request('duty.ready', {});
        updateDesk(store, (d) => setPresence(d, presence, undefined));
      }),
    /** Brings a consultation into view (its tab). */
    select: (id: string): void => updateDesk(store, (d) => select(d, id)),
    /** The lawyer's notes on a consultation and its handover note, as the server has them. */
    loadNotes: (id: string): Done<Notes> =>
      call(async (c) => {
        const { note, handover } = await c.request('note.get', { consultationId: id });
        const notes = { note, handover };
        updateDesk(store, (d) => setNotes(d, id, notes));
        return notes;
      }),
    setNoteDraft: (id: string, text: string | undefined): void => updateDesk(store, (d) => setNoteDraft(d, id, text)),
    /** Saves the notes being written; what was typed meanwhile stays a draft. */
    saveNote: (id: string, note: string): Done<unknown> =>
      call(async (c) => {
        const saved = await c.request('note.set', { consultationId: id, note });
        updateDesk(store, (d) => setNoteDraft(setNotes(d, id, { note: saved.note, handover: d.notes[id]?.handover }), id, d.noteDrafts[id] === note ? undefined : d.noteDrafts[id]));
      }),
  };
}
