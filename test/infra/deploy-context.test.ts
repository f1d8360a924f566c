import { CONTEXT, PLACEHOLDER_PUBLIC_URL, readDeployContext } from '../../infra/cdk/deploy-context';

const read = (context: Record<string, unknown>) => readDeployContext((key) => context[key]);
const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';

describe('readDeployContext', () => {
  test('defaults: placeholder public URL, no certificate, no SMART issuers, no framing origins', () => {
    expect(read({})).toEqual({
      publicUrl: PLACEHOLDER_PUBLIC_URL,
      smartIssuers: [],
      frameAncestors: [],
    });
  });

  test('the public URL is normalised to its origin (a trailing slash is dropped)', () => {
    expect(read({ [CONTEXT.publicUrl]: 'https://Sidecar.Example-Hospital.org/' }).publicUrl).toBe(
      'https://sidecar.example-hospital.org',
    );
  });

  test.each([
    ['http://sidecar.example-hospital.org', /scheme must be https/],
    ['https://sidecar.example-hospital.org:8443', /default port 443/],
    ['https://sidecar.example-hospital.org/console', /no path/],
    ['https://sidecar.example-hospital.org/?a=1', /no query/],
    ['https://admin:pw@sidecar.example-hospital.org', /credentials/],
    ['sidecar.example-hospital.org', /not an absolute https URL/],
  ])('refuses public URL %s, naming the key', (value, reason) => {
    expect(() => read({ [CONTEXT.publicUrl]: value })).toThrow(new RegExp(`${CONTEXT.publicUrl}: .*${reason.source}`));
  });

  test('a certificate must be an ACM ARN in us-east-1', () => {
    const publicUrl = 'https://sidecar.example-hospital.org';
    expect(read({ [CONTEXT.publicUrl]: publicUrl, [CONTEXT.certificateArn]: CERTIFICATE }).certificateArn).toBe(CERTIFICATE);
    expect(() =>
      read({ [CONTEXT.publicUrl]: publicUrl, [CONTEXT.certificateArn]: CERTIFICATE.replace('us-east-1', 'eu-west-1') }),
    ).toThrow(/sidecar:certificateArn: .*us-east-1/);
  });

  test('a certificate without a public URL is refused: the certificate would cover an unknown host', () => {
    expect(() => read({ [CONTEXT.certificateArn]: CERTIFICATE })).toThrow(/set sidecar:publicUrl/);
  });

  test('SMART issuers: a JSON array of https FHIR bases with client ids, as a string (CLI) or as JSON (cdk.json)', () => {
    const issuers = [{ iss: 'https://ehr.example-hospital.org/fhir/R4', clientId: 'sidecar' }];
    expect(read({ [CONTEXT.smartIssuers]: JSON.stringify(issuers) }).smartIssuers).toEqual(issuers);
    expect(read({ [CONTEXT.smartIssuers]: issuers }).smartIssuers).toEqual(issuers);
    expect(() => read({ [CONTEXT.smartIssuers]: '[{"iss":"http://ehr.example/fhir","clientId":"x"}]' })).toThrow(
      /sidecar:smartIssuers\[0\]\.iss: iss must be the EHR FHIR base URL, https/,
    );
    expect(() => read({ [CONTEXT.smartIssuers]: '[{"iss":"https://ehr.example/fhir"}]' })).toThrow(
      /sidecar:smartIssuers\[0\]\.clientId/,
    );
    expect(() => read({ [CONTEXT.smartIssuers]: 'not json' })).toThrow(/sidecar:smartIssuers: must be a JSON array/);
  });

  test('frame ancestors: space-separated https origins', () => {
    expect(read({ [CONTEXT.frameAncestors]: ' https://ehr.example-hospital.org  https://portal.example.org ' }).frameAncestors).toEqual([
      'https://ehr.example-hospital.org',
      'https://portal.example.org',
    ]);
    expect(() => read({ [CONTEXT.frameAncestors]: 'https://ehr.example-hospital.org http://plain.example' })).toThrow(
      /sidecar:frameAncestors\[1\]: .*scheme must be https/,
    );
  });

  test('allowed countries: comma-separated ISO codes', () => {
    expect(read({ [CONTEXT.allowedCountries]: 'US, CA' }).allowedCountries).toEqual(['US', 'CA']);
    expect(() => read({ [CONTEXT.allowedCountries]: 'USA' })).toThrow(/sidecar:allowedCountries/);
  });

  test('sign-in domain prefix: Cognito’s character rules and reserved words', () => {
    expect(read({ [CONTEXT.authDomainPrefix]: 'example-hospital-sidecar' }).authDomainPrefix).toBe('example-hospital-sidecar');
    expect(() => read({ [CONTEXT.authDomainPrefix]: 'Sidecar' })).toThrow(/sidecar:authDomainPrefix/);
    expect(() => read({ [CONTEXT.authDomainPrefix]: 'sidecar-cognito' })).toThrow(/reserved|refuses/);
  });

  test('the retired sidecar:domainName is refused with what replaces it', () => {
    expect(() => read({ 'sidecar:domainName': 'sidecar.example-hospital.org' })).toThrow(/sidecar:publicUrl/);
  });
});
