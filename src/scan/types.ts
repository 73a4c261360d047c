import type { Finding, Location } from '../core/finding.js';
import type { Limits } from '../core/limits.js';
import type { RuleMeta, FindingInit } from '../core/rules.js';
import type { Verdict } from '../core/verdict.js';
import type { ByteSource } from './source.js';
import type { PicklePolicy } from './pickle/policy.js';

/** What the engine tells a format scanner about the bytes it is offered. */
export interface SniffInput {
  /** The first bytes of the content (up to 4 KiB). */
  head: Uint8Array;
  /** The last bytes of the content (up to 64 KiB + 22: a ZIP end record with its comment), or the head for small content. */
  tail?: Uint8Array;
  size: number;
  /** File or member name, for tie-breaking only: never the sole reason to pick a scanner. */
  name: string;
}

/** Shared budget of one top-level file: decompressed bytes, deadline. */
export interface Budget {
  decompressed: number;
  readonly deadline: number;
}

/** Everything a format scanner may use while analysing one piece of content. */
export interface ScanContext {
  readonly limits: Limits;
  readonly policy: PicklePolicy;
  /** Where this content is: file and path inside containers. */
  readonly location: Location;
  /** Container nesting depth of this content (0 = a file on disk). */
  readonly depth: number;
  /** Absolute path on disk of the content, when it is a file itself (depth 0, not an in-memory scan). */
  readonly diskPath?: string;
  readonly budget: Budget;
  /** Record a finding of `rule` at this content (offset optional). */
  report(
    rule: RuleMeta,
    init: Omit<FindingInit, 'location'> & { offset?: number; inner?: string[] },
  ): Finding;
  /** Record a format this content was recognised as (e.g. "zip", "pytorch-zip"). */
  addFormat(format: string): void;
  /** Record an analysis that ran to completion (e.g. "pickle-vm"). */
  addAnalysis(analysis: string): void;
  /** Analyse a member of this container: sniffed and dispatched like a file. */
  scanMember(
    name: string,
    source: ByteSource,
    opts?: { format?: string; policy?: PicklePolicy },
  ): Promise<MemberOutcome>;
  /** Throws LimitError if the deadline passed. */
  checkDeadline(): void;
}

export interface MemberOutcome {
  verdict: Verdict;
  formats: string[];
  skipped?: string;
}

/** A format scanner plugin. Chosen by content sniffing, never by file extension alone. */
export interface FormatScanner {
  /** Stable id, e.g. "pickle", "zip", "numpy". */
  readonly id: string;
  /** Analyzer version; part of cache keys; bump when results can change. */
  readonly version: string;
  /** Higher wins. 0 means "not mine". */
  sniff(input: SniffInput): number;
  /** Optional second look with random access, for formats whose signature may lie beyond the head. */
  deepSniff?(source: ByteSource, input: SniffInput): Promise<number>;
  /**
   * Formats that legitimately share this format's bytes (e.g. TFLite models carry their associated files as a ZIP
   * appended after the FlatBuffer). They are still analysed, but not reported as a polyglot.
   */
  readonly embeds?: readonly string[];
  scan(source: ByteSource, ctx: ScanContext): Promise<void>;
}

/** Per-member summary inside a container. */
export interface MemberResult {
  inner: string[];
  formats: string[];
  verdict: Verdict;
  skipped?: string;
}

/** Result of scanning one file on disk. */
export interface FileResult {
  path: string;
  size: number;
  verdict: Verdict;
  /** Formats recognised, outermost first. */
  formats: string[];
  /** Analyses that ran to completion. */
  analyses: string[];
  findings: Finding[];
  /** Set when no analyser applied: why the file was skipped. */
  skipped?: string;
  members?: MemberResult[];
  bytesRead: number;
  durationMs: number;
}

export interface ScanSummary {
  files: number;
  clean: number;
  suspicious: number;
  malicious: number;
  inconclusive: number;
  skipped: number;
  findings: Record<string, number>;
}

export interface ScanReport {
  schemaVersion: '1.0';
  tool: { name: 'bulwark'; version: string };
  startedAt: string;
  durationMs: number;
  summary: ScanSummary;
  files: FileResult[];
}

/** Progress events for long scans (a TTY progress display listens to these). */
export type ScanProgress =
  | { type: 'discovered'; files: number; bytes: number }
  | { type: 'file-start'; path: string; size: number }
  | { type: 'file-done'; path: string; verdict: Verdict; bytesRead: number };

export interface ScanOptions {
  /** Glob patterns (picomatch, matched against the path relative to each scanned directory); when given, only matching files are scanned. */
  include?: string[];
  /** Glob patterns of files to leave out (listed as skipped with reason "excluded"). */
  exclude?: string[];
  limits?: Partial<Limits>;
  /** Extra allow/deny entries for pickle globals (from bulwark.yaml). */
  policy?: import('./pickle/policy.js').PolicyExtension;
  /** Files scanned concurrently (default: the number of cores). */
  concurrency?: number;
  /** Worker threads: true always, false never, unset when there are several large files (needs the built package). */
  workers?: boolean;
  /** Heap limit of each worker thread in MB (default 4096): a file that exhausts it is inconclusive. */
  workerMemoryMb?: number;
  onProgress?: (event: ScanProgress) => void;
}
