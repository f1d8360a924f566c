import { Hono } from 'hono';
import { OpenAPIHono } from '@hono/zod-openapi';
import { Webhook } from 'standardwebhooks';
import { ulid } from 'ulid';
import { createReference } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import { z } from 'zod';
test('imports', async () => {
  expect(typeof Hono).toBe('function');
  expect(typeof OpenAPIHono).toBe('function');
  expect(typeof Webhook).toBe('function');
  expect(ulid().length).toBe(26);
  expect(createReference({ resourceType: 'Patient', id: '1' }).reference).toBe('Patient/1');
  const r = new MemoryRepository();
  expect((await r.createResource({ resourceType: 'Patient' })).id).toBeDefined();
  expect(z.string().parse('a')).toBe('a');
});
