import fc from 'fast-check';
import { classifyDeliveryEvent, type DeliveryEffect, DELIVERY_EVENT_PATTERNS, deliveryMovesReminder } from '../../../shared/reminders/delivery-event';
import type { ReminderStatus } from '../../../shared/reminders/schema';

const PHONE = '+16175550101';
const ADDRESS = 'ana@example.org';

/** An End User Messaging SMS event as EventBridge delivers it (AWS's documented example, trimmed). */
const sms = (eventType: string, extra: Record<string, unknown> = {}) => ({
  source: 'aws.sms-voice',
  'detail-type': 'Text Message Delivery Status Updated',
  detail: { eventType, eventVersion: '1.0', eventTimestamp: 1686975103470, isFinal: true, originationPhoneNumber: '+18005550100', destinationPhoneNumber: PHONE, messageId: 'sms-1', messageStatus: 'X', ...extra },
});
const mail = { timestamp: '2027-02-10T15:00:00.000Z', source: 'reminders@example.org', messageId: 'ses-1', destination: [ADDRESS], tags: { reminder: ['R1'] } };
const ses = (detailType: string, detail: Record<string, unknown>) => ({ source: 'aws.ses', 'detail-type': detailType, detail: { mail, ...detail } });
const bounce = (bounceType: string, bounceSubType: string) =>
  ses('Email Bounced', { eventType: 'Bounce', bounce: { bounceType, bounceSubType, bouncedRecipients: [{ emailAddress: ADDRESS, status: '5.1.1' }], timestamp: mail.timestamp } });

describe('classifyDeliveryEvent', () => {
  it.each([
    ['TEXT_DELIVERED', { kind: 'delivered' }],
    ['TEXT_SUCCESSFUL', { kind: 'delivered' }],
    ['TEXT_INVALID', { kind: 'failed', code: 'invalid-number', badContact: PHONE }],
    ['TEXT_CARRIER_BLOCKED', { kind: 'failed', code: 'carrier-blocked' }],
    ['TEXT_UNREACHABLE', { kind: 'failed', code: 'unreachable' }],
    ['TEXT_SPAM', { kind: 'failed', code: 'spam' }],
    ['TEXT_TTL_EXPIRED', { kind: 'failed', code: 'ttl-expired' }],
    ['TEXT_UNKNOWN', { kind: 'failed', code: 'delivery-unknown' }],
  ])('reads SMS %s', (eventType, effect) => {
    expect(classifyDeliveryEvent(sms(eventType))).toEqual({ kind: 'effect', channel: 'sms', providerMessageId: 'sms-1', effect });
  });

  it('ignores SMS statuses that are not final', () => {
    expect(classifyDeliveryEvent(sms('TEXT_PENDING'))).toEqual({ kind: 'ignored', note: 'not-final' });
    expect(classifyDeliveryEvent(sms('TEXT_QUEUED'))).toEqual({ kind: 'ignored', note: 'not-final' });
    expect(classifyDeliveryEvent(sms('TEXT_CARRIER_UNREACHABLE', { isFinal: false }))).toEqual({ kind: 'ignored', note: 'not-final' });
  });

  it('reads SES deliveries, bounces and complaints', () => {
    expect(classifyDeliveryEvent(ses('Email Delivered', { eventType: 'Delivery', delivery: { recipients: [ADDRESS] } }))).toEqual({
      kind: 'effect',
      channel: 'email',
      providerMessageId: 'ses-1',
      effect: { kind: 'delivered' },
    });
    expect(classifyDeliveryEvent(bounce('Permanent', 'General'))).toMatchObject({ effect: { kind: 'failed', code: 'hard-bounce', badContact: ADDRESS } });
    expect(classifyDeliveryEvent(bounce('Permanent', 'OnAccountSuppressionList'))).toMatchObject({ effect: { kind: 'failed', code: 'suppressed', badContact: ADDRESS } });
    expect(classifyDeliveryEvent(bounce('Transient', 'MailboxFull'))).toMatchObject({ effect: { kind: 'failed', code: 'soft-bounce' } });
    expect((classifyDeliveryEvent(bounce('Transient', 'MailboxFull')) as { effect: object }).effect).not.toHaveProperty('badContact');
    expect(classifyDeliveryEvent(bounce('Undetermined', 'Undetermined'))).toMatchObject({ effect: { kind: 'failed', code: 'bounce-undetermined' } });
    expect(classifyDeliveryEvent(ses('Email Complaint Received', { eventType: 'Complaint', complaint: { timestamp: '2027-02-10T16:00:00.000Z', complainedRecipients: [{ emailAddress: ADDRESS }] } }))).toEqual({
      kind: 'effect',
      channel: 'email',
      providerMessageId: 'ses-1',
      effect: { kind: 'failed', code: 'complained', complaint: { at: '2027-02-10T16:00:00.000Z' } },
    });
  });

  it('ignores other sources, other detail types and details that do not parse', () => {
    expect(classifyDeliveryEvent({ source: 'aws.ses', 'detail-type': 'Email Sent', detail: { mail } })).toEqual({ kind: 'ignored', note: 'unsupported-event' });
    expect(classifyDeliveryEvent({ source: 'sidecar.ehr', 'detail-type': 'Text Message Delivery Status Updated', detail: {} })).toEqual({ kind: 'ignored', note: 'unsupported-event' });
    expect(classifyDeliveryEvent(sms('DELIVERED'))).toEqual({ kind: 'ignored', note: 'invalid-detail' });
    expect(classifyDeliveryEvent(ses('Email Bounced', {}))).toEqual({ kind: 'ignored', note: 'invalid-detail' });
    expect(classifyDeliveryEvent({ source: 'aws.ses', 'detail-type': 'Email Delivered', detail: 'x' })).toEqual({ kind: 'ignored', note: 'invalid-detail' });
  });

  it('routes exactly the event types it reads', () => {
    expect(DELIVERY_EVENT_PATTERNS).toEqual([
      { source: ['aws.sms-voice'], 'detail-type': ['Text Message Delivery Status Updated'] },
      { source: ['aws.ses'], 'detail-type': ['Email Delivered', 'Email Bounced', 'Email Complaint Received'] },
    ]);
  });
});

