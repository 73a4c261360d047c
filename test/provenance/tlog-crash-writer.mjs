// Child process for the crash test (test/provenance/tlog-log.test.ts): appends events to the log in argv[2] in a
// loop and prints "ack <index>" on standard output after each append has returned (i.e. is durable and published).
// The test kills it with SIGKILL at random moments. Uses the built library (dist/).
import { openLog } from '../../dist/provenance/tlog/log.js';

const dir = process.argv[2];
const max = Number(process.argv[3] ?? '1000000');
const log = await openLog(dir, { lockTimeoutMs: 30_000 });
for (let i = 0; i < max; i++) {
  const r = await log.append({
    type: 'sign',
    subject: `model-${i}`,
    subjectDigest: `sha256:${i.toString(16).padStart(64, '0')}`,
    details: { pad: 'x'.repeat(1 + (i % 700)), pid: process.pid },
  });
  process.stdout.write(`ack ${r.index}\n`);
}
