/**
 * The UTF-8 sequences of Autobahn|Testsuite cases 6.5 to 6.23 (after Markus Kuhn's
 * UTF-8-test.txt), as hex, each marked valid or not by RFC 3629. Category n is case 6.(5+n).
 */

export interface Utf8Category {
  title: string;
  sequences: { valid: boolean; hex: string }[];
}

const valid = (...hex: string[]) => hex.map((h) => ({ valid: true, hex: h }));
const invalid = (...hex: string[]) => hex.map((h) => ({ valid: false, hex: h }));

const KOSME = 'cebae1bdb9cf83cebcceb5'; // κόσμε

/** Every prefix of κόσμε: valid exactly when it ends on a code point boundary. */
const prefixes = Array.from({ length: KOSME.length / 2 }, (_, i) => KOSME.slice(0, 2 * (i + 1))).map((hex) => ({
  valid: [2, 5, 7, 9, 11].includes(hex.length / 2),
  hex,
}));

/** Bytes `from` up to (not including) `to`, each followed by a space. */
function lonely(from: number, to: number): string {
  let hex = '';
  for (let b = from; b < to; b++) hex += b.toString(16) + '20';
  return hex;
}

const missingLast = ['c0', 'e080', 'f08080', 'f8808080', 'fc80808080', 'df', 'efbf', 'f7bfbf', 'fbbfbfbf', 'fdbfbfbfbf'];

/** U+FFFE, U+FFFF and the last two code points of planes 1-16. */
const nonCharacters = ['efbfbe', 'efbfbf'];
for (const lead of ['f0', 'f1', 'f2', 'f3', 'f4']) {
  for (const second of ['8f', '9f', 'af', 'bf']) {
    if (lead === 'f4' && second !== '8f') continue; // beyond U+10FFFF
    for (const last of ['be', 'bf']) if (!(lead === 'f0' && second === '8f')) nonCharacters.push(`${lead}${second}bf${last}`);
  }
}

let continuation = '';
for (let b = 0x80; b < 0xbf; b++) continuation += b.toString(16);

export const UTF8_CATEGORIES: Utf8Category[] = [
  { title: 'some valid UTF-8 sequences', sequences: valid('68656c6c6f24776f726c64', '68656c6c6fc2a2776f726c64', '68656c6c6fe282ac776f726c64', '68656c6c6ff0a4ada2776f726c64', KOSME) },
  { title: 'all prefixes of a string of multi-byte code points', sequences: prefixes },
  { title: 'first possible sequence of each length', sequences: valid('00', 'c280', 'e0a080', 'f0908080') },
  { title: 'first possible sequence of length 5 and 6', sequences: invalid('f888808080', 'fc8480808080') },
  { title: 'last possible sequence of each length', sequences: valid('7f', 'dfbf', 'efbfbf', 'f48fbfbf') },
  { title: 'last possible sequence of length 4, 5 and 6', sequences: invalid('f7bfbfbf', 'fbbfbfbfbf', 'fdbfbfbfbfbf') },
  { title: 'other boundary conditions', sequences: [...valid('ed9fbf', 'ee8080', 'efbfbd', 'f48fbfbf'), ...invalid('f4908080')] },
  { title: 'unexpected continuation bytes', sequences: invalid('80', 'bf', '80bf', '80bf80', '80bf80bf', '80bf80bf80', '80bf80bf80bf', continuation) },
  { title: 'lonely start bytes', sequences: invalid(lonely(0xc0, 0xdf), lonely(0xe0, 0xef), lonely(0xf0, 0xf7), lonely(0xf8, 0xfb), lonely(0xfc, 0xfd)) },
  { title: 'sequences with the last continuation byte missing', sequences: invalid(...missingLast) },
  { title: 'concatenation of incomplete sequences', sequences: invalid(missingLast.join('')) },
  { title: 'impossible bytes', sequences: invalid('fe', 'ff', 'fefeffff') },
  { title: 'overlong ASCII character', sequences: invalid('c0af', 'e080af', 'f08080af', 'f8808080af', 'fc80808080af') },
  { title: 'maximum overlong sequences', sequences: invalid('c1bf', 'e09fbf', 'f08fbfbf', 'f887bfbfbf', 'fc83bfbfbfbf') },
  { title: 'overlong NUL', sequences: invalid('c080', 'e08080', 'f0808080', 'f880808080', 'fc8080808080') },
  { title: 'single UTF-16 surrogates', sequences: invalid('eda080', 'edadbf', 'edae80', 'edafbf', 'edb080', 'edbe80', 'edbfbf') },
  {
    title: 'paired UTF-16 surrogates',
    sequences: invalid('eda080edb080', 'eda080edbfbf', 'edadbfedb080', 'edadbfedbfbf', 'edae80edb080', 'edae80edbfbf', 'edafbfedb080', 'edafbfedbfbf'),
  },
  { title: 'non-characters (valid UTF-8)', sequences: valid(...nonCharacters) },
  { title: 'Unicode specials', sequences: valid('efbfb9', 'efbfba', 'efbfbb', 'efbfbc', 'efbfbd', 'efbfbe', 'efbfbf') },
];
