import { type AuditInput, recordAudit } from '../../shared/audit/record-audit';
import type { AppContext } from '../../shared/context';
import type { User } from '../../shared/users/directory';
import type { RequestMeta } from './request-meta';

type Action = AuditInput['action'];
type Resource = { resourceType: AuditInput['resourceType']; resourceId?: string; patientId?: string };

/**
 * What one request read or changed, written to the append-only audit table before its response
 * leaves (fail closed: if the audit write fails, the caller gets a 500, not the data). Handlers
 * say what they touched; the trail adds who, when, from where and through which surface.
 */
export class AuditTrail {
  private readonly entries: AuditInput[] = [];

  constructor(
    private readonly ctx: AppContext,
    private readonly actor: User,
    private readonly meta: RequestMeta,
    private readonly via: AuditInput['via'],
  ) {}

  /** One record per resource touched; list views pass every row they show. */
  add(action: Action, ...resources: Resource[]): void {
    for (const r of resources) {
      this.entries.push({
        actorId: this.actor.id,
        actorName: this.actor.name,
        role: this.actor.role,
        action,
        resourceType: r.resourceType,
        ...(r.resourceId ? { resourceId: r.resourceId } : {}),
        ...(r.patientId ? { patientId: r.patientId } : {}),
        requestId: this.meta.requestId,
        sourceIp: this.meta.sourceIp,
        outcome: action === 'denied' ? 'denied' : 'allowed',
        via: this.via,
      });
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** Writes everything recorded so far (once). Throws if any write fails. */
  async flush(): Promise<void> {
    const pending = this.entries.splice(0);
    if (pending.length > 0) await recordAudit(this.ctx, pending);
  }
}
