import { z } from 'zod';
import { isTimeZone } from '../patients/time-zone';
import { isGsm7Basic, toGsm7Line, truncateGsm7 } from './gsm7';

/**
 * Reminder texts, in English and Spanish. They carry only what the patient needs to act — first
 * name, organization, local date and time, a link — and never a diagnosis, medication, specialty
 * or other clinical detail: an SMS can be read on a lock screen by anyone. Every SMS is one
 * segment (at most 160 GSM-7 basic characters) and ends with the opt-out line.
 */

export const ZReminderTemplateId = z.enum(['appointment-reminder', 'care-plan-activity', 'follow-up-reminder']);
export type ReminderTemplateId = z.infer<typeof ZReminderTemplateId>;

export const ZReminderLanguage = z.enum(['en', 'es']);
export type ReminderLanguage = z.infer<typeof ZReminderLanguage>;

/** One GSM-7 segment. */
export const SMS_MAX_LENGTH = 160;
/** Longest first name and organization an SMS shows; shorter when the rest needs the room. */
export const SMS_FIRST_NAME_MAX = 20;
export const SMS_ORGANIZATION_MAX = 30;
/** Longest reminder link; with it every template still fits one segment. */
export const REMINDER_LINK_MAX = 60;

/** The last words of every SMS: how to opt out, with the STOP keyword carriers recognise. */
export const SMS_OPT_OUT_LINE: Readonly<Record<ReminderLanguage, string>> = {
  en: 'Reply STOP to opt out',
  es: 'Responda STOP para darse de baja',
};

/** Organization kept when names must shrink: the sender must stay recognisable. */
const SMS_ORGANIZATION_FLOOR = 12;
/** First-name length cut to before the organization is shortened at all. */
const SMS_FIRST_NAME_FLOOR = 10;

/**
 * The reminder language for a patient's preferred language (a BCP-47 tag such as `es-MX`, as in
 * FHIR Patient.communication): Spanish for any `es` tag, English otherwise.
 */
export function reminderLanguage(patientLanguage?: string): ReminderLanguage {
  return patientLanguage !== undefined && /^\s*es(?:[-_]|\s*$)/i.test(patientLanguage) ? 'es' : 'en';
}

/** `localhost`, `127.x.x.x` or `[::1]`: a local run's console, the only place a reminder link may be plain http. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

const isReminderLinkUrl = (value: string) =>
  URL.canParse(value) && (/^https:\/\/[^\s]+$/.test(value) || (/^http:\/\/[^\s]+$/.test(value) && isLoopbackHost(new URL(value).hostname)));

const ZReminderLink = z
  .string()
  .max(REMINDER_LINK_MAX)
  .refine((value) => isReminderLinkUrl(value) && isGsm7Basic(value), 'expected an https URL (http only on loopback) of GSM-7 characters');

export const ZRenderReminderInput = z.object({
  templateId: ZReminderTemplateId,
  language: ZReminderLanguage,
  /** May be empty: the greeting then has no name. */
  firstName: z.string().max(200),
  organization: z.string().trim().min(1).max(200),
  /** The appointment or activity time, shown in the patient's zone. */
  at: z.iso.datetime({ offset: true }),
  timeZone: z.string().refine(isTimeZone, 'unknown time zone'),
  link: ZReminderLink,
});
export type RenderReminderInput = z.infer<typeof ZRenderReminderInput>;

export interface RenderedReminder {
  sms: string;
  email: { subject: string; text: string; html: string };
}

interface SmsParts {
  organization: string;
  /** Either may be '' when nothing of it is representable in GSM-7 (or, for the name, no room is left). */
  firstName: string;
  when: string;
  link: string;
}

interface EmailParts {
  organization: string;
  firstName: string;
  when: string;
}

interface TemplateText {
  sms(parts: SmsParts): string;
  subject(organization: string): string;
  /** The reminder sentence of the email body. */
  body(parts: EmailParts): string;
}

/** "Org: " naming the sender; empty when the organization has nothing representable in GSM-7. */
const sender = (organization: string) => (organization ? `${organization}: ` : '');
const greetingEn = (firstName: string) => (firstName ? `Hi ${firstName}` : 'Hi');
const greetingEs = (firstName: string) => (firstName ? `Hola ${firstName}` : 'Hola');

