/**
 * The GSM-7 basic alphabet (3GPP TS 23.038, default alphabet without the extension table) and
 * conversion of arbitrary text into it. An SMS made only of these characters is encoded in 7 bits,
 * so 160 of them fit one segment; a single character outside it (an emoji, "á", "€", "[") switches
 * the whole message to UCS-2 and a 70-character segment limit, which would split reminders.
 */

/** Every character of the basic alphabet except ESC (0x1B), which only introduces the extension table. */
export const GSM7_BASIC_CHARACTERS =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

const BASIC = new Set(GSM7_BASIC_CHARACTERS);

/** Replacements for common characters that Unicode decomposition does not bring into the alphabet. */
const SUBSTITUTES: Readonly<Record<string, string>> = {
  '‘': "'", '’': "'", '‚': "'", '‛': "'", '`': "'", '´': "'", 'ʼ': "'",
  '“': '"', '”': '"', '„': '"', '«': '"', '»': '"',
  '‐': '-', '‑': '-', '‒': '-', '–': '-', '—': '-', '―': '-', '−': '-', '~': '-',
  '[': '(', ']': ')', '{': '(', '}': ')', '|': '/', '\\': '/', '€': 'EUR',
  'ł': 'l', 'Ł': 'L', 'đ': 'd', 'Đ': 'D', 'ı': 'i', 'œ': 'oe', 'Œ': 'OE', 'ð': 'd', 'Ð': 'D', 'þ': 'th', 'Þ': 'Th',
};

/** True when every character of `text` is in the GSM-7 basic alphabet, so it is sent 7-bit encoded. */
export function isGsm7Basic(text: string): boolean {
  for (const character of text) if (!BASIC.has(character)) return false;
  return true;
}

function convertCharacter(character: string): string {
  if (/\s/u.test(character)) return ' ';
  if (BASIC.has(character)) return character;
  const substitute = SUBSTITUTES[character];
  if (substitute !== undefined) return substitute;
  // "á" → "a", "ﬁ" → "fi", "…" → "...", full-width "Ａ" → "A"; whatever is still outside the
  // alphabet (emoji, CJK, other scripts) is dropped rather than shown as "?".
  let converted = '';
  for (const part of character.normalize('NFKD').replace(/\p{M}/gu, '')) {
    if (BASIC.has(part)) converted += part;
    else if (/\s/u.test(part)) converted += ' ';
  }
  return converted;
}

/**
 * Turns arbitrary text (a patient's name, an organization) into one line of GSM-7 basic
 * characters: letters with diacritics outside the alphabet lose them ("José" stays, "María"
 * becomes "Maria"), typographic punctuation becomes ASCII, anything unrepresentable (emoji,
 * other scripts) is dropped, and whitespace runs collapse to one space. May return ''.
 */
export function toGsm7Line(text: string): string {
  let converted = '';
  for (const character of text.normalize('NFC')) converted += convertCharacter(character);
  return converted.replace(/ {2,}/g, ' ').trim();
}

/**
 * Cuts GSM-7 text (as returned by toGsm7Line, so one UTF-16 unit per character) to at most `max`
 * characters, without an ellipsis, and drops separators left dangling at the cut.
 */
export function truncateGsm7(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max)).replace(/[\s,;:&/(-]+$/, '');
}
