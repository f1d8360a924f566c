import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { UnauthorizedError } from '../../../shared/errors';
import { verifyWebhookSignature } from '../../../shared/webhooks/verify-signature';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const other = `whsec_${randomBytes(32).toString('base64')}`;
const body = Buffer.from(JSON.stringify({ resourceType: 'Patient', id: 'p1' }));

/** Headers exactly as a sender using the standardwebhooks npm library produces them. */
function signed(withSecret: string, at = new Date(), id = 'msg_1') {
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(withSecret).sign(id, at, body.toString()) };
}

describe('verifyWebhookSignature', () => {
  it('accepts a signature made by the standardwebhooks library', () => {
    expect(() => verifyWebhookSignature({ body, headers: signed(secret), secrets: [secret] })).not.toThrow();
  });

  it('accepts either secret during a rotation overlap', () => {
    expect(() => verifyWebhookSignature({ body, headers: signed(other), secrets: [secret, other] })).not.toThrow();
  });

  it('accepts when one of several space-separated signatures matches', () => {
    const h = signed(secret);
    h['webhook-signature'] = `v1,${Buffer.alloc(32).toString('base64')} ${h['webhook-signature']}`;
    expect(() => verifyWebhookSignature({ body, headers: h, secrets: [secret] })).not.toThrow();
  });

  it('refuses a signature from another secret', () => {
    expect(() => verifyWebhookSignature({ body, headers: signed(other), secrets: [secret] })).toThrow(new UnauthorizedError('Invalid webhook signature'));
  });

  it('refuses a body changed by one byte', () => {
    const tampered = Buffer.from(body);
    tampered[tampered.length - 2] = 0x20;
    expect(() => verifyWebhookSignature({ body: tampered, headers: signed(secret), secrets: [secret] })).toThrow(UnauthorizedError);
  });

  it('refuses timestamps more than 5 minutes old or ahead', () => {
    const old = new Date(Date.now() - 6 * 60_000);
    const ahead = new Date(Date.now() + 6 * 60_000);
    expect(() => verifyWebhookSignature({ body, headers: signed(secret, old), secrets: [secret] })).toThrow(/outside the 5-minute tolerance/);
    expect(() => verifyWebhookSignature({ body, headers: signed(secret, ahead), secrets: [secret] })).toThrow(/outside the 5-minute tolerance/);
    expect(() => verifyWebhookSignature({ body, headers: signed(secret, new Date(Date.now() - 4 * 60_000)), secrets: [secret] })).not.toThrow();
  });

  it('refuses missing headers and non-numeric timestamps', () => {
    const h = signed(secret);
    expect(() => verifyWebhookSignature({ body, headers: { ...h, 'webhook-signature': undefined }, secrets: [secret] })).toThrow(/Missing/);
    expect(() => verifyWebhookSignature({ body, headers: { ...h, 'webhook-timestamp': '12abc' }, secrets: [secret] })).toThrow(/Unix seconds/);
  });

  it('refuses a signature with another version prefix', () => {
    const h = signed(secret);
    h['webhook-signature'] = h['webhook-signature'].replace('v1,', 'v1a,');
    expect(() => verifyWebhookSignature({ body, headers: h, secrets: [secret] })).toThrow(UnauthorizedError);
  });
});
