import type { AppContext } from '../context';
import { NotFoundError } from '../errors';
import { getPatientRecord } from '../patients/repository';
import { ZUlid } from '../tasks/schema';
import { getReminderRecord } from './repository';
import type { Reminder, ReminderChannel } from './schema';
import { patientTimeZone, reminderEventTime, senderName } from './send-policy';
import type { ReminderLanguage, ReminderTemplateId } from './templates';

/**
 * What a patient sees behind the link every reminder carries (`/r/<reminder id>`): the
 * organization, what the reminder is about in the template's words, and its date and time in the
 * patient's zone — the minimum necessary. Never the patient's name or anything clinical: whoever
 * holds the link (a shared phone, a forwarded email) sees the page.
 */

/** Days after the time it is about that a reminder's page still answers; later it is gone, like an unknown id. */
export const REMINDER_LINK_DAYS_AFTER = 30;
const DAY_MS = 86_400_000;

/** The one answer for every link that shows nothing: malformed, unknown, no patient, too old. Fixed text, no input echoed. */
const GONE = 'Reminder link not found';

/** A reminder a link may show, with what its page needs from the patient record (the zone) and the configuration. */
export interface LinkedReminder {
  reminder: Reminder;
  /** The zone the reminder's text used (patientTimeZone): the patient's own, else the organization calendar's. */
  timeZone: string;
  organization: string;
}

/**
 * The reminder behind a link, or a NotFoundError — the same one, with the same fixed message, for
 * a malformed id (not a ULID), an unknown id, a patient no longer on file and a reminder whose
 * event is more than REMINDER_LINK_DAYS_AFTER days past, so ids cannot be probed. Read by the
 * patient, not staff: no audit entry. The result holds the patient id: never log it with the
 * reminder id or anything else.
 */
export async function findLinkedReminder(ctx: AppContext, options: { reminderId: string }): Promise<LinkedReminder> {
  const id = ZUlid.safeParse(options.reminderId);
  if (!id.success) throw new NotFoundError(GONE);
  const reminder = await getReminderRecord(ctx, id.data);
  if (!reminder || ctx.clock.now().getTime() - reminderEventTime(reminder).getTime() > REMINDER_LINK_DAYS_AFTER * DAY_MS) throw new NotFoundError(GONE);
  const patient = await getPatientRecord(ctx, reminder.patientId);
  if (!patient) throw new NotFoundError(GONE);
  return { reminder, timeZone: patientTimeZone(patient), organization: senderName(ctx.config.messaging) };
}

/** A reminder's page: headings and sentences in its language, ready to render (escape them). */
export interface ReminderLinkView {
  reminderId: string;
  language: ReminderLanguage;
  channel: ReminderChannel;
  /** `current`: what it is about and when; `withdrawn`: cancelled, so only "no longer current". */
  state: 'current' | 'withdrawn';
  title: string;
  message: string;
  /** The stop button: "Stop SMS reminders". */
  stopLabel: string;
}

/**
 * What `/r/<id>` shows (see findLinkedReminder for the one not-found answer): for a cancelled
 * reminder "no longer current; please contact <org>", otherwise what it is about (appointment,
 * planned activity, please contact us — the template's words) and when, formatted as its email
 * was, in the patient's zone and the reminder's language; and the stop button for its channel.
 */
export async function getReminderLinkView(ctx: AppContext, options: { reminderId: string }): Promise<ReminderLinkView> {
  const { reminder, timeZone, organization } = await findLinkedReminder(ctx, options);
  const text = PAGE_TEXT[reminder.language];
  const withdrawn = reminder.status === 'cancelled';
  return {
    reminderId: reminder.id,
    language: reminder.language,
    channel: reminder.channel,
    state: withdrawn ? 'withdrawn' : 'current',
    title: text.title(organization),
    message: withdrawn ? text.withdrawn(organization) : text.about[reminder.templateId](eventWhen(reminderEventTime(reminder), timeZone, reminder.language)),
    stopLabel: text.stop(reminder.channel),
  };
}

/** The confirmation after a stop, in the reminder's language: "You will no longer receive SMS reminders from <org>." */
export function stoppedText(language: ReminderLanguage, channel: ReminderChannel, organization: string): { title: string; message: string } {
  const text = PAGE_TEXT[language];
  return { title: text.stoppedTitle, message: text.stopped(channel, organization) };
}

interface PageText {
  title(organization: string): string;
  /** One sentence per template, in the words its email used. */
  about: Readonly<Record<ReminderTemplateId, (when: string) => string>>;
  withdrawn(organization: string): string;
  stop(channel: ReminderChannel): string;
  stoppedTitle: string;
  stopped(channel: ReminderChannel, organization: string): string;
}

const CHANNEL_WORDS: Readonly<Record<ReminderLanguage, Readonly<Record<ReminderChannel, string>>>> = {
  en: { sms: 'SMS', email: 'email' },
  es: { sms: 'SMS', email: 'correo electrónico' },
};

const PAGE_TEXT: Readonly<Record<ReminderLanguage, PageText>> = {
  en: {
    title: (organization) => `Reminder from ${organization}`,
    about: {
      'appointment-reminder': (when) => `Your appointment is on ${when}.`,
      'care-plan-activity': (when) => `You have an activity planned for ${when}.`,
      'follow-up-reminder': (when) => `Please contact us by ${when}.`,
    },
    withdrawn: (organization) => `This reminder is no longer current; please contact ${organization}.`,
    stop: (channel) => `Stop ${CHANNEL_WORDS.en[channel]} reminders`,
    stoppedTitle: 'Reminders stopped',
    stopped: (channel, organization) => `You will no longer receive ${CHANNEL_WORDS.en[channel]} reminders from ${organization}.`,
  },
  es: {
    title: (organization) => `Recordatorio de ${organization}`,
    about: {
      'appointment-reminder': (when) => `Su cita es el ${when}.`,
      'care-plan-activity': (when) => `Tiene una actividad prevista el ${when}.`,
      'follow-up-reminder': (when) => `Póngase en contacto con nosotros antes del ${when}.`,
    },
    withdrawn: (organization) => `Este recordatorio ya no está vigente; póngase en contacto con ${organization}.`,
    stop: (channel) => `Dejar de recibir recordatorios por ${CHANNEL_WORDS.es[channel]}`,
    stoppedTitle: 'Recordatorios desactivados',
    stopped: (channel, organization) => `Ya no recibirá recordatorios por ${CHANNEL_WORDS.es[channel]} de ${organization}.`,
  },
};

const LOCALES: Readonly<Record<ReminderLanguage, string>> = { en: 'en-US', es: 'es-US' };

/** "Wednesday, September 30, 2026 at 9:05 AM EDT": the long form the reminder's email used, in the patient's zone. */
function eventWhen(at: Date, timeZone: string, language: ReminderLanguage): string {
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
  return formatter.format(at).replace(/\s+/gu, ' ').trim();
}
