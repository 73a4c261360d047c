/**
 * Minimal JSON paths for the policy: dot-separated keys with `[n]` indices and `[*]` wildcards, e.g.
 * `messages[*].content`, `inputs`, `data[0].text`. No filters, no recursion.
 */
export type PathSegment = string | number | '*';

export function parsePath(src: string): PathSegment[] | undefined {
  if (!src || src.length > 256) return undefined;
  const out: PathSegment[] = [];
  const re = /([A-Za-z_$][\w$-]*)|\[(\d{1,6}|\*)\]|(\.)/y;
  let expectKey = true;
  let i = 0;
  while (i < src.length) {
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) return undefined;
    if (m[1] !== undefined) {
      if (!expectKey) return undefined;
      out.push(m[1]);
      expectKey = false;
    } else if (m[2] !== undefined) {
      out.push(m[2] === '*' ? '*' : Number(m[2]));
      expectKey = false;
    } else {
      if (expectKey) return undefined;
      expectKey = true;
    }
    i = re.lastIndex;
  }
  return expectKey || out.length === 0 ? undefined : out;
}

export interface PathHit {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
  value: unknown;
}

/** Every value at `path` in `root` (wildcards expand over arrays and objects). */
export function selectAll(root: unknown, path: readonly PathSegment[]): PathHit[] {
  let frontier: PathHit[] = [{ parent: [root], key: 0, value: root }];
  for (const seg of path) {
    const next: PathHit[] = [];
    for (const h of frontier) {
      const v = h.value;
      if (v === null || typeof v !== 'object') continue;
      if (seg === '*') {
        if (Array.isArray(v)) v.forEach((x, i) => next.push({ parent: v, key: i, value: x }));
        else
          for (const [k, x] of Object.entries(v))
            next.push({ parent: v as Record<string, unknown>, key: k, value: x });
      } else if (typeof seg === 'number') {
        if (Array.isArray(v) && seg < v.length) next.push({ parent: v, key: seg, value: v[seg] });
      } else if (!Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, seg)) {
        next.push({
          parent: v as Record<string, unknown>,
          key: seg,
          value: (v as Record<string, unknown>)[seg],
        });
      }
    }
    frontier = next;
    if (frontier.length > 10_000) frontier = frontier.slice(0, 10_000);
  }
  return frontier;
}

export function setAt(hit: PathHit, value: unknown): void {
  (hit.parent as Record<string | number, unknown>)[hit.key] = value;
}
