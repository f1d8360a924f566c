import { type RecordedConsentChange, recordConsentChange } from '../consent/record-consent-change';
import type { ConsentSource } from '../consent/schema';
import type { AppContext } from '../context';
import { logger } from '../logger';
import type { ActorRef } from '../referrals/schema';
import { findLinkedReminder, stoppedText } from './reminder-link-view';
import type { ReminderChannel } from './schema';
import type { ReminderLanguage } from './templates';

/** Who the consent ledger names for a stop through a reminder's link: the patient (or whoever holds the link), not staff. */
export const REMINDER_LINK_ACTOR: ActorRef = { id: 'system:reminder-link', name: 'Patient (reminder link)' };

/**
 * How the stop arrived: `page` — the button on `/r/<id>`; `one-click` — an RFC 8058 POST
 * (`List-Unsubscribe=One-Click`) that a mail provider sends for the email's List-Unsubscribe header.
 */
export type StopVia = 'page' | 'one-click';

export interface StoppedByLink {
  language: ReminderLanguage;
  channel: ReminderChannel;
  /** The confirmation in the reminder's language: "You will no longer receive SMS reminders from <org>." */
  title: string;
  message: string;
  /** `unchanged` when the channel was already opted out (a second stop is a no-op). */
  outcome: RecordedConsentChange['outcome'];
}

/**
 * The URL an email's List-Unsubscribe header carries (RFC 8058 one-click): the reminder's link
 * plus `/stop`, on https like the link itself (reminderLink) — an opaque id, no PHI. Unlike the
 * link in the text it has no length limit, so it never falls back to the bare origin.
 */
export function reminderStopUrl(publicUrl: string, reminderId: string): string {
  return `https://${new URL(publicUrl).host}/r/${encodeURIComponent(reminderId)}/stop`;
}

/**
 * Opts the patient of a linked reminder out of reminders on that reminder's channel, in the
 * consent ledger (recordConsentChange: state and entry in one transaction, on the patient's
 * timeline), so the send path skips every later reminder on it as `opted-out`. Source
 * `email-unsubscribe` for a one-click POST on an email reminder, `reminder-link` otherwise; the
 * actor is REMINDER_LINK_ACTOR. Idempotent: a channel already opted out is left as it is
 * (`unchanged`). Works for a cancelled reminder too (the patient may still want to stop); the same
 * NotFoundError as the page for anything the page would not show (findLinkedReminder). Logs the
 * reminder id, channel and outcome only.
 */
export async function stopRemindersByLink(ctx: AppContext, options: { reminderId: string; via: StopVia }): Promise<StoppedByLink> {
  const { reminder, organization } = await findLinkedReminder(ctx, options);
  const source: ConsentSource = options.via === 'one-click' && reminder.channel === 'email' ? 'email-unsubscribe' : 'reminder-link';
  const recorded = await recordConsentChange(ctx, { patientId: reminder.patientId, channel: reminder.channel, change: 'opt-out', source, actor: REMINDER_LINK_ACTOR });
  logger.info('Reminders stopped through a reminder link', { reminderId: reminder.id, channel: reminder.channel, via: options.via, outcome: recorded.outcome });
  return { language: reminder.language, channel: reminder.channel, ...stoppedText(reminder.language, reminder.channel, organization), outcome: recorded.outcome };
}