// Spanish SMS text avoids á, í, ó and ú, which are outside the GSM-7 basic alphabet.
const TEMPLATES: Readonly<Record<ReminderTemplateId, Readonly<Record<ReminderLanguage, TemplateText>>>> = {
  'appointment-reminder': {
    en: {
      sms: (p) => `${sender(p.organization)}${greetingEn(p.firstName)}, your appointment is ${p.when}. ${p.link} ${SMS_OPT_OUT_LINE.en}`,
      subject: (organization) => `Appointment reminder from ${organization}`,
      body: (p) => `This is a reminder from ${p.organization}: your appointment is on ${p.when}.`,
    },
    es: {
      sms: (p) => `${sender(p.organization)}${greetingEs(p.firstName)}, su cita es el ${p.when}. ${p.link} ${SMS_OPT_OUT_LINE.es}`,
      subject: (organization) => `Recordatorio de cita de ${organization}`,
      body: (p) => `Le recordamos de parte de ${p.organization} que su cita es el ${p.when}.`,
    },
  },
  'care-plan-activity': {
    en: {
      sms: (p) => `${sender(p.organization)}${greetingEn(p.firstName)}, your planned activity is ${p.when}. ${p.link} ${SMS_OPT_OUT_LINE.en}`,
      subject: (organization) => `Activity reminder from ${organization}`,
      body: (p) => `This is a reminder from ${p.organization}: you have an activity planned for ${p.when}.`,
    },
    es: {
      sms: (p) => `${sender(p.organization)}${greetingEs(p.firstName)}, su actividad es el ${p.when}. ${p.link} ${SMS_OPT_OUT_LINE.es}`,
      subject: (organization) => `Recordatorio de actividad de ${organization}`,
      body: (p) => `Le recordamos de parte de ${p.organization} que tiene una actividad prevista el ${p.when}.`,
    },
  },
  'follow-up-reminder': {
    en: {
      sms: (p) => `${sender(p.organization)}${greetingEn(p.firstName)}, please contact us by ${p.when}. ${p.link} ${SMS_OPT_OUT_LINE.en}`,
      subject: (organization) => `Reminder to contact ${organization}`,
      body: (p) => `This is a reminder from ${p.organization}: please contact us by ${p.when}.`,
    },
    es: {
      sms: (p) => `${sender(p.organization)}${greetingEs(p.firstName)}, contacte antes del ${p.when}. ${p.link} ${SMS_OPT_OUT_LINE.es}`,
      subject: (organization) => `Recordatorio para contactar con ${organization}`,
      body: (p) => `Le recordamos de parte de ${p.organization} que se ponga en contacto con nosotros antes del ${p.when}.`,
    },
  },
};

const EMAIL_TEXT: Readonly<Record<ReminderLanguage, { hello: (firstName: string) => string; details: string; footer: (organization: string) => string }>> = {
  en: {
    hello: (firstName) => (firstName ? `Hi ${firstName},` : 'Hello,'),
    details: 'View the details',
    footer: (organization) =>
      `You are receiving this email because you agreed to receive reminders from ${organization}. To stop them, open the details link and choose “Stop email reminders”, or let ${organization} know.`,
  },
  es: {
    hello: (firstName) => (firstName ? `Hola ${firstName}:` : 'Hola:'),
    details: 'Ver los detalles',
    footer: (organization) =>
      `Recibe este correo porque aceptó recibir recordatorios de ${organization}. Para dejar de recibirlos, abra el enlace de los detalles y elija «Dejar de recibir recordatorios por correo electrónico», o comuníqueselo a ${organization}.`,
  },
};

const LOCALES: Readonly<Record<ReminderLanguage, string>> = { en: 'en-US', es: 'es-US' };

/** One line of text: whitespace runs become one space, other control characters go. */
function normalizeSpaces(text: string): string {
  return text.replace(/\s+/gu, ' ').replace(/\p{Cc}/gu, '').trim();
}

