import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorFields, logger } from '../../shared/logger';
import { EMAIL_REFERENCE_TAG } from '../../shared/messaging/email';
import type { EventBridgeEvent } from './eventbridge-standin';
import { type EmailOutboxEntry, type MessagingEventListener, openOutbox } from './messaging-outbox';
import { handleControlRequest, isControlRequest } from './outbox-control';
import { LOOPBACK, listenOnLoopback } from './ports';
import { readBody } from './read-body';

/**
 * A loopback stand-in for the one SES v2 operation Sidecar calls, `SendEmail` with simple content,
 * answered on the wire (REST-JSON, `POST /v2/email/outbound-emails` → `{ MessageId }`; errors as
 * `x-amzn-ErrorType` + `{ message }`) so `@aws-sdk/client-sesv2` is used unchanged through an
 * endpoint override. Accepted emails go to an outbox; when the send named a configuration set (as
 * on AWS, where events come only from a configuration set's event destination) the events follow
 * after `deliveryDelayMs`, shaped as EventBridge delivers them (`source: aws.ses`, detail-type
 * `Email Delivered` / `Email Bounced` / `Email Complaint Received`, `detail` the SES event record).
 * SES's mailbox simulator addresses behave as on SES: `bounce@simulator.amazonses.com` hard-bounces,
 * `complaint@…` is delivered then complained about, `suppressionlist@…` bounces as suppressed,
 * `success@…` (and any other address) is delivered; `+label` suffixes are ignored.
 * Beside SendEmail it answers the local control API (`GET /_local/outbox`, see outbox-control.ts)
 * for the console's outbox page. Custom headers (`Content.Simple.Headers`, e.g. RFC 8058
 * List-Unsubscribe) are checked against SES's rules and, as on SES, listed in `mail.headers` of
 * the email's events; they are kept only until its last event, and never put in the outbox (which
 * the console shows with the patient's address and text).
 *
 * Deliberate differences: exactly one recipient (To only; Sidecar never addresses two patients in
 * one email), no Raw or Template content, no sandbox or identity verification, no Send/Open/Click
 * events. Never logs an address, subject or body.
 */

export interface SesStandInOptions {
  /** Persist the outbox to this JSON file (mode 0600), for `npm start`. */
  file?: string;
  /** Delay before a delivery event (a complaint follows its delivery by as much again). Default 500 ms. */
  deliveryDelayMs?: number;
  /** `account` / `region` of the event envelopes. Defaults 000000000000 / us-east-1. */
  account?: string;
  region?: string;
  /** Outbox size; the oldest entries are dropped beyond it. Default 500. */
  maxEntries?: number;
}

export interface SesStandIn {
  /** e.g. `http://127.0.0.1:41234`; give it to SESv2Client as `endpoint`. */
  endpoint: string;
  /**
   * Failure injection: the next SendEmail answers `errorType` with `status` (default 429 for
   * TooManyRequestsException, 404 NotFoundException, 500 InternalServiceErrorException, else 400).
   * Each call queues one failure, so a client that retries (5xx, throttling) needs one per attempt.
   */
  failNext(errorType: string, status?: number): void;
  /** Copies of the outbox, oldest first. */
  outbox(): EmailOutboxEntry[];
  /** Listens to delivery events; returns the unsubscribe function. */
  onEvent(listener: MessagingEventListener): () => void;
  /** Resolves when no event is scheduled and no listener is running. */
  idle(): Promise<void>;
  /** Drops scheduled events, stops listening and closes all connections. */
  stop(): Promise<void>;
}

export const SES_EVENT_SOURCE = 'aws.ses';
export const SES_DETAIL_TYPES = { Delivery: 'Email Delivered', Bounce: 'Email Bounced', Complaint: 'Email Complaint Received' } as const;
export const SES_SIMULATOR = {
  success: 'success@simulator.amazonses.com',
  bounce: 'bounce@simulator.amazonses.com',
  complaint: 'complaint@simulator.amazonses.com',
  suppressionList: 'suppressionlist@simulator.amazonses.com',
} as const;

