/**
 * The CDK app (cdk.json: `npx tsx infra/cdk/app.ts`). The only module here that may use
 * `import.meta`: jest loads the others as CommonJS and passes the project root itself.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addSidecarStack, CONTEXT, newSidecarApp } from './sidecar-app';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The console function bundles the Remix server build and the distribution uploads the client
 * build, so both must exist before synthesis; on a fresh clone, build them.
 */
function ensureWebBuild(): void {
  const serverBuild = path.join(projectRoot, 'web', 'build', 'server', 'index.js');
  const clientBuild = path.join(projectRoot, 'web', 'build', 'client');
  if (existsSync(serverBuild) && existsSync(clientBuild)) return;
  console.error('Sidecar: web build missing, running npm run build:web');
  const result = spawnSync('npm', ['run', 'build:web'], { cwd: projectRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`npm run build:web failed (${result.error?.message ?? `exit code ${result.status}`})`);
  }
}

const app = newSidecarApp({ projectRoot });
// A deploy (or a check) may point at another client build; then it is responsible for it.
if (app.node.tryGetContext(CONTEXT.consoleAssetsDir) === undefined) ensureWebBuild();
addSidecarStack(app, { projectRoot, account: process.env.CDK_DEFAULT_ACCOUNT });
