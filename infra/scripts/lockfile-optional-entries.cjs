#!/usr/bin/env node
/**
 * Keeps package-lock.json usable by `npm ci` on registries that do not serve every platform build.
 *
 * The npm registry this project's machines reach answers 404 for some platform-specific optional
 * packages (e.g. @rollup/rollup-android-arm-eabi). `npm install` skips them silently and writes a
 * lockfile without their entries; `npm ci` then refuses it as "out of sync". This script adds an
 * entry for every declared-but-missing optional dependency, marked optional (npm ci skips optional
 * packages it cannot install on this platform). Run it after any `npm install` that changes the
 * lockfile: `node infra/scripts/lockfile-optional-entries.cjs`. See docs/decisions/006-lockfile.md.
 */
const fs = require('node:fs');
const path = require('node:path');

const file = path.resolve(__dirname, '../../package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [location, meta] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    // Resolution: a nested node_modules first, then hoisted to the top.
    const nested = `${location ? `${location}/` : ''}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    packages[hoisted] = { version, ...(meta.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`lockfile: added ${added} missing optional entr${added === 1 ? 'y' : 'ies'}\n`);