const PATH = '/v2/email/outbound-emails';
const MAX_BODY_BYTES = 1024 * 1024;
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const TAG_PART = /^[A-Za-z0-9_-]{1,256}$/;
const DEFAULT_STATUS: Record<string, number> = { TooManyRequestsException: 429, NotFoundException: 404, InternalServiceErrorException: 500 };

const ZText = z.object({ Data: z.string() });
/**
 * SES's rules for a custom header: a name of printable ASCII without a colon (at most 126), a value
 * of printable ASCII (at most 995; name and value at most 996 together), at most 15 headers.
 */
const ZHeader = z
  .object({ Name: z.string().regex(/^[!-9;-~]{1,126}$/), Value: z.string().regex(/^[ -~]{0,995}$/) })
  .refine((h) => h.Name.length + h.Value.length <= 996);
const MAX_HEADERS = 15;
/** Fields SES allows once per message (a subset of its list: those Sidecar or the stand-in could write); the stand-in writes the first four itself. */
const SINGLE_FIELDS = ['from', 'subject', 'mime-version', 'content-type', 'reply-to', 'sender', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post'];
const OWN_FIELDS = new Set(SINGLE_FIELDS.slice(0, 4));
const ZHeaders = z
  .array(ZHeader)
  .max(MAX_HEADERS)
  .refine((headers) => {
    const names = headers.map((h) => h.Name.toLowerCase()).filter((name) => SINGLE_FIELDS.includes(name));
    return new Set(names).size === names.length && !names.some((name) => OWN_FIELDS.has(name));
  });
type Header = z.infer<typeof ZHeader>;
const ZRequest = z.object({
  FromEmailAddress: z.string().min(1),
  Destination: z.object({
    ToAddresses: z.array(z.string()).length(1),
    CcAddresses: z.array(z.string()).max(0).optional(),
    BccAddresses: z.array(z.string()).max(0).optional(),
  }),
  Content: z.object({
    Simple: z.object({
      Subject: ZText,
      Body: z.object({ Text: ZText.optional(), Html: ZText.optional() }).refine((b) => b.Text || b.Html),
      Headers: ZHeaders.optional(),
    }),
  }),
  ConfigurationSetName: z.string().min(1).optional(),
  EmailTags: z.array(z.object({ Name: z.string().regex(TAG_PART), Value: z.string().regex(TAG_PART) })).max(50).optional(),
});

type Outcome = 'delivered' | 'bounced' | 'suppressed' | 'complained';

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Starts the stand-in on 127.0.0.1 (an OS-assigned free port) and resolves once it listens. */
export async function startSesStandIn(options: SesStandInOptions = {}): Promise<SesStandIn> {
  const delayMs = options.deliveryDelayMs ?? 500;
  const account = options.account ?? '000000000000';
  const region = options.region ?? 'us-east-1';
  const outbox = openOutbox<EmailOutboxEntry>('email', { file: options.file, maxEntries: options.maxEntries ?? 500 });
  const failures: { type: string; status: number }[] = [];
  /** Custom headers of emails whose events are still to come (message id → headers); dropped after the last event. */
  const customHeaders = new Map<string, Header[]>();

  const publish = (entry: EmailOutboxEntry, eventType: keyof typeof SES_DETAIL_TYPES, record: Record<string, unknown>, at: Date) => {
    outbox.emit({
      kind: 'delivery',
      event: {
        version: '0',
        id: randomUUID(),
        'detail-type': SES_DETAIL_TYPES[eventType],
        source: SES_EVENT_SOURCE,
        account,
        time: `${at.toISOString().slice(0, 19)}Z`,
        region,
        resources: [],
        detail: { eventType, mail: mailObject(entry, account, region, customHeaders.get(entry.id) ?? []), ...record },
      } satisfies EventBridgeEvent,
    });
  };

  const scheduleOutcome = (entry: EmailOutboxEntry) => {
    if (!entry.configurationSet) return;
    const outcome = outcomeFor(entry.to);
    outbox.later(delayMs, () => {
      const at = new Date();
      if (outcome === 'bounced' || outcome === 'suppressed') {
        outbox.setStatus(entry.id, 'bounced', at);
        publish(entry, 'Bounce', { bounce: bounceRecord(entry.to, outcome === 'suppressed', at) }, at);
        customHeaders.delete(entry.id);
        return;
      }
      outbox.setStatus(entry.id, 'delivered', at);
      publish(entry, 'Delivery', { delivery: deliveryRecord(entry, at) }, at);
      if (outcome !== 'complained') {
        customHeaders.delete(entry.id);
        return;
      }
      outbox.later(delayMs, () => {
        const complainedAt = new Date();
        outbox.setStatus(entry.id, 'complained', complainedAt);
        publish(entry, 'Complaint', { complaint: complaintRecord(entry.to, complainedAt) }, complainedAt);
        customHeaders.delete(entry.id);
      });
    });
  };
  // Emails accepted before a restart still get their events, as they would on AWS.
  for (const entry of outbox.entries()) if (entry.status === 'sent') scheduleOutcome(entry);

  const sendEmail = (body: unknown): { MessageId: string } => {
    const parsed = ZRequest.safeParse(body);
    if (!parsed.success) {
      throw new ServiceError(
        'BadRequestException',
        'The local SES stand-in accepts SendEmail with a From address, exactly one To address, simple content (a subject, a text or HTML body and valid custom headers) and valid tags.',
      );
    }
    const request = parsed.data;
    const from = /<([^<>]+)>\s*$/.exec(request.FromEmailAddress)?.[1] ?? request.FromEmailAddress;
    const to = request.Destination.ToAddresses[0]!;
    if (!ADDRESS.test(from.trim()) || !ADDRESS.test(to)) throw new ServiceError('BadRequestException', 'Illegal address.');
    const tags = Object.fromEntries((request.EmailTags ?? []).map((t) => [t.Name, t.Value]));
    const entry: EmailOutboxEntry = {
      channel: 'email',
      id: `0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`,
      direction: 'outbound',
      to,
      from: request.FromEmailAddress,
      subject: request.Content.Simple.Subject.Data,
      ...(request.Content.Simple.Body.Text ? { text: request.Content.Simple.Body.Text.Data } : {}),
      ...(request.Content.Simple.Body.Html ? { html: request.Content.Simple.Body.Html.Data } : {}),
      ...(request.ConfigurationSetName ? { configurationSet: request.ConfigurationSetName } : {}),
      ...(request.EmailTags?.length ? { tags } : {}),
      ...(tags[EMAIL_REFERENCE_TAG] ? { reference: tags[EMAIL_REFERENCE_TAG] } : {}),
      sentAt: new Date().toISOString(),
      status: 'sent',
    };
    outbox.add(entry);
    const headers = request.Content.Simple.Headers ?? [];
    if (headers.length > 0 && entry.configurationSet) customHeaders.set(entry.id, headers);
    scheduleOutcome(entry);
    return { MessageId: entry.id };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const reply = (status: number, payload: unknown, errorType?: string) => {
      const text = JSON.stringify(payload);
      response.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': randomUUID(),
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      response.end(text);
    };
    try {
      if (isControlRequest(request)) {
        await handleControlRequest(request, response, { port, entries: () => outbox.entries() });
        return;
      }
      const raw = await readBody(request, MAX_BODY_BYTES);
      if (raw === undefined) throw new ServiceError('BadRequestException', 'Request body is too large.', 413);
      if (request.method !== 'POST' || request.url?.split('?')[0] !== PATH) {
        throw new ServiceError('UnknownOperationException', 'The local SES stand-in implements only SendEmail.', 404);
      }
      const injected = failures.shift();
      if (injected) throw new ServiceError(injected.type, 'Injected failure of SendEmail.', injected.status);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
      }
      reply(200, sendEmail(body));
    } catch (error) {
      if (error instanceof ServiceError) reply(error.status, { message: error.message }, error.type);
      else {
        logger.error('SES stand-in failed', errorFields(error));
        reply(500, { message: 'Internal service error.' }, 'InternalServiceErrorException');
      }
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  const port = await listenOnLoopback(server);

  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    failNext: (errorType, status) => {
      failures.push({ type: errorType, status: status ?? DEFAULT_STATUS[errorType] ?? 400 });
    },
    outbox: () => outbox.entries(),
    onEvent: (listener) => outbox.onEvent(listener),
    idle: () => outbox.idle(),
    stop: async () => {
      outbox.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** What SES's mailbox simulator does with `address`; any other address is delivered. */
function outcomeFor(address: string): Outcome {
  const [local = '', domain] = address.toLowerCase().split('@');
  if (domain !== 'simulator.amazonses.com') return 'delivered';
  const mailbox = local.split('+')[0];
  if (mailbox === 'bounce') return 'bounced';
  if (mailbox === 'suppressionlist') return 'suppressed';
  if (mailbox === 'complaint') return 'complained';
  return 'delivered';
}

/** The `mail` object every SES event record carries: the message, its headers (with the send's custom ones) and its tags. */
function mailObject(entry: EmailOutboxEntry, account: string, region: string, custom: readonly Header[]): Record<string, unknown> {
  const fromAddress = /<([^<>]+)>\s*$/.exec(entry.from)?.[1] ?? entry.from;
  const fromDomain = fromAddress.split('@')[1] ?? '';
  const tags: Record<string, string[]> = {
    ...(entry.configurationSet ? { 'ses:configuration-set': [entry.configurationSet] } : {}),
    'ses:source-ip': ['127.0.0.1'],
    'ses:from-domain': [fromDomain],
    'ses:caller-identity': ['sidecar-local'],
    ...Object.fromEntries(Object.entries(entry.tags ?? {}).map(([name, value]) => [name, [value]])),
  };
  return {
    timestamp: entry.sentAt,
    source: entry.from,
    sourceArn: `arn:aws:ses:${region}:${account}:identity/${fromDomain}`,
    sendingAccountId: account,
    messageId: entry.id,
    destination: [entry.to],
    headersTruncated: false,
    headers: [
      { name: 'From', value: entry.from },
      { name: 'To', value: entry.to },
      { name: 'Subject', value: entry.subject },
      { name: 'MIME-Version', value: '1.0' },
      { name: 'Content-Type', value: 'multipart/alternative' },
      ...custom.map((h) => ({ name: h.Name, value: h.Value })),
    ],
    commonHeaders: { from: [entry.from], to: [entry.to], messageId: entry.id, subject: entry.subject },
    tags,
  };
}

function deliveryRecord(entry: EmailOutboxEntry, at: Date): Record<string, unknown> {
  return {
    timestamp: at.toISOString(),
    processingTimeMillis: at.getTime() - Date.parse(entry.sentAt),
    recipients: [entry.to],
    smtpResponse: '250 2.6.0 Message received',
    reportingMTA: 'local.smtp-out.amazonses.com',
  };
}

function bounceRecord(address: string, suppressed: boolean, at: Date): Record<string, unknown> {
  return {
    feedbackId: `0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`,
    bounceType: 'Permanent',
    bounceSubType: suppressed ? 'OnAccountSuppressionList' : 'General',
    bouncedRecipients: [
      {
        emailAddress: address,
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: suppressed ? 'Amazon SES did not send the message to this address because it is on the suppression list for your account.' : 'smtp; 550 5.1.1 user unknown',
      },
    ],
    timestamp: at.toISOString(),
    reportingMTA: 'dns; local.smtp-out.amazonses.com',
  };
}

function complaintRecord(address: string, at: Date): Record<string, unknown> {
  return {
    feedbackId: `0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`,
    complaintSubType: null,
    complainedRecipients: [{ emailAddress: address }],
    timestamp: at.toISOString(),
    userAgent: 'Amazon SES Mailbox Simulator',
    complaintFeedbackType: 'abuse',
    arrivalDate: at.toISOString(),
  };
}
