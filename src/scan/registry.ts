import { numpyScanner } from './formats/numpy.js';
import { pickleScanner } from './pickle/scanner.js';
import type { FormatScanner } from './types.js';

/** Every format scanner, chosen per file by content sniffing (highest score wins). */
export const SCANNERS: readonly FormatScanner[] = [numpyScanner, pickleScanner];

/** Combined analyzer versions: a cache key for scan results. */
export const SCANNER_VERSION = SCANNERS.map((s) => `${s.id}@${s.version}`).join(',');
