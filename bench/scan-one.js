// Child process for peak-RSS measurement: loads the built library, scans one file, prints one JSON line.
// Usage: node bench/scan-one.js FILE
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const engineUrl = pathToFileURL(
  path.resolve(
    import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname),
    '../dist/scan/engine.js',
  ),
);
const { scan } = await import(engineUrl.href);
const file = process.argv[2];
const t = process.hrtime.bigint();
const report = await scan([file]);
const seconds = Number(process.hrtime.bigint() - t) / 1e9;
const r = report.files[0];
process.stdout.write(
  JSON.stringify({
    seconds,
    size: r.size,
    bytesRead: r.bytesRead,
    verdict: r.verdict,
    analyses: r.analyses,
    findings: r.findings.length,
    maxRssKb: process.resourceUsage().maxRSS,
  }) + '\n',
);
