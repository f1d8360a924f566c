import { randomUUID } from 'node:crypto';
import type { Bundle, Parameters, Resource, Subscription } from '@medplum/fhirtypes';
import { SYSTEMS } from './codes';
import { simMeta } from './resources';

/**
 * FHIR Subscriptions R5 Backport (R4) notifications, shaped like the IG's (and the Inferno test
 * kit's) `full-resource` event notification: a `history` Bundle whose first entry is the
 * SubscriptionStatus `Parameters`, followed by the changed resource with its request/response.
 *
 * The simulator holds one rest-hook Subscription per notified resource type, each with its own
 * event counter. Subscription ids are unique per simulator run: the store starts empty on every
 * run, so each run's subscriptions are new ones and their event numbers start again at 1.
 */
export const BACKPORT = {
  notificationProfile: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4',
  statusProfile: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4',
  subscriptionProfile: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription',
  payloadContent: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content',
} as const;

export const NOTIFIED_TYPES = ['ServiceRequest', 'Appointment', 'DocumentReference', 'Patient', 'Encounter'] as const;
export type NotifiedType = (typeof NOTIFIED_TYPES)[number];

export type Interaction = 'create' | 'update';

interface Channel {
  subscriptionId: string;
  topic: string;
  eventsSinceStart: number;
}

export class Notifier {
  private readonly channels = new Map<NotifiedType, Channel>();

  constructor(
    private readonly fhirBaseUrl: string,
    runId: string,
  ) {
    for (const type of NOTIFIED_TYPES) {
      const slug = type.toLowerCase();
      this.channels.set(type, { subscriptionId: `sim-${slug}-${runId}`, topic: `${SYSTEMS.topics}/${slug}-changed`, eventsSinceStart: 0 });
    }
  }

  /** The Subscription resources this run notifies through (stored in the FHIR server for reads). */
  subscriptions(endpoint: string): Subscription[] {
    return NOTIFIED_TYPES.map((type) => {
      const channel = this.channel(type);
      return {
        resourceType: 'Subscription',
        id: channel.subscriptionId,
        meta: simMeta({ profile: [BACKPORT.subscriptionProfile] }),
        status: 'active',
        reason: `Sidecar care coordination: ${type} changes`,
        criteria: channel.topic,
        channel: {
          type: 'rest-hook',
          endpoint,
          payload: 'application/fhir+json',
          _payload: { extension: [{ url: BACKPORT.payloadContent, valueCode: 'full-resource' }] },
        },
      };
    });
  }

  private channel(type: NotifiedType): Channel {
    const channel = this.channels.get(type);
    if (!channel) throw new Error(`No subscription for ${type}`);
    return channel;
  }

  /** A full-resource event notification for one changed resource; advances that subscription's counter. */
  notify(resource: Resource & { resourceType: NotifiedType; id: string }, interaction: Interaction, at: Date): Bundle {
    const channel = this.channel(resource.resourceType);
    channel.eventsSinceStart += 1;
    const eventNumber = String(channel.eventsSinceStart);
    const timestamp = at.toISOString();
    const subscriptionUrl = `${this.fhirBaseUrl}/Subscription/${channel.subscriptionId}`;
    const resourceUrl = `${this.fhirBaseUrl}/${resource.resourceType}/${resource.id}`;
    const statusId = randomUUID();
    const status: Parameters = {
      resourceType: 'Parameters',
      id: statusId,
      meta: { profile: [BACKPORT.statusProfile] },
      parameter: [
        { name: 'subscription', valueReference: { reference: subscriptionUrl } },
        { name: 'topic', valueCanonical: channel.topic },
        { name: 'status', valueCode: 'active' },
        { name: 'type', valueCode: 'event-notification' },
        { name: 'events-since-subscription-start', valueString: eventNumber },
        {
          name: 'notification-event',
          part: [
            { name: 'event-number', valueString: eventNumber },
            { name: 'timestamp', valueInstant: timestamp },
            { name: 'focus', valueReference: { reference: resourceUrl } },
          ],
        },
      ],
    };
    return {
      resourceType: 'Bundle',
      id: randomUUID(),
      meta: { profile: [BACKPORT.notificationProfile] },
      type: 'history',
      timestamp,
      entry: [
        {
          fullUrl: `urn:uuid:${statusId}`,
          resource: status,
          request: { method: 'GET', url: `${subscriptionUrl}/$status` },
          response: { status: '200' },
        },
        {
          fullUrl: resourceUrl,
          resource,
          request:
            interaction === 'create'
              ? { method: 'POST', url: resource.resourceType }
              : { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
          response: { status: interaction === 'create' ? '201' : '200' },
        },
      ],
    };
  }
}
