// Checks that package.json's exports map matches the build: every subpath points at files that
// exist and load (ESM import and CJS require), and every built entry has a subpath.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const require = createRequire(join(root, 'package.json'));
const problems = [];
const covered = new Set();

for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target === 'string') {
    if (!existsSync(join(root, target))) problems.push(`${subpath}: ${target} is missing`);
    continue;
  }
  // Either { import: {types, default}, require: {…} } or, for ESM-only subpaths, { types, import }.
  const conditions = target.import && typeof target.import === 'string'
    ? { import: { types: target.types, default: target.import } }
    : target;
  for (const [condition, spec] of Object.entries(conditions)) {
    for (const file of [spec.types, spec.default]) {
      if (!existsSync(join(root, file))) problems.push(`${subpath} (${condition}): ${file} is missing`);
      covered.add(file.replace(/^\.\//, ''));
    }
    const file = join(root, spec.default);
    if (!existsSync(file)) continue;
    try {
      if (condition === 'import') await import(pathToFileURL(file).href);
      else require(file);
    } catch (err) {
      problems.push(`${subpath} (${condition}) does not load: ${err.message}`);
    }
  }
}

// The bin is a program, not a subpath: it must exist and start with a shebang.
for (const [bin, file] of Object.entries(pkg.bin ?? {})) {
  covered.add(file.replace(/^\.\//, ''));
  if (!existsSync(join(root, file))) problems.push(`bin ${bin}: ${file} is missing`);
  else if (!readFileSync(join(root, file), 'utf8').startsWith('#!')) problems.push(`bin ${bin}: ${file} has no #! line`);
}

for (const name of readdirSync(join(root, 'dist'))) {
  if (/^[a-z-]+\.(js|cjs)$/.test(name) && !covered.has(`dist/${name}`)) problems.push(`dist/${name} has no subpath in exports`);
}

// Loading the main entry must not load optional drivers: an embedded user never pays for pg.
const lazy = Object.keys(require.cache).filter((k) => /node_modules\/(pg|ioredis|@aws-sdk)\//.test(k));
if (lazy.length > 0) problems.push(`loading the package loaded optional drivers: ${lazy.slice(0, 3).join(', ')}`);

if (problems.length > 0) {
  console.error(`exports check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`exports check: ${Object.keys(pkg.exports).length} subpaths match the build and load as ESM and CJS`);
