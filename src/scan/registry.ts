import { compressedScanner } from './formats/compressed-scanner.js';
import { numpyScanner } from './formats/numpy.js';
import { sevenZipScanner, tarScanner } from './formats/tar-7z-scanners.js';
import { zipScanner } from './formats/zip-scanner.js';
import { pickleScanner } from './pickle/scanner.js';
import type { FormatScanner } from './types.js';

/** Every format scanner, chosen per file by content sniffing (highest score wins). */
export const SCANNERS: readonly FormatScanner[] = [
  zipScanner,
  sevenZipScanner,
  numpyScanner,
  compressedScanner,
  tarScanner,
  pickleScanner,
];

/** Combined analyzer versions: a cache key for scan results. */
export const SCANNER_VERSION = SCANNERS.map((s) => `${s.id}@${s.version}`).join(',');
