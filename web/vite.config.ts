import { fileURLToPath } from 'node:url';
import { vitePlugin as remix } from '@remix-run/dev';
import { defineConfig } from 'vite';

/**
 * The console's build (`npm run build:web` = `remix vite:build web`). Paths are resolved from this
 * file, not the working directory, so the build is the same wherever it is started from.
 * See docs/decisions/040-console.md.
 */
const webDir = fileURLToPath(new URL('.', import.meta.url));
const appDir = fileURLToPath(new URL('./app', import.meta.url));
const repoDir = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: webDir,
  // The console is configured at run time by the AppContext it is handed, never by .env files.
  envDir: false,
  // No public/ folder: every asset is imported, hashed and emitted under build/client/assets/.
  publicDir: false,
  clearScreen: false,
  resolve: {
    alias: { '~': appDir },
  },
  server: {
    // Route modules import the domain from ../shared (relative imports, bundled into the server build).
    fs: { allow: [repoDir] },
  },
  build: {
    // Client chunks are plain static files; keep the server output readable for stack traces.
    sourcemap: false,
  },
  plugins: [
    remix({
      appDirectory: appDir,
      buildDirectory: fileURLToPath(new URL('./build', import.meta.url)),
      serverModuleFormat: 'esm',
      serverBuildFile: 'index.js',
      ignoredRouteFiles: ['**/*.test.*', '**/.*'],
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
      },
    }),
  ],
});