describe('deliveryMovesReminder', () => {
  const delivered: DeliveryEffect = { kind: 'delivered' };
  const failed = (code: string): DeliveryEffect => ({ kind: 'failed', code });

  it('moves a sent message forward only', () => {
    expect(deliveryMovesReminder({ status: 'sent' }, delivered)).toBe(true);
    expect(deliveryMovesReminder({ status: 'sending' }, failed('invalid-number'))).toBe(true);
    expect(deliveryMovesReminder({ status: 'delivered' }, failed('complained'))).toBe(true);
    expect(deliveryMovesReminder({ status: 'delivered' }, delivered)).toBe(false);
    expect(deliveryMovesReminder({ status: 'failed', statusReason: 'invalid-number' }, delivered)).toBe(false);
    expect(deliveryMovesReminder({ status: 'failed', statusReason: 'invalid-number' }, failed('invalid-number'))).toBe(false);
    expect(deliveryMovesReminder({ status: 'failed', statusReason: 'unknown-outcome' }, delivered)).toBe(true);
    for (const status of ['scheduled', 'skipped', 'cancelled'] as const) expect(deliveryMovesReminder({ status }, delivered)).toBe(false);
  });

  it('ends at the same status whatever order (and how many copies of) the events arrive in', () => {
    const effect = fc.oneof(fc.constant(delivered), fc.constantFrom('invalid-number', 'carrier-blocked', 'complained').map(failed));
    fc.assert(
      fc.property(fc.array(effect, { minLength: 1, maxLength: 6 }), fc.constantFrom<ReminderStatus>('sending', 'sent'), (effects, start) => {
        const run = (order: DeliveryEffect[]) => {
          let state: { status: ReminderStatus; statusReason?: string } = { status: start };
          for (const e of order) if (deliveryMovesReminder(state, e)) state = e.kind === 'delivered' ? { status: 'delivered' } : { status: 'failed', statusReason: e.code };
          return state.status;
        };
        const expected = effects.some((e) => e.kind === 'failed') ? 'failed' : 'delivered';
        expect(run(effects)).toBe(expected);
        expect(run([...effects].reverse())).toBe(expected);
        expect(run([...effects, ...effects])).toBe(expected);
      }),
    );
  });
});
