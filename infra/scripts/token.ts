/**
 * Prints an API access token for a local account, for curl against a running `npm start`:
 *
 *   npx tsx infra/scripts/token.ts <username> [--issuer URL] [--client-id ID] [--redirect-uri URI]
 *   curl -H "Authorization: Bearer $(npx tsx infra/scripts/token.ts casey)" http://localhost:3000/api/me
 *
 * Signs in through the embedded provider's real sign-in page (authorization code + PKCE), with the
 * password from SIDECAR_LOCAL_PASSWORD or the local default. Local runs only: synthetic accounts.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_LOCAL_PASSWORD, LOCAL_PASSWORD_ENV } from '../local/oidc/accounts';
import { obtainTokens } from '../local/oidc/obtain-tokens';

const USAGE = 'usage: npx tsx infra/scripts/token.ts <username> [--issuer URL] [--client-id ID] [--redirect-uri URI]\n';

const ZArgs = z.object({
  username: z.string().regex(/^[a-z0-9._-]{1,64}$/i),
  issuer: z.url({ protocol: /^https?$/ }),
  clientId: z.string().min(1).max(200),
  redirectUri: z.url({ protocol: /^https?$/ }),
});

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    issuer: { type: 'string', default: 'http://localhost:3002' },
    'client-id': { type: 'string', default: 'sidecar-console' },
    'redirect-uri': { type: 'string', default: 'http://localhost:3000/auth/callback' },
    help: { type: 'boolean' },
  },
});

const args = ZArgs.safeParse({ username: positionals[0], issuer: values.issuer, clientId: values['client-id'], redirectUri: values['redirect-uri'] });
if (values.help || positionals.length !== 1 || !args.success) {
  process.stderr.write(USAGE);
  process.exit(values.help ? 0 : 2);
}

try {
  const tokens = await obtainTokens({ ...args.data, password: process.env[LOCAL_PASSWORD_ENV] || DEFAULT_LOCAL_PASSWORD });
  process.stdout.write(`${tokens.accessToken}\n`);
} catch (error) {
  const unreachable = error instanceof TypeError && error.message === 'fetch failed';
  const reason = unreachable ? 'nothing answers there (is `npm start` running?)' : error instanceof Error ? error.message : 'unknown error';
  process.stderr.write(`Could not get a token from ${args.data.issuer}: ${reason}\n`);
  process.exit(1);
}
