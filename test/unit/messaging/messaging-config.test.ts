import { loadConfig } from '../../../shared/config/config';
import { ENV } from '../../../shared/config/env-names';
import { createContext } from '../../../shared/context';

const BASE: NodeJS.ProcessEnv = {
  NODE_ENV: 'test',
  [ENV.recordsTable]: 'records',
  [ENV.inboxTable]: 'inbox',
  [ENV.auditTable]: 'audit',
  [ENV.eventBusName]: 'bus',
};

describe('messaging configuration', () => {
  test('every messaging setting is optional', () => {
    const config = loadConfig(BASE);
    expect(config.messaging).toEqual({});
    expect(config.endpoints.sms).toBeUndefined();
    expect(config.endpoints.ses).toBeUndefined();
  });

  test('reads the endpoints and messaging settings from their variables', () => {
    const config = loadConfig({
      ...BASE,
      [ENV.smsEndpoint]: 'http://127.0.0.1:4100',
      [ENV.sesEndpoint]: 'http://127.0.0.1:4101',
      [ENV.smsConfigurationSet]: 'sidecar-reminders',
      [ENV.smsOriginationIdentity]: '+18005550100',
      [ENV.sesConfigurationSet]: 'sidecar-reminders-email',
      [ENV.emailFrom]: "St. Mary's Clinic <reminders@stmarys.example>",
      [ENV.organizationName]: '  Riverside Clinic ',
    });
    expect(config.endpoints).toMatchObject({ sms: 'http://127.0.0.1:4100', ses: 'http://127.0.0.1:4101' });
    expect(config.messaging).toEqual({
      smsConfigurationSet: 'sidecar-reminders',
      smsOriginationIdentity: '+18005550100',
      sesConfigurationSet: 'sidecar-reminders-email',
      emailFrom: "St. Mary's Clinic <reminders@stmarys.example>",
      organizationName: 'Riverside Clinic',
    });
  });

  test.each([
    ['a pool id', 'pool-0123456789abcdef0123456789abcdef'],
    ['a phone number id', 'phone-0123456789abcdef0123456789abcdef'],
    ['a pool ARN', 'arn:aws:sms-voice:us-east-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef'],
  ])('accepts %s as origination identity', (_label, value) => {
    expect(loadConfig({ ...BASE, [ENV.smsOriginationIdentity]: value }).messaging.smsOriginationIdentity).toBe(value);
  });

  test('accepts a configuration set ARN for SMS', () => {
    const arn = 'arn:aws:sms-voice:us-east-1:123456789012:configuration-set/sidecar-reminders';
    expect(loadConfig({ ...BASE, [ENV.smsConfigurationSet]: arn }).messaging.smsConfigurationSet).toBe(arn);
  });

  test.each([
    [ENV.smsEndpoint, 'not a url', 'endpoints.sms'],
    [ENV.sesEndpoint, 'localhost', 'endpoints.ses'],
    [ENV.smsConfigurationSet, 'has spaces', 'messaging.smsConfigurationSet'],
    [ENV.smsOriginationIdentity, '+1 800 555 0100', 'messaging.smsOriginationIdentity'],
    [ENV.sesConfigurationSet, 'arn:aws:ses:us-east-1:1:configuration-set/x', 'messaging.sesConfigurationSet'],
    [ENV.emailFrom, 'reminders', 'messaging.emailFrom'],
    [ENV.emailFrom, 'Clinic, Inc. <reminders@clinic.example>', 'messaging.emailFrom'],
    [ENV.emailFrom, 'Clínica <reminders@clinic.example>', 'messaging.emailFrom'],
    [ENV.organizationName, 'Riverside\nClinic', 'messaging.organizationName'],
    [ENV.organizationName, 'x'.repeat(61), 'messaging.organizationName'],
  ])('refuses %s=%p, naming the setting but not the value', (variable, value, path) => {
    let message = '';
    try {
      loadConfig({ ...BASE, [variable]: value });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(path);
    expect(message).not.toContain(value);
  });

  test('the context builds the SMS and SES clients with the configured endpoint overrides', async () => {
    const config = loadConfig({ ...BASE, [ENV.smsEndpoint]: 'http://127.0.0.1:4100', [ENV.sesEndpoint]: 'http://127.0.0.1:4101' });
    const ctx = createContext({ config });
    const endpointOf = async (client: { config: { endpoint?: () => Promise<{ hostname: string; port?: number }> } }) => {
      const endpoint = await client.config.endpoint?.();
      return endpoint && `${endpoint.hostname}:${endpoint.port}`;
    };
    expect(await endpointOf(ctx.sms)).toBe('127.0.0.1:4100');
    expect(await endpointOf(ctx.email)).toBe('127.0.0.1:4101');
    expect(await ctx.sms.config.region()).toBe('us-east-1');
  });
});
