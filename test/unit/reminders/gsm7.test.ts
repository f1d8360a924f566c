import fc from 'fast-check';
import { GSM7_BASIC_CHARACTERS, isGsm7Basic, toGsm7Line, truncateGsm7 } from '../../../shared/reminders/gsm7';
import { GSM7_SINGLE_LINE, nonGsm7Characters } from './support';

describe('GSM7_BASIC_CHARACTERS', () => {
  it('is exactly the 3GPP TS 23.038 default alphabet without ESC', () => {
    expect(new Set(GSM7_BASIC_CHARACTERS)).toEqual(new Set([...GSM7_SINGLE_LINE, '\n', '\r']));
    expect([...GSM7_BASIC_CHARACTERS]).toHaveLength(127);
  });
});

describe('isGsm7Basic', () => {
  it('accepts the Spanish letters in the alphabet and refuses the ones outside it', () => {
    expect(isGsm7Basic('é ñ ü à è ì ò Ñ Ü ¿ ¡')).toBe(true);
    expect(isGsm7Basic('Line one\r\nline two')).toBe(true);
    for (const character of ['á', 'í', 'ó', 'ú', 'Á', 'ç', '€', '[', '~', '^', '|', '`', '\t', '\u00a0', '😀']) expect(isGsm7Basic(character)).toBe(false);
  });
});

describe('toGsm7Line', () => {
  it.each([
    ['María Pérez', 'Maria Pérez'],
    ['Ñandú Gómez', 'Ñandu Gomez'],
    ['Zoë Łukasz-Çelik', 'Zoe Lukasz-Çelik'],
    ['O’Brien “Jr”', 'O\'Brien "Jr"'],
    ['Ａｎｎ ﬁ…', 'Ann fi...'],
    ['Ana 😀 👩‍⚕️ Ruiz', 'Ana Ruiz'],
    ['李明', ''],
    ['  Line\nbreak\ttab\u00a0nbsp ', 'Line break tab nbsp'],
    ['[Acme] {Care} | A~B €5', '(Acme) (Care) / A-B EUR5'],
  ])('%j → %j', (text, expected) => {
    expect(toGsm7Line(text)).toBe(expected);
  });

  it('always returns a single line of alphabet characters without surrounding or doubled spaces', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 })), (text) => {
        const line = toGsm7Line(text);
        expect(nonGsm7Characters(line)).toEqual([]);
        expect(line).toBe(line.trim());
        expect(line).not.toContain('  ');
      }),
    );
  });
});

describe('truncateGsm7', () => {
  it('cuts to the limit without an ellipsis and drops a dangling separator', () => {
    expect(truncateGsm7('Springfield Health', 30)).toBe('Springfield Health');
    expect(truncateGsm7('Springfield Health', 12)).toBe('Springfield');
    expect(truncateGsm7('Mary-Jane', 5)).toBe('Mary');
    expect(truncateGsm7('Ann', 0)).toBe('');
  });
});
