import type { Bundle, BundleEntry, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { UnprocessableError } from '../errors';
import { HANDLED_RESOURCE_TYPES, type HandledResourceType } from '../events/catalogue';
import { fhirIssues } from './validate';

/** One changed resource carried (or pointed at) by an inbound EHR event. */
export interface InboundEntry {
  resourceType: HandledResourceType;
  resourceId: string;
  versionId?: string;
  lastUpdated?: string;
  interaction: 'create' | 'update' | 'delete';
  /** `id-only`: the resource must be read from the EHR's FHIR API. */
  content: 'full-resource' | 'id-only';
  /** Position of the resource in the payload's `entry` array (full-resource notifications). */
  bundleIndex?: number;
}

export type NotificationType = 'event-notification' | 'handshake' | 'heartbeat' | 'query-status' | 'query-event';

export type InboundPayload =
  | { kind: 'resource'; entries: InboundEntry[] }
  | {
      kind: 'notification';
      notificationType: NotificationType;
      /** `events-since-subscription-start`, when the sender gives it. */
      eventsSinceStart?: string;
      entries: InboundEntry[];
      /** Focus resources of types Sidecar does not handle, counted and left alone. */
      ignored: number;
    };

const NOTIFICATION_TYPES: readonly NotificationType[] = ['event-notification', 'handshake', 'heartbeat', 'query-status', 'query-event'];

function isHandled(type: unknown): type is HandledResourceType {
  return typeof type === 'string' && (HANDLED_RESOURCE_TYPES as readonly string[]).includes(type);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `https://ehr/fhir/Encounter/123/_history/2` or `Encounter/123` → type and id. */
export function parseReferenceUrl(reference: string): { resourceType: string; id: string } | undefined {
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return match ? { resourceType: match[1]!, id: match[2]! } : undefined;
}

function interactionOf(method: string | undefined): InboundEntry['interaction'] {
  if (method === 'POST') return 'create';
  if (method === 'DELETE') return 'delete';
  return 'update';
}

function assertValid(resource: Resource, where: string): void {
  const issues = fhirIssues(resource);
  if (issues.length > 0) {
    throw new UnprocessableError(`${where} is not a valid FHIR R4 ${resource.resourceType}`, { issues });
  }
}

/** FHIR R4 `id`: 1–64 letters, digits, `-` and `.`. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

function resourceEntry(resource: Resource, interaction: InboundEntry['interaction'], bundleIndex?: number): InboundEntry {
  if (!isHandled(resource.resourceType)) throw new Error('unreachable: unhandled type');
  if (!resource.id) throw new UnprocessableError(`The ${resource.resourceType} has no id`);
  if (!FHIR_ID.test(resource.id)) throw new UnprocessableError(`The ${resource.resourceType} id is not a valid FHIR id`);
  return {
    resourceType: resource.resourceType,
    resourceId: resource.id,
    ...(resource.meta?.versionId ? { versionId: resource.meta.versionId } : {}),
    ...(resource.meta?.lastUpdated ? { lastUpdated: resource.meta.lastUpdated } : {}),
    interaction,
    content: 'full-resource',
    ...(bundleIndex !== undefined ? { bundleIndex } : {}),
  };
}

function parameter(params: Parameters, name: string): ParametersParameter | undefined {
  return params.parameter?.find((p) => p.name === name);
}

function parseNotification(bundle: Bundle): InboundPayload {
  const status = bundle.entry?.[0]?.resource;
  if (!status || status.resourceType !== 'Parameters') {
    throw new UnprocessableError('A subscription notification Bundle must start with a SubscriptionStatus Parameters entry');
  }
  const type = parameter(status, 'type')?.valueCode;
  if (!type || !(NOTIFICATION_TYPES as readonly string[]).includes(type)) {
    throw new UnprocessableError('The SubscriptionStatus has no known notification type');
  }
  const notificationType = type as NotificationType;
  const eventsSinceStart = parameter(status, 'events-since-subscription-start')?.valueString;
  const base = { kind: 'notification' as const, notificationType, ...(eventsSinceStart ? { eventsSinceStart } : {}) };
  if (notificationType !== 'event-notification') return { ...base, entries: [], ignored: 0 };

  const entries: InboundEntry[] = [];
  let ignored = 0;
  const events = (status.parameter ?? []).filter((p) => p.name === 'notification-event');
  for (const event of events) {
    const focus = event.part?.find((p) => p.name === 'focus')?.valueReference?.reference;
    if (!focus) continue; // `empty` payloads name no focus: nothing to read.
    const target = parseReferenceUrl(focus);
    if (!target) throw new UnprocessableError('A notification-event focus is not a FHIR reference');
    if (!isHandled(target.resourceType)) {
      ignored++;
      continue;
    }
    const names = (ref: { resourceType?: string; id?: string } | undefined) => ref?.resourceType === target.resourceType && ref.id === target.id;
    const index = (bundle.entry ?? []).findIndex(
      (e: BundleEntry, i) => i > 0 && (e.fullUrl === focus || names(e.resource) || (e.fullUrl !== undefined && names(parseReferenceUrl(e.fullUrl)))),
    );
    const entry = index > 0 ? bundle.entry?.[index] : undefined;
    const interaction = interactionOf(entry?.request?.method);
    if (entry?.resource) {
      if (entry.resource.resourceType !== target.resourceType) throw new UnprocessableError('A notification entry does not match its focus');
      assertValid(entry.resource, `Entry ${index}`);
      entries.push(resourceEntry(entry.resource, interaction, index));
    } else {
      entries.push({ resourceType: target.resourceType, resourceId: target.id, interaction, content: 'id-only' });
    }
  }
  if (entries.length === 0 && ignored > 0) {
    throw new UnprocessableError(`None of the notification's ${ignored} focus resource(s) is of a type Sidecar handles`, {
      handled: HANDLED_RESOURCE_TYPES,
    });
  }
  return { ...base, entries, ignored };
}

/**
 * Classifies a parsed webhook body: one FHIR R4 resource of a handled type, or an R4 Backport
 * subscription notification Bundle (`type: history`, first entry the SubscriptionStatus).
 * Throws UnprocessableError (422) for anything else, naming element paths, never values.
 */
export function parseInbound(body: unknown): InboundPayload {
  if (!isObject(body) || typeof body.resourceType !== 'string') {
    throw new UnprocessableError('The body is not a FHIR resource (no resourceType)');
  }
  if (body.resourceType === 'Bundle') {
    const bundle = body as unknown as Bundle;
    if (bundle.type !== 'history') {
      throw new UnprocessableError('Only subscription notification Bundles (type "history") are handled');
    }
    if (!Array.isArray(bundle.entry) || bundle.entry.length === 0) {
      throw new UnprocessableError('The notification Bundle has no entries');
    }
    return parseNotification(bundle);
  }
  if (!isHandled(body.resourceType)) {
    throw new UnprocessableError('This resource type is not handled', { handled: HANDLED_RESOURCE_TYPES });
  }
  const resource = body as unknown as Resource;
  assertValid(resource, 'The resource');
  return { kind: 'resource', entries: [resourceEntry(resource, 'update')] };
}
