// API reports (api-extractor) for every entry of the package, checked in under etc/ so that a change
// to the public surface shows up in review. Reads the built .d.ts files: run `npm run build` first.
//   node scripts/api-report.mjs            fails when a report differs from the checked-in one (CI)
//   node scripts/api-report.mjs --update   rewrites the reports (then commit etc/)
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = new URL('..', import.meta.url).pathname;
const update = process.argv.includes('--update');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// One report per subpath: `.` is mlops.api.md, `./server` mlops-server.api.md, and so on.
const entries = Object.entries(pkg.exports)
  .filter(([subpath]) => subpath !== './package.json')
  .map(([subpath, target]) => {
    const types = target.import?.types ?? target.types;
    return { subpath, dts: join(root, types), report: subpath === '.' ? 'mlops' : `mlops-${subpath.slice(2)}` };
  });

mkdirSync(join(root, 'etc'), { recursive: true });
const changed = [];
const failed = [];
for (const { subpath, dts, report } of entries) {
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: dts,
      bundledPackages: [],
      compiler: { tsconfigFilePath: join(root, 'tsconfig.json') },
      apiReport: { enabled: true, reportFileName: report, reportFolder: join(root, 'etc'), reportTempFolder: join(root, '.tmp', 'api') },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // The report is for review of what is exported; release tags and TSDoc style are not ours.
        extractorMessageReporting: { default: { logLevel: 'none' } },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
        compilerMessageReporting: { default: { logLevel: 'warning' } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(root, 'package.json'),
  });
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false, messageCallback: (m) => {
    if (m.logLevel === 'warning' || m.logLevel === 'error') console.error(`${subpath}: ${m.text}`);
    m.handled = true;
  } });
  if (!result.succeeded && !(update && result.errorCount === 0)) failed.push(subpath);
  if (result.apiReportChanged) changed.push(`etc/${report}.api.md`);
}

if (!update && changed.length > 0) {
  console.error(`The public API changed: ${changed.join(', ')} no longer match the build.\nRun npm run build && npm run api:update, review the diff and commit etc/.`);
  process.exit(1);
}
if (failed.length > 0) {
  console.error(`api-extractor failed for ${failed.join(', ')}`);
  process.exit(1);
}
console.log(update ? `API reports written: ${entries.map((e) => `etc/${e.report}.api.md`).join(', ')}` : `API reports match the build (${entries.length} entries)`);
