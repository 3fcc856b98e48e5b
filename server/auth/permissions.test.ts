import { describe, expect, it } from 'vitest';
import { Requests, type RequestType } from '../../protocol/frames.ts';
import { ROLES, type Role } from '../../protocol/vocabulary.ts';
import { HTTP_OPERATIONS, isAllowed, PERMISSIONS, type EntryPoint } from './permissions.ts';

// Written out by hand on purpose: changing who may do what means editing this and the table.
//                        citizen lawyer assistant supervisor admin
const EXPECTED: Record<EntryPoint, [boolean, boolean, boolean, boolean, boolean]> = {
  hello: /*            */ [true, true, true, true, true],
  ping: /*             */ [true, true, true, true, true],
  'session.end': /*     */ [true, true, true, true, true],
  'consult.request': /**/ [true, false, false, false, false],
  'consult.cancel': /* */ [true, false, false, false, false],
  'queue.list': /*     */ [false, true, false, false, false],
  'queue.positions': /**/ [true, false, false, false, false],
  'consult.pick': /*   */ [false, true, false, false, false],
  'consult.join': /*   */ [false, true, false, false, false],
  'consult.close': /*  */ [true, true, false, false, false],
  'consult.transfer': /**/ [false, true, false, false, false],
  'consult.convert': /* */ [true, false, false, false, false],
  'consult.list': /*   */ [true, true, true, true, false],
  'consult.history': /**/ [true, true, true, true, false],
  'consult.past': /*   */ [true, true, false, false, false],
  'duty.on': /*        */ [false, true, false, false, false],
  'duty.get': /*       */ [false, true, false, false, false],
  'duty.away': /*      */ [false, true, false, false, false],
  'duty.off': /*       */ [false, true, false, false, false],
  'duty.ready': /*     */ [false, true, false, false, false],
  'note.get': /*       */ [false, true, false, false, false],
  'note.set': /*       */ [false, true, false, false, false],
  'directory.list': /* */ [true, true, true, true, false],
  'offer.accept': /*   */ [false, true, false, false, false],
  'offer.decline': /*  */ [false, true, false, false, false],
  'chat.send': /*      */ [true, true, true, false, false],
  'chat.typing': /*    */ [true, true, true, false, false],
  'chat.read': /*      */ [true, true, true, false, false],
  'alert.list': /*     */ [false, false, false, true, false],
  'alert.ack': /*      */ [false, false, false, true, false],
  'alert.annotate': /* */ [false, false, false, true, false],
  'alert.close': /*    */ [false, false, false, true, false],
  'alert.rules': /*    */ [false, false, false, true, false],
  'call.start': /*   */ [true, true, false, false, false],
  'call.accept': /*  */ [true, true, false, false, false],
  'call.decline': /* */ [true, true, false, false, false],
  'call.hangup': /*  */ [true, true, false, false, false],
  'call.offer': /*   */ [true, true, false, false, false],
  'call.subscribe': /**/ [true, true, false, false, false],
  'call.answer': /*  */ [true, true, false, false, false],
  'call.ice': /*     */ [true, true, false, false, false],
  'call.restart': /* */ [true, true, false, false, false],
  'call.media': /*   */ [true, true, false, false, false],
  'call.monitor': /* */ [false, false, false, true, false],
  'call.monitor.answer': [false, false, false, true, false],
  'call.monitor.end': [false, false, false, true, false],
  // HTTP operations API (internal listener)
  'http:roster.put': /**/ [false, false, false, true, true],
  'http:roster.get': /**/ [false, false, false, true, true],
  'http:coverage.get': /**/ [false, false, false, true, true],
  'http:record.get': /*  */ [true, true, true, true, false],
};

const ENTRY_POINTS: EntryPoint[] = [...(Object.keys(Requests) as RequestType[]), ...HTTP_OPERATIONS];

describe('permission table', () => {
  it('covers every entry point: each request type of the protocol and each HTTP operation, and nothing else', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...ENTRY_POINTS].sort());
    expect(Object.keys(PERMISSIONS).sort()).toEqual([...ENTRY_POINTS].sort());
  });

  it('lists roles in the order of the matrix', () => {
    expect(ROLES).toEqual(['citizen', 'lawyer', 'assistant', 'supervisor', 'admin']);
  });

  const pairs = ENTRY_POINTS.flatMap((entry) => ROLES.map((role, i) => [entry, role, i] as [EntryPoint, Role, number]));
  it.each(pairs)('%s by %s', (entry, role, i) => {
    expect(isAllowed(entry, role)).toBe(EXPECTED[entry][i]);
  });
});
