/** Small helpers shared by the container and compression readers. */

/** Unsigned little-endian 32-bit integer at `at` (the caller has checked the bounds). */
export function readU32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/** Adds `item` to an anomaly list unless it is already there. */
export function pushOnce(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}
