/**
 * Pure path-safety helpers for archive members (zip-slip, symlink escapes). No I/O.
 *
 * Both '/' and '\\' count as separators: an archive made on one system is often extracted on another, and
 * Windows extractors treat '\\' as a separator.
 */

export type UnsafePathKind = 'absolute' | 'traversal' | 'drive' | 'nul';

/** A Windows drive prefix: "C:", "C:\\", "C:/" (also "C:relative", which is drive-relative on Windows). */
const DRIVE_RE = /^[A-Za-z]:/;

/** A segment that Windows resolves to "..": two dots followed only by dots and spaces (Windows strips those). */
const DOTDOT_RE = /^\.\.[. ]*$/;

function normaliseSeparators(p: string): string {
  return p.replace(/\\/g, '/');
}

/**
 * Classifies a member path that would land outside the extraction directory, or null when it is safe.
 * - 'nul': the name holds a NUL byte (truncated differently by different tools).
 * - 'drive': a Windows drive prefix ("C:\\x", "C:x").
 * - 'absolute': starts with a separator ("/etc/x", "\\x"), including UNC paths ("\\\\server\\share").
 * - 'traversal': a ".." segment (after normalising separators; ".. " and "..." variants count too).
 */
export function isUnsafeMemberPath(name: string): UnsafePathKind | null {
  if (name.includes('\0')) return 'nul';
  const p = normaliseSeparators(name);
  if (DRIVE_RE.test(p)) return 'drive';
  if (p.startsWith('/')) return 'absolute';
  for (const seg of p.split('/')) {
    if (DOTDOT_RE.test(seg)) return 'traversal';
  }
  return null;
}

/**
 * True when a symlink stored as `memberName` with target `target` points outside the extraction root
 * (absolute target, drive or UNC target, NUL byte, or more ".." than the link's own depth). A member name that
 * itself escapes also counts. Chains of links (a link through another link) are not followed.
 */
export function symlinkEscapes(memberName: string, target: string): boolean {
  if (target.includes('\0') || memberName.includes('\0')) return true;
  const t = normaliseSeparators(target);
  if (t.length === 0) return false;
  if (t.startsWith('/') || DRIVE_RE.test(t)) return true;
  const stack: string[] = [];
  const dirSegs = normaliseSeparators(memberName).split('/');
  dirSegs.pop(); // the link itself
  const walk = (segs: string[]): boolean => {
    for (const seg of segs) {
      if (seg === '' || seg === '.') continue;
      if (DOTDOT_RE.test(seg)) {
        if (stack.length === 0) return true;
        stack.pop();
      } else {
        stack.push(seg);
      }
    }
    return false;
  };
  if (normaliseSeparators(memberName).startsWith('/') || DRIVE_RE.test(memberName)) return true;
  if (walk(dirSegs)) return true;
  return walk(t.split('/'));
}

/** True when a hard link target (relative to the archive root, as in tar) is unsafe. */
export function hardlinkEscapes(target: string): boolean {
  return isUnsafeMemberPath(target) !== null;
}
