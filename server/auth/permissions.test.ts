import { describe, expect, it } from 'vitest';
import { Requests, type RequestType } from '../../protocol/frames.ts';
import { ROLES, type Role } from '../../protocol/vocabulary.ts';
import { isAllowed } from './permissions.ts';

// Written out by hand on purpose: changing who may do what means editing this and the table.
//                        citizen lawyer assistant supervisor admin
const EXPECTED: Record<RequestType, [boolean, boolean, boolean, boolean, boolean]> = {
  hello: /*            */ [true, true, true, true, true],
  ping: /*             */ [true, true, true, true, true],
  'consult.request': /**/ [true, false, false, false, false],
  'consult.cancel': /* */ [true, false, false, false, false],
  'queue.list': /*     */ [false, true, false, false, false],
  'consult.pick': /*   */ [false, true, false, false, false],
  'consult.join': /*   */ [false, true, false, false, false],
  'consult.close': /*  */ [true, true, false, false, false],
  'consult.transfer': /**/ [false, true, false, false, false],
  'consult.convert': /* */ [true, false, false, false, false],
  'consult.list': /*   */ [true, true, true, true, false],
  'consult.history': /**/ [true, true, true, true, false],
  'duty.on': /*        */ [false, true, false, false, false],
  'duty.away': /*      */ [false, true, false, false, false],
  'duty.off': /*       */ [false, true, false, false, false],
  'directory.list': /* */ [true, true, true, true, false],
  'offer.accept': /*   */ [false, true, false, false, false],
  'offer.decline': /*  */ [false, true, false, false, false],
  'chat.send': /*      */ [true, true, true, false, false],
  'chat.typing': /*    */ [true, true, true, false, false],
  'chat.read': /*      */ [true, true, true, false, false],
};

describe('permission table', () => {
  it('covers every request type in the protocol', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(Requests).sort());
  });

  const pairs = (Object.keys(Requests) as RequestType[]).flatMap((type) => ROLES.map((role, i) => [type, role, i] as [RequestType, Role, number]));
  it.each(pairs)('%s by %s', (type, role, i) => {
    expect(isAllowed(type, role)).toBe(EXPECTED[type][i]);
  });
});
