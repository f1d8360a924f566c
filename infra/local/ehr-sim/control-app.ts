import { Hono } from 'hono';
import { z } from 'zod';
import { BadRequestError } from '../../../shared/errors';
import { SCENARIOS } from './catalogue';
import type { ReferralState } from './queries';
import type { ScenarioOptions, ScenarioResult } from './scenarios';

/**
 * The simulator's control API (`/$sim/*`), used by `npm run ehr`, the console's dev page and
 * browser tests. Answers carry ids and states only, never patient data. Errors are thrown as
 * shared DomainErrors and mapped to `{ error: { code, message } }` once, by the simulator's app.
 */
const FHIR_ID = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be a FHIR id');

export const ZScenarioRequest = z.strictObject({
  serviceRequestId: FHIR_ID.optional(),
  patientId: FHIR_ID.optional(),
});

export interface ControlTarget {
  runScenario(name: string, options: ScenarioOptions): Promise<ScenarioResult>;
  publishSeed(): Promise<unknown>;
  referralStates(): Promise<ReferralState[]>;
  health(): Promise<Record<string, unknown>>;
}

export function createControlApp(sim: ControlTarget): Hono {
  const app = new Hono();

  app.get('/health', async (c) => c.json(await sim.health()));

  app.get('/state', async (c) => c.json({ scenarios: SCENARIOS, serviceRequests: await sim.referralStates() }));

  app.post('/seed', async (c) => c.json(await sim.publishSeed()));

  app.post('/scenarios/:name', async (c) => {
    const raw = await c.req.text();
    let json: unknown = {};
    if (raw.trim() !== '') {
      try {
        json = JSON.parse(raw);
      } catch {
        throw new BadRequestError('Body must be JSON: { "serviceRequestId"?: string, "patientId"?: string }');
      }
    }
    const parsed = ZScenarioRequest.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
      throw new BadRequestError(`Invalid scenario request: ${problems.join('; ')}`);
    }
    return c.json(await sim.runScenario(c.req.param('name'), parsed.data));
  });

  return app;
}
