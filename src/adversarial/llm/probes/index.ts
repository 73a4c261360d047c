/** Every built-in probe, in a fixed order, and probe selection. */
import { UsageError } from '../../../core/errors.js';
import { PROBE_FAMILIES, type Probe, type ProbeFamily } from '../types.js';
import { AGENCY_PROBES, CONSUMPTION_PROBES } from './agency.js';
import { EXFILTRATION_PROBES, LEAKAGE_PROBES } from './data.js';
import { INDIRECT_PROBES, INJECTION_PROBES, OBFUSCATION_PROBES } from './injection.js';
import { EXTRACTION_PROBES, JAILBREAK_PROBES } from './jailbreak.js';

export { PROBE_TOOLS } from './agency.js';

export const PROBES: readonly Probe[] = Object.freeze([
  ...INJECTION_PROBES,
  ...INDIRECT_PROBES,
  ...EXTRACTION_PROBES,
  ...JAILBREAK_PROBES,
  ...OBFUSCATION_PROBES,
  ...EXFILTRATION_PROBES,
  ...LEAKAGE_PROBES,
  ...AGENCY_PROBES,
  ...CONSUMPTION_PROBES,
]);

/**
 * Selects probes by family (`injection`), id prefix (`injection.direct`) or full id, comma-separated; "all" or
 * undefined selects every probe. The result keeps the built-in order.
 */
export function selectProbes(spec?: string | readonly string[], probes: readonly Probe[] = PROBES): Probe[] {
  if (spec === undefined) return [...probes];
  const items = (typeof spec === 'string' ? spec.split(',') : [...spec]).map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError('--probes is empty; name families, probe ids or "all"');
  if (items.includes('all')) return [...probes];
  for (const it of items) {
    if (!probes.some((p) => p.id === it || p.id.startsWith(`${it}.`)))
      throw new UsageError(
        `unknown probe or family ${JSON.stringify(it)}; families: ${PROBE_FAMILIES.join(', ')} (see 'bulwark llm-test list')`,
      );
  }
  return probes.filter((p) => items.some((it) => p.id === it || p.id.startsWith(`${it}.`)));
}

export function isFamily(s: string): s is ProbeFamily {
  return (PROBE_FAMILIES as readonly string[]).includes(s);
}
