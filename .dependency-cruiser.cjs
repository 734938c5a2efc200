// Architecture rules, checked in CI by `npm run check:arch` (ARCHITECTURE.md explains the map).
// Each rule names the boundary it keeps; a violation fails the build.

/** Domain modules: each owns one concern and talks to the others only through their index.ts. */
const DOMAIN = ['search', 'governance', 'tracking', 'registry', 'features', 'monitoring', 'serving', 'controls', 'onnx', 'testing'];

/**
 * Which modules each domain module may import (besides core and the adapter contracts). The table is
 * a layering: a module only ever points down, so there can be no cycle between modules.
 */
const MAY_IMPORT = {
  search: [],
  governance: [],
  onnx: [],
  testing: ['onnx'],
  // onnx/ is a leaf: the builder, the signature reader and the MLmodel file, for tracking and registry alike.
  tracking: ['search', 'governance', 'onnx'],
  registry: ['search', 'governance', 'tracking', 'onnx'],
  features: ['search', 'governance'],
  monitoring: ['governance', 'features', 'registry'],
  serving: ['governance', 'registry', 'features', 'monitoring'],
  // Kill switch and guards (#18) sit above serving: serving takes their gate as a contract it declares.
  controls: ['search', 'governance', 'tracking', 'registry', 'features', 'monitoring', 'serving'],
};

// Storage drivers: only an adapter may load one, statically or through importOptional(() => import(…)).
const DRIVERS = '(^|/)node_modules/(pg|pg-[^/]+|ioredis|better-sqlite3|@aws-sdk/[^/]+|@types/(pg|better-sqlite3))/';

// The contracts a domain module may rely on: each adapter kind's types.ts, and the key rule every
// BlobStore enforces (a function, so it cannot live in types.ts).
const ADAPTER_CONTRACTS = '^src/adapters/[^/]+/types\\.ts$|^src/adapters/blob/blob-key\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-nothing-of-ours',
      comment: 'core/ is the floor every module stands on: errors, clock, ids, events, metrics, canonical JSON, cursors.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'adapters-import-only-core',
      comment: 'An adapter implements one contract with one driver; it borrows nothing from another adapter kind or a domain module.',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/adapters/$1/'] },
    },
    {
      name: 'drivers-only-in-adapters',
      comment: 'pg, ioredis, better-sqlite3 and the S3 SDK are loaded by adapters only (importOptional takes a visible import()).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/adapters/' },
      to: { path: DRIVERS },
    },
    {
      name: 'domain-uses-adapter-contracts-only',
      comment: 'Domain modules talk to SqlDriver, BlobStore and KvStore, never to a concrete store.',
      severity: 'error',
      from: { path: `^src/(${DOMAIN.join('|')})/` },
      to: { path: '^src/adapters/', pathNot: ADAPTER_CONTRACTS },
    },
    {
      name: 'modules-meet-at-index',
      comment: "Another module is reached through its index.ts (its surface for other modules), never through its files.",
      severity: 'error',
      from: { path: `^src/(${DOMAIN.join('|')})/` },
      to: { path: `^src/(${DOMAIN.join('|')})/`, pathNot: ['^src/$1/', `^src/(${DOMAIN.join('|')})/index\\.ts$`] },
    },
    ...DOMAIN.map((module) => ({
      name: `layering-${module}`,
      comment: `${module}/ may import only ${['core', ...(MAY_IMPORT[module] ?? [])].join(', ')} (and adapter contracts): modules point down, never in a cycle.`,
      severity: 'error',
      from: { path: `^src/${module}/` },
      to: {
        path: '^src/',
        pathNot: [`^src/(core|adapters|${[module, ...(MAY_IMPORT[module] ?? [])].join('|')})/`],
      },
    })),
    {
      name: 'faces-imported-by-nothing',
      comment: 'server/ and cli/ sit on top: only their entry files (and the CLI, which starts a server) import them.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(server|cli)/', '^src/(server|cli)\\.ts$'] },
      to: { path: '^src/(server|cli)/' },
    },
    {
      name: 'no-file-cycles',
      comment: 'No file reaches itself through its imports (type-only imports included).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.d.ts'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
