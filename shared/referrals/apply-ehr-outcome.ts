import type { DiagnosticReport, DocumentReference } from '@medplum/fhirtypes';
import type { AppContext } from '../context';
import { ConflictError } from '../errors';
import { isNewerVersion } from '../fhir/versions';
import type { ApplyResult } from './apply-ehr-service-request';
import { applyPlan, changeReferralWithRetry, recordEhrNote, timelineEntry } from './change';
import { referralForServiceRequest, serviceRequestRefs } from './link-from-ehr';
import { EHR_ACTOR } from './schema';
import { planTransition } from './state-machine';

const FINAL_REPORT = ['final', 'amended', 'corrected', 'appended'];

/**
 * The referral's outcome coming back: a DocumentReference (consult note; `context.related` →
 * the ServiceRequest) or a DiagnosticReport (`basedOn` → it). A current document or a final report
 * closes the loop (`completed`, `outcome-received`); the timeline names the document type only,
 * never its content. Version-gated per document.
 */
export async function applyEhrOutcome(
  ctx: AppContext,
  options: { sourceId: string; resource: DocumentReference | DiagnosticReport; version: string; receivedAt: string },
): Promise<ApplyResult> {
  const doc = options.resource;
  const isDoc = doc.resourceType === 'DocumentReference';
  const refs = isDoc ? serviceRequestRefs(doc.context?.related) : serviceRequestRefs(doc.basedOn);
  if (refs.length === 0) return { outcome: 'skipped', note: `${doc.resourceType} is not linked to a ServiceRequest` };
  const usable = isDoc ? doc.status === 'current' : FINAL_REPORT.includes(doc.status);
  if (!usable) return { outcome: 'skipped', note: `${doc.resourceType} status ${doc.status} does not close a referral` };
  const docRef = `${doc.resourceType}/${doc.id}`;
  const link = { sourceId: options.sourceId, reference: docRef };
  const kind = isDoc ? doc.type : doc.code;
  const description = (kind?.coding?.[0]?.display ?? kind?.text ?? (isDoc ? 'Document' : 'Report')).slice(0, 200);

  let lastId: string | undefined;
  for (const reference of refs) {
    const referralId = await referralForServiceRequest(ctx, { sourceId: options.sourceId, reference, receivedAt: options.receivedAt });
    if (!referralId) continue;
    lastId = referralId;
    await changeReferralWithRetry(ctx, referralId, (current) => {
      if (!isNewerVersion(options.version, current.ehrVersions[docRef])) return undefined;
      if (current.outcome?.link?.reference === docRef) return undefined;
      const now = ctx.clock.now();
      try {
        const plan = planTransition(current, { action: 'ehr-outcome', link, description: `${description} received from the EHR` }, now);
        const next = { ...applyPlan(current, plan, now), ehrVersions: { ...current.ehrVersions, [docRef]: options.version } };
        return {
          after: next,
          entries: [
            timelineEntry(current, EHR_ACTOR, now, {
              kind: 'transition',
              action: 'ehr-outcome',
              from: { status: current.status, businessStatus: current.businessStatus },
              to: { status: next.status, businessStatus: next.businessStatus },
              note: `${description} received: loop closed`,
            }),
          ],
        };
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        return recordEhrNote(ctx, current, docRef, options.version, `${description} received from the EHR after the referral was ${current.status}`);
      }
    });
  }
  return lastId ? { outcome: 'done', referralId: lastId } : { outcome: 'skipped', note: 'Linked ServiceRequest is not a referral' };
}
