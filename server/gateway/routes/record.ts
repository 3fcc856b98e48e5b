import { renderRecordHtml, type RecordLang } from '../../consultation/record-html.ts';
import { readServiceRecord, type RecordDeps, type ServiceRecord } from '../../consultation/record.ts';
import type { ApiReply, ApiRequest, ApiRoute } from '../json-api.ts';

/**
 * A consultation's service record over HTTP, on the client port (citizens keep theirs):
 * `/api/consultations/:id/record` as JSON, `…/record.html[?lang=en]` as a page to print. The
 * permission table's `http:record.get` is the first gate; the consultation's own (party, an
 * assistant of its lawyer, a supervisor: audited) the second. Not cached anywhere on the way.
 */
export function recordRoutes(deps: RecordDeps & { utcOffsetMin: number }): ApiRoute[] {
  const read = async (r: ApiRequest, then: (record: ServiceRecord) => ApiReply): Promise<ApiReply> => {
    const id = r.params.id ?? '';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return { status: 400, body: { error: 'not a consultation id' } };
    // The route's access is a permission-table operation: the gateway verified the caller first.
    if (!r.caller) return { status: 401, body: { error: 'send Authorization: Bearer <token>' } };
    const record = await readServiceRecord(deps, r.caller, id);
    if (!record.ok) return record.error === 'not-found' ? { status: 404, body: { error: 'no such consultation' } } : { status: 403, body: { error: 'not a member of this consultation' } };
    return then(record.value);
  };
  const noStore: [string, string] = ['Cache-Control', 'no-store'];
  return [
    {
      method: 'get',
      pattern: '/api/consultations/:id/record',
      access: 'http:record.get',
      handle: (r) => read(r, (record) => ({ status: 200, document: { type: 'application/json; charset=utf-8', text: JSON.stringify(record), headers: [noStore] } })),
    },
    {
      method: 'get',
      pattern: '/api/consultations/:id/record.html',
      access: 'http:record.get',
      handle: (r) =>
        read(r, (record) => {
          const lang: RecordLang = r.query.get('lang') === 'en' ? 'en' : 'zh-CN';
          const html = renderRecordHtml(record, lang, deps.utcOffsetMin);
          return { status: 200, document: { type: 'text/html; charset=utf-8', text: html, headers: [noStore, ['Content-Disposition', `inline; filename="lawline-${record.consultation.id}.html"`]] } };
        }),
    },
  ];
}
