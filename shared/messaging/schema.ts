import { z } from 'zod';

/**
 * What the reminder channels accept. Validation failures never echo the value (a phone number or
 * address is PHI): callers get a ChannelError naming only which part was refused.
 */

/** E.164: `+`, a non-zero country code digit, at most 15 digits in all. */
export const ZE164 = z.string().regex(/^\+[1-9]\d{1,14}$/);

/**
 * Our id for a message (the reminder id), sent with it and echoed in its delivery events: SMS
 * `Context` value, SES message tag value. SES allows only letters, digits, `_` and `-` in tags.
 * Never patient data.
 */
export const ZMessageReference = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

/** One SMS segment in the GSM-7 alphabet: templates keep every reminder within it. */
export const MAX_SMS_CHARACTERS = 160;

export const ZSmsMessage = z.object({
  to: ZE164,
  body: z.string().min(1).max(MAX_SMS_CHARACTERS),
  reference: ZMessageReference,
});
export type SmsMessage = z.infer<typeof ZSmsMessage>;

export const ZEmailMessage = z.object({
  to: z.email(),
  /** One header line: no line breaks (header injection), at most 200 characters. */
  subject: z.string().min(1).max(200).regex(/^[^\r\n]+$/),
  text: z.string().min(1).max(100_000),
  html: z.string().min(1).max(500_000),
  reference: ZMessageReference,
});
export type EmailMessage = z.infer<typeof ZEmailMessage>;