/** "Wed, Sep 30, 9:05 AM" / "mié 30 sept, 09:05": short enough for an SMS, in the patient's zone. */
function smsWhen(at: Date, timeZone: string, language: ReminderLanguage): string {
  const parts: Record<string, string> = {};
  const formatter = new Intl.DateTimeFormat(LOCALES[language], {
    timeZone,
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    hourCycle: language === 'en' ? 'h12' : 'h23',
  });
  for (const part of formatter.formatToParts(at)) parts[part.type] = part.value;
  const { weekday = '', month = '', day = '', hour = '', minute = '', dayPeriod = '' } = parts;
  const text = language === 'en' ? `${weekday}, ${month} ${day}, ${hour}:${minute} ${dayPeriod}` : `${weekday} ${day} ${month}, ${hour}:${minute}`;
  return toGsm7Line(text);
}

/** "Wednesday, September 30, 2026 at 9:05 AM EDT": the full form, for email. */
function emailWhen(at: Date, timeZone: string, language: ReminderLanguage): string {
  const formatter = new Intl.DateTimeFormat(LOCALES[language], {
    timeZone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
    hourCycle: language === 'en' ? 'h12' : 'h23',
  });
  return normalizeSpaces(formatter.format(at));
}

/**
 * The SMS with the first name and organization shortened just enough to fit one segment:
 * first the name (down to SMS_FIRST_NAME_FLOOR), then the organization (down to
 * SMS_ORGANIZATION_FLOOR), then the name again. The date, link and opt-out line are never cut.
 */
function fitSms(text: TemplateText, parts: SmsParts): string {
  let firstName = truncateGsm7(parts.firstName, SMS_FIRST_NAME_MAX);
  let organization = truncateGsm7(parts.organization, SMS_ORGANIZATION_MAX);
  const over = () => text.sms({ ...parts, firstName, organization }).length - SMS_MAX_LENGTH;
  if (over() > 0) firstName = truncateGsm7(firstName, Math.max(SMS_FIRST_NAME_FLOOR, firstName.length - over()));
  if (over() > 0) organization = truncateGsm7(organization, Math.max(SMS_ORGANIZATION_FLOOR, organization.length - over()));
  if (over() > 0) firstName = truncateGsm7(firstName, firstName.length - over());
  // Unreachable with a link of at most REMINDER_LINK_MAX characters (the templates are sized for
  // it); kept so a future template edit fails loudly instead of sending two segments.
  if (over() > 0) throw new Error('Reminder SMS template does not fit one segment');
  return text.sms({ ...parts, firstName, organization });
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and double-quoted attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/**
 * Renders one reminder for both channels. The SMS uses GSM-7 text only (names are transliterated
 * and shortened as needed, see fitSms); the email keeps names as written, escaped in the HTML
 * part. Throws a ZodError on invalid input (unknown zone, non-https or over-long link). The
 * result contains the patient's first name: PHI, never log it.
 */
export function renderReminder(input: RenderReminderInput): RenderedReminder {
  const { templateId, language, firstName, organization, at, timeZone, link } = ZRenderReminderInput.parse(input);
  const text = TEMPLATES[templateId][language];
  const instant = new Date(at);
  const sms = fitSms(text, {
    organization: toGsm7Line(organization),
    firstName: toGsm7Line(firstName),
    when: smsWhen(instant, timeZone, language),
    link,
  });

  const name = normalizeSpaces(firstName);
  const org = normalizeSpaces(organization);
  const email = EMAIL_TEXT[language];
  const body = text.body({ organization: org, firstName: name, when: emailWhen(instant, timeZone, language) });
  const subject = text.subject(org);
  const textPart = [email.hello(name), body, `${email.details}: ${link}`, email.footer(org)].join('\n\n');
  const html = [
    `<!DOCTYPE html><html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    `<p>${escapeHtml(email.hello(name))}</p>`,
    `<p>${escapeHtml(body)}</p>`,
    `<p><a href="${escapeHtml(link)}">${escapeHtml(email.details)}</a></p>`,
    `<p>${escapeHtml(email.footer(org))}</p>`,
    '</body></html>',
  ].join('\n');
  return { sms, email: { subject, text: textPart, html } };
}
