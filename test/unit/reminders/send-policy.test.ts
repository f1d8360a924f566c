import fc from 'fast-check';
import { ChannelError } from '../../../shared/messaging/errors';
import { ZReminderCode } from '../../../shared/reminders/schema';
import {
  MAX_SEND_TRIES,
  patientTimeZone,
  reminderCode,
  reminderEventTime,
  reminderLink,
  retryDelayMs,
  sendFailureDisposition,
} from '../../../shared/reminders/send-policy';
import { renderReminder } from '../../../shared/reminders/templates';

const MINUTE = 60_000;

describe('retryDelayMs', () => {
  it('waits 1, 5, 15 and 60 minutes, then gives up on the fifth refusal', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([MINUTE, 5 * MINUTE, 15 * MINUTE, 60 * MINUTE]);
    expect(MAX_SEND_TRIES).toBe(5);
    expect(retryDelayMs(5)).toBeUndefined();
    expect(retryDelayMs(0)).toBeUndefined();
  });
});

describe('sendFailureDisposition', () => {
  it.each([
    ['sms', 'retryable', 'ThrottlingException', 'retry'],
    ['sms', 'retryable', 'ServiceQuotaExceededException', 'retry'],
    ['email', 'retryable', 'TooManyRequestsException', 'retry'],
    ['email', 'retryable', 'LimitExceededException', 'retry'],
    ['sms', 'retryable', 'ECONNREFUSED', 'retry'],
    // The provider may have sent it: never again.
    ['sms', 'retryable', 'InternalServerException', 'unknown-outcome'],
    ['email', 'retryable', 'InternalServiceErrorException', 'unknown-outcome'],
    ['sms', 'retryable', 'TimeoutError', 'unknown-outcome'],
    ['sms', 'retryable', 'ECONNRESET', 'unknown-outcome'],
    ['sms', 'permanent', 'MissingMessageId', 'unknown-outcome'],
    ['sms', 'opted-out', 'ConflictException', 'opted-out'],
    ['sms', 'bad-contact', 'ValidationException', 'bad-contact'],
    ['email', 'bad-contact', 'InvalidDestination', 'bad-contact'],
    ['email', 'permanent', 'MessageRejected', 'permanent'],
  ] as const)('%s %s %s → %s', (channel, kind, code, expected) => {
    expect(sendFailureDisposition(new ChannelError(channel, kind, code))).toBe(expected);
  });
});

describe('reminderCode', () => {
  it('turns provider error names into reminder codes', () => {
    expect(reminderCode('ThrottlingException')).toBe('throttling-exception');
    expect(reminderCode('ECONNREFUSED')).toBe('econnrefused');
    expect(reminderCode('MailFromDomainNotVerifiedException')).toBe('mail-from-domain-not-verified-exception');
    expect(reminderCode('4xx')).toBe('xx');
    expect(reminderCode('---')).toBe('provider-error');
  });

  it('always yields a valid reminder code', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (code) => ZReminderCode.safeParse(reminderCode(code)).success));
  });
});

describe('reminderLink', () => {
  const id = '01JDREMINDER0000000000000C';

  it('links to the reminder on the console’s host over https; plain http only for a loopback console (a local run)', () => {
    expect(reminderLink('https://care.example.org/console', id)).toBe(`https://care.example.org/r/${id}`);
    expect(reminderLink('http://care.example.org', id)).toBe(`https://care.example.org/r/${id}`);
    expect(reminderLink('http://127.0.0.1:3000', id)).toBe(`http://127.0.0.1:3000/r/${id}`);
    expect(reminderLink('http://localhost:3000', id)).toBe(`http://localhost:3000/r/${id}`);
    expect(reminderLink('http://127.example.org:3000', id)).toBe(`https://127.example.org:3000/r/${id}`);
  });

  it('falls back to the bare origin when the link would be too long for an SMS', () => {
    expect(reminderLink('https://a-very-long-host-name.care.example.org', id)).toBe('https://a-very-long-host-name.care.example.org');
  });

  it('is always a link the templates accept', () => {
    const host = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}(?:\.[a-z][a-z0-9-]{0,20}){0,2}$/);
    fc.assert(
      fc.property(host, (h) => {
        const link = reminderLink(`https://${h}`, id);
        expect(() =>
          renderReminder({ templateId: 'appointment-reminder', language: 'en', firstName: 'Ana', organization: 'Riverside Care', at: '2027-02-10T15:00:00Z', timeZone: 'America/New_York', link }),
        ).not.toThrow();
      }),
    );
  });
});

describe('reminderEventTime', () => {
  it('is the appointment’s start for an offset reminder, else the reminder’s own time', () => {
    const dueAt = '2027-02-10T15:00:00.000Z';
    expect(reminderEventTime({ dueAt, offsetHours: 24 }).toISOString()).toBe('2027-02-11T15:00:00.000Z');
    expect(reminderEventTime({ dueAt }).toISOString()).toBe(dueAt);
  });
});

describe('patientTimeZone', () => {
  it('uses the patient’s zone when it is a known one, else the organization calendar’s', () => {
    expect(patientTimeZone({ timeZone: 'America/Los_Angeles' })).toBe('America/Los_Angeles');
    expect(patientTimeZone({ timeZone: 'Mars/Olympus' })).toBe('America/New_York');
    expect(patientTimeZone({})).toBe('America/New_York');
  });
});
