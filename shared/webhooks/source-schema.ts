import { z } from 'zod';

/** A source id appears in the webhook URL (`/webhooks/ehr/<id>`), keys and secret names: no PHI, ever. */
export const ZSourceId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'source ids are lower-case letters, digits and dashes');

const ZHttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * A webhook source (an EHR that posts events) as Sidecar keeps it in the records table. Holds no
 * secret material: its Standard Webhooks secrets live in Secrets Manager under `secretName`.
 */
export const ZWebhookSource = z.object({
  id: ZSourceId,
  name: z.string().trim().min(1).max(200),
  enabled: z.boolean(),
  /** The EHR's FHIR R4 base URL, for reading id-only notifications and clinical context. */
  fhirBaseUrl: ZHttpUrl.optional(),
  /** Base URL of the EHR's chart pages, for "Open in EHR" links: `<base>/Patient/<id>`. */
  ehrUiBaseUrl: ZHttpUrl.optional(),
  /** Name of the Secrets Manager secret holding this source's signing secrets. */
  secretName: z.string().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Optimistic concurrency: every change is conditional on it and increments it. */
  version: z.number().int().min(0),
  /** When the secret was last rotated. */
  rotatedAt: z.string().optional(),
  /** Until when the secrets replaced by the last rotation still verify. */
  previousSecretExpiresAt: z.string().optional(),
});
export type WebhookSource = z.infer<typeof ZWebhookSource>;

/** What the console and API show of a source: everything but where its secrets are stored. */
export const ZWebhookSourceView = ZWebhookSource.omit({ secretName: true });
export type WebhookSourceView = z.infer<typeof ZWebhookSourceView>;

/** A source as shown to administrators (strips the secret's location; there is never secret material in a source). */
export function toWebhookSourceView(source: WebhookSource): WebhookSourceView {
  return ZWebhookSourceView.parse(source);
}

/** One Standard Webhooks signing secret; `expiresAt` is set on secrets a rotation replaced. */
export const ZWebhookSecret = z.object({
  secret: z.string().startsWith('whsec_'),
  addedAt: z.string(),
  expiresAt: z.string().optional(),
});
export type WebhookSecret = z.infer<typeof ZWebhookSecret>;

/** The JSON value of a source's secret in Secrets Manager. */
export const ZWebhookSecretSet = z.object({ secrets: z.array(ZWebhookSecret) });

/**
 * A secret Sidecar accepts from outside (registration with a known secret): `whsec_` and the
 * base64 of 24–64 random bytes, as Standard Webhooks recommends.
 */
export const ZNewWebhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 'must be whsec_ followed by the base64 of 24 to 64 random bytes');

/** The fields an administrator gives when creating a source. */
export const ZCreateWebhookSourceInput = z.object({
  id: ZSourceId,
  name: ZWebhookSource.shape.name,
  fhirBaseUrl: ZHttpUrl.optional(),
  ehrUiBaseUrl: ZHttpUrl.optional(),
});
export type CreateWebhookSourceInput = z.infer<typeof ZCreateWebhookSourceInput>;

/** A created or rotated source with its new secret, which Sidecar shows this once and never again. */
export interface WebhookSourceWithSecret {
  source: WebhookSourceView;
  /** Secret material: hand it to the EHR's integration engineer; never log it. */
  secret: string;
}
