import { toGsm7Line, truncateGsm7 } from './gsm7';
import { SMS_OPT_OUT_LINE, SMS_ORGANIZATION_MAX, type ReminderLanguage } from './templates';

/**
 * What a patient's SMS reply means for the consent ledger. Carrier keywords (STOP, HELP, START…)
 * count only as the whole message, so "I can't stop by tomorrow" is not an opt-out; plain-language
 * requests ("please stop texting me", "no me envíen más mensajes") are recognised by a small set
 * of patterns. When in doubt a reply is `other` and reaches a coordinator, who can still record
 * the opt-out by hand.
 */

export type ReplyKind = 'opt-out' | 'help' | 'opt-in' | 'other';

/** Opt-out keywords of the issue, plus their Spanish equivalents; compared with separators removed ("OPT OUT" = "opt-out" = "optout"). */
const OPT_OUT_KEYWORDS = new Set(['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout', 'baja', 'alto', 'parar', 'cancelar']);
/** Keywords that stay unambiguous with polite words around them ("stop please", "ok STOP"). */
const EMPHATIC_OPT_OUT_KEYWORDS = new Set(['stop', 'stopall', 'unsubscribe', 'optout', 'baja']);
const HELP_KEYWORDS = new Set(['help', 'ayuda', 'info']);
const OPT_IN_KEYWORDS = new Set(['start', 'unstop']);
const FILLER_WORDS = new Set(['please', 'pls', 'plz', 'now', 'thanks', 'thank', 'you', 'thx', 'ok', 'okay', 'just', 'por', 'favor', 'gracias', 'ya']);

/** Words before a match that turn a request to stop into its opposite ("don't stop the reminders"). */
const NEGATION_BEFORE = /\b(?:dont|do not|never|cant|cannot|wont|not)\s$/;

const TEXTS = '(?:texts|text messages|messages|reminders|sms|msgs|txts|notifications|alerts)';
const TEXTS_ES = '(?:mensajes|textos|sms|recordatorios|notificaciones)';

/** Plain-language opt-outs, matched against normalized text (lower case, no accents or apostrophes, single spaces). */
const OPT_OUT_PATTERNS: readonly RegExp[] = [
  /\b(?:stop|quit|cease) (?:sending|texting|messaging|contacting|txting|emailing)\b/g,
  new RegExp(`\\bstop (?:(?:all|the|these|those|your|any|my) )*${TEXTS}\\b`, 'g'),
  /\b(?:dont|do not|never) (?:text|txt|message|msg|contact|sms) me\b/g,
  new RegExp(`\\b(?:dont|do not|never) send me (?:any )?(?:more )?${TEXTS}\\b`, 'g'),
  new RegExp(`\\bno (?:more|further) ${TEXTS}\\b`, 'g'),
  new RegExp(`\\b(?:dont|do not|no longer) want (?:to (?:get|receive) )?(?:any |these |your |the |those )?(?:more )?${TEXTS}\\b`, 'g'),
  new RegExp(`\\b(?:remove|delete|take) (?:me|my (?:phone )?number|this number) (?:off|from) (?:(?:of|this|the|your|these|all|my|text|texting|sms|messaging|mailing|contact) )*(?:list|lists|${TEXTS})\\b`, 'g'),
  /\b(?:unsubscribe|unsubscribed|opt out|optout|opt me out)\b/g,
  /\bleave me alone\b/g,
  /\bno me (?:envien|envie|envies|mandes|manden|mande|escriban|escriba|escribas|contacten|contacte|molesten|moleste)\b/g,
  new RegExp(`\\bno (?:quiero|deseo) (?:recibir )?(?:mas )?${TEXTS_ES}\\b`, 'g'),
  new RegExp(`\\bno mas ${TEXTS_ES}\\b`, 'g'),
  /\b(?:dar|darme|darse|denme|deme) de baja\b/g,
  /\b(?:dejen|deje|deja|dejar|paren|pare|parar) de (?:enviar|mandar|escribir|textear|contactar)(?:me)?\b/g,
  /\b(?:quitenme|quiteme|quitarme|saquenme|saqueme|sacarme|borrenme|borreme|borrarme|eliminenme|elimineme|eliminarme) de (?:la|su|esta|sus|estas) listas?\b/g,
  /\b(?:cancelar|anular) (?:la |mi )?suscripcion\b/g,
];

/** Lower case, accents and apostrophes removed ("don't" → "dont"), everything else but letters and digits → single spaces. */
function normalize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’‘`´ʼ]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function matchesUnnegated(text: string, pattern: RegExp): boolean {
  for (const match of text.matchAll(pattern)) {
    if (!NEGATION_BEFORE.test(text.slice(0, match.index))) return true;
  }
  return false;
}

/**
 * Classifies an inbound SMS: `opt-out` for a carrier opt-out keyword as the whole message
 * (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPT OUT; Spanish BAJA, ALTO, PARAR,
 * CANCELAR; case, accents, surrounding punctuation and spacing ignored) or a plain-language
 * request to stop in English or Spanish; `help` for HELP, AYUDA or INFO; `opt-in` for START or
 * UNSTOP; `other` for anything else (a question for the care team). The text is PHI: never log it.
 */
export function classifyReply(text: string): ReplyKind {
  const normalized = normalize(text.slice(0, 2000));
  const words = normalized.split(' ');
  const compact = words.join('');
  const withoutFillers = words.filter((word) => !FILLER_WORDS.has(word)).join('');
  if (OPT_OUT_KEYWORDS.has(compact) || EMPHATIC_OPT_OUT_KEYWORDS.has(withoutFillers)) return 'opt-out';
  if (OPT_OUT_PATTERNS.some((pattern) => matchesUnnegated(normalized, pattern))) return 'opt-out';
  if (HELP_KEYWORDS.has(compact) || HELP_KEYWORDS.has(withoutFillers)) return 'help';
  if (OPT_IN_KEYWORDS.has(compact)) return 'opt-in';
  return 'other';
}

/** The organization as an SMS can show it: GSM-7, at most SMS_ORGANIZATION_MAX characters. */
function smsOrganization(organization: string): string {
  return truncateGsm7(toGsm7Line(organization), SMS_ORGANIZATION_MAX);
}

/**
 * The answer to HELP: who is texting, what for, that rates may apply, whom to contact and how
 * to opt out. One GSM-7 segment, no clinical detail.
 */
export function HELP_REPLY(language: ReminderLanguage, organization: string): string {
  const org = smsOrganization(organization);
  const sender = org ? `${org}: ` : '';
  return language === 'es'
    ? `${sender}Recordatorios de citas y actividades. Ayuda: contacte con nosotros. Pueden aplicarse tarifas. ${SMS_OPT_OUT_LINE.es}`
    : `${sender}Appointment and activity reminders. For help, contact us directly. Msg & data rates may apply. ${SMS_OPT_OUT_LINE.en}`;
}

/**
 * The single confirmation sent after an opt-out (carriers require it): no further reminders,
 * and how to opt back in. One GSM-7 segment, no clinical detail.
 */
export function OPT_OUT_CONFIRMATION(language: ReminderLanguage, organization: string): string {
  const org = smsOrganization(organization);
  const sender = org ? `${org}: ` : '';
  return language === 'es'
    ? `${sender}Se ha dado de baja y ya no le enviaremos recordatorios por SMS. Responda START para volver a recibirlos.`
    : `${sender}You are unsubscribed and will get no more text reminders. Reply START to resubscribe.`;
}
