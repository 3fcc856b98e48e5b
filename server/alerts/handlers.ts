import { ErrorCode } from '../../protocol/errors.ts';
import { err, ok, type ProtocolError } from '../../protocol/result.ts';
import type { AlertRequest } from '../kernel/observe.ts';
import { person } from '../kernel/views.ts';
import type { Handler, HandlerTable } from '../session/dispatch.ts';
import type { Store } from '../store/port.ts';
import type { AlertBook, Outcome } from './book.ts';
import type { RuleSource } from './rule-source.ts';

const LIST_DEFAULT = 100;

function answer(o: Outcome) {
  if (o.ok) return ok({ alert: o.alert });
  const e: ProtocolError =
    o.reason === 'not-found'
      ? { code: ErrorCode.NOT_FOUND, message: 'no such alert' }
      : { code: ErrorCode.TIMEOUT, message: 'the alert kept changing; try again' };
  return err(e);
}

/** The supervisors' requests (permissions: auth/permissions.ts, supervisors only). */
export function alertHandlers(deps: { store: Store; book: AlertBook; source: RuleSource; clock: () => number }): Pick<HandlerTable, AlertRequest> {
  const list: Handler<'alert.list'> = async ({ identity }, data) => {
    const alerts = await deps.store.listAlerts({ states: data.states ?? ['raised', 'acknowledged'], limit: data.limit ?? LIST_DEFAULT });
    // Alerts quote what citizens wrote (the matched rules): reading them is an access to their data.
    await deps.store.appendAudit({ at: deps.clock(), actor: person(identity), action: 'alert.list', subject: `alerts:${alerts.length}` });
    return ok({ alerts });
  };
  const ack: Handler<'alert.ack'> = async ({ identity }, data) => answer(await deps.book.acknowledge(data.alertId, person(identity), data.note));
  const annotate: Handler<'alert.annotate'> = async ({ identity }, data) => answer(await deps.book.annotate(data.alertId, person(identity), data.note));
  const close: Handler<'alert.close'> = async ({ identity }, data) => answer(await deps.book.close(data.alertId, person(identity), data.falsePositive === true, data.note));
  const rules: Handler<'alert.rules'> = async () => {
    // Counted from the closed alerts in the store, so every node answers the same.
    const counts = new Map<string, number>();
    for (const a of await deps.store.listAlerts({ states: ['closed'] })) {
      if (a.falsePositive) for (const r of a.rules) counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    const falsePositives = [...counts].map(([rule, count]) => ({ rule, count })).sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : 1));
    const { file } = deps.source.current;
    const types = Object.entries(file.types).map(([type, t]) => ({ type, label: t.label }));
    return ok({ version: file.version, loadedAt: deps.source.loadedAt, types, falsePositives });
  };
  return { 'alert.list': list, 'alert.ack': ack, 'alert.annotate': annotate, 'alert.close': close, 'alert.rules': rules };
}
