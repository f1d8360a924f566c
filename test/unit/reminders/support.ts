/**
 * Test-side definitions, kept independent of the code under test: the GSM-7 basic alphabet as
 * tabulated in 3GPP TS 23.038 and a deny-list of clinical words no reminder text may contain.
 */

const LF = null;
const CR = null;
const ESC = null;
/** The 128 code points of the default alphabet, in code order; line breaks and ESC are not allowed in our SMS. */
const GSM7_TABLE: (string | null)[] = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', LF, 'Ø', 'ø', CR, 'Å', 'å',
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', ESC, 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];
if (GSM7_TABLE.length !== 128) throw new Error('GSM-7 table must have 128 entries');

export const GSM7_SINGLE_LINE = new Set(GSM7_TABLE.filter((character): character is string => character !== null));

/** The characters of `text` outside the single-line GSM-7 basic alphabet (empty when it is one segment-safe). */
export function nonGsm7Characters(text: string): string[] {
  return [...text].filter((character) => !GSM7_SINGLE_LINE.has(character));
}

/** Clinical words (English and Spanish stems) that must never appear in reminder text. */
const DENY_STEMS = [
  'cardiolog', 'oncolog', 'neurolog', 'dermatolog', 'diabet', 'heart', 'cancer', 'tumor', 'tumour', 'medication', 'medicine',
  'prescri', 'pharmac', 'dosage', 'insulin', 'laborator', 'diagnos', 'therap', 'treatment', 'surger', 'surgical',
  'pregnan', 'psychiatr', 'depress', 'blood', 'vaccin', 'doctor', 'physician', 'nurse', 'specialist', 'clinic',
  'hospital', 'symptom', 'disease', 'infection', 'screening', 'corazon', 'medicament', 'medicina', 'receta', 'farmac',
  'analisis', 'prueba', 'resultado', 'tratamiento', 'cirug', 'embaraz', 'psiquiatr', 'sangre', 'vacuna', 'medico',
  'enfermer', 'especialista', 'sintoma', 'enfermedad', 'oncolog', 'cardiac', 'kidney', 'liver', 'hiv', 'std',
];
const DENY_WORDS = ['lab', 'labs', 'test', 'tests', 'result', 'results', 'dose', 'doses', 'pill', 'pills', 'dr', 'scan', 'mri', 'aids', 'mental', 'drug', 'drugs', 'rx'];
const DENY = new RegExp(`\\b(?:(?:${DENY_STEMS.join('|')})\\w*|${DENY_WORDS.join('|')})\\b`, 'i');

/** Lower case without accents, so "cardiología" and "CARDIOLOGIA" are caught alike. */
function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The first deny-listed clinical word in `text`, if any. */
export function clinicalWord(text: string): string | undefined {
  return DENY.exec(fold(text))?.[0];
}

/** True when `text` contains a deny-listed stem anywhere, even inside a word (for filtering generated names). */
export function containsDenyStem(text: string): boolean {
  const folded = fold(text).replace(/[^a-z]/g, '');
  return [...DENY_STEMS, ...DENY_WORDS].some((stem) => folded.includes(stem));
}
