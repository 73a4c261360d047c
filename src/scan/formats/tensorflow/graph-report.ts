import type { RuleMeta } from '../../../core/rules.js';
import type { Severity } from '../../../core/severity.js';
import type { ScanContext } from '../../types.js';
import { inputNode, type GraphCollector, type OpHit } from './graph-walk.js';
import {
  conditionalPolicy,
  CONDITIONAL_OPS,
  isSaverFunction,
  isSaverScopeNode,
  opPolicy,
  unsafePath,
  type OpPolicy,
} from './op-policy.js';
import {
  TF_CHECKPOINT_IO,
  TF_DATA_READER,
  TF_FILE_READ_OP,
  TF_FILE_WRITE_OP,
  TF_INVENTORY,
  TF_NETWORK_OP,
  TF_PROCESS_OP,
  TF_PYTHON_OP,
  TF_SHELL_OP,
  TF_UNKNOWN_OP,
  TF_UNSAFE_ASSET_PATH,
} from './rules.js';
import { KNOWN_TF_OPS } from './tf-op-names.js';

const MAX_EXAMPLES = 20;
const MAX_UNKNOWN_FINDINGS = 50;

interface Group {
  rule: RuleMeta;
  op: string;
  what: string;
  severity?: Severity;
  impact?: 'malicious' | 'suspicious';
  confidence?: 'high' | 'medium';
  count: number;
  examples: Record<string, unknown>[];
}

/** A host-facing op decided for one node (shared with the TFLite Flex analysis). */
export interface OpVerdict {
  rule: RuleMeta;
  policy: OpPolicy;
  severity?: Severity;
  impact?: 'malicious' | 'suspicious';
  confidence?: 'high' | 'medium';
  paths: string[];
  detail?: string;
}

/**
 * Decides what a node does to the host, from its op, string attributes and constant inputs. `inSaver` says whether
 * the node lies in TensorFlow's saver subgraph (checkpoint ops are normal there).
 */
export function judgeOp(
  op: string,
  attrs: Map<string, string[]>,
  constInput: (index: number) => string[] | undefined,
  inSaver: boolean,
): OpVerdict | undefined {
  let policy: (OpPolicy & { detail?: string }) | undefined = opPolicy(op);
  if (!policy && CONDITIONAL_OPS.has(op)) policy = conditionalPolicy(op, attrs, constInput);
  if (!policy) return undefined;
  const paths: string[] = [];
  for (const i of policy.pathInputs ?? []) for (const p of constInput(i) ?? []) paths.push(p);
  if (policy.pathAttr) for (const p of attrs.get(policy.pathAttr) ?? []) if (p) paths.push(p);
  const detail = policy.detail;
  switch (policy.category) {
    case 'python':
      return { rule: TF_PYTHON_OP, policy, paths, detail };
    case 'file-write':
      return { rule: TF_FILE_WRITE_OP, policy, paths, detail };
    case 'file-read':
      return { rule: TF_FILE_READ_OP, policy, paths, detail };
    case 'network':
      return { rule: TF_NETWORK_OP, policy, paths, detail };
    case 'data-reader':
      return { rule: TF_DATA_READER, policy, paths, detail };
    case 'process':
      return { rule: TF_PROCESS_OP, policy, paths, detail };
    case 'shell-like':
      return { rule: TF_SHELL_OP, policy, paths, detail };
    case 'asset-reader': {
      const bad = paths.filter((p) => unsafePath(p));
      if (!bad.length) return undefined;
      return { rule: TF_UNSAFE_ASSET_PATH, policy, paths: bad, detail };
    }
    case 'checkpoint-io': {
      if (paths.some((p) => unsafePath(p)))
        return {
          rule: TF_CHECKPOINT_IO,
          policy,
          paths,
          detail,
          severity: 'high',
          impact: 'malicious',
          confidence: 'high',
        };
      if (inSaver) return undefined;
      if (paths.length)
        return {
          rule: TF_CHECKPOINT_IO,
          policy,
          paths,
          detail,
          severity: 'high',
          impact: 'malicious',
          confidence: 'high',
        };
      return { rule: TF_CHECKPOINT_IO, policy, paths, detail };
    }
  }
}

function constResolver(hit: OpHit): (index: number) => string[] | undefined {
  return (index) => {
    const input = hit.inputs[index];
    if (input === undefined || input.startsWith('^')) return undefined;
    const node = inputNode(input);
    // An asset tensor is fed with the asset's path inside the model, not with its constant value.
    const asset = hit.scope.assetTensors.get(node);
    if (asset !== undefined) return [`assets/${asset}`];
    return hit.scope.consts.get(node);
  };
}

function inSaver(hit: OpHit): boolean {
  return hit.scope.kind === 'function'
    ? isSaverFunction(hit.scope.name)
    : isSaverScopeNode(hit.node, hit.scope.saverScopes);
}

/** Reports the host-facing ops, unknown ops, unsafe asset paths and the inventory of collected graphs. */
export function reportGraph(ctx: ScanContext, gc: GraphCollector, what: string): void {
  const groups = new Map<string, Group>();
  for (const hit of gc.hits) {
    const v = judgeOp(hit.op, hit.attrs, constResolver(hit), inSaver(hit));
    if (!v) continue;
    const key = `${v.rule.id}|${hit.op}|${v.severity ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        rule: v.rule,
        op: hit.op,
        what: v.policy.what,
        severity: v.severity,
        impact: v.impact,
        confidence: v.confidence,
        count: 0,
        examples: [],
      };
      groups.set(key, g);
    }
    g.count++;
    if (g.examples.length < MAX_EXAMPLES) {
      const ex: Record<string, unknown> = { [hit.scope.kind]: hit.scope.name, node: hit.node };
      if (v.paths.length) ex.paths = v.paths.slice(0, 4);
      if (v.detail) ex.detail = v.detail;
      const token = hit.attrs.get('token')?.[0];
      if (token) ex.token = token;
      g.examples.push(ex);
    }
  }
  // Nodes beyond the detailed cap: judged by op name only (conservatively outside the saver).
  for (const [op, d] of gc.droppedOps) {
    const v = judgeOp(op, new Map(), () => undefined, false);
    if (!v) continue;
    const key = `${v.rule.id}|${op}|${v.severity ?? ''}`;
    const g = groups.get(key);
    if (g) g.count += d.count;
    else
      groups.set(key, {
        rule: v.rule,
        op,
        what: v.policy.what,
        severity: v.severity,
        impact: v.impact,
        confidence: v.confidence,
        count: d.count,
        examples: [{ [d.scope.kind]: d.scope.name, node: d.node, note: 'judged by op name only' }],
      });
  }
  for (const g of groups.values()) reportGroup(ctx, g, what);

  for (const a of gc.assetFiles) {
    const kind = unsafePath(a);
    if (kind)
      ctx.report(TF_UNSAFE_ASSET_PATH, {
        message: `${what}: asset file name ${JSON.stringify(a.slice(0, 200))} is ${describePath(kind)}; loading reads that host file`,
        evidence: { asset: a.slice(0, 1024), kind },
      });
  }

  let unknownReported = 0;
  let unknownMore = 0;
  for (const [op, count] of gc.ops) {
    if (KNOWN_TF_OPS.has(op) || gc.functionNames.has(op)) continue;
    if (opPolicy(op)?.category === 'shell-like') continue;
    if (unknownReported >= MAX_UNKNOWN_FINDINGS) {
      unknownMore++;
      continue;
    }
    unknownReported++;
    const shown = op === '' ? '(empty op name)' : JSON.stringify(op.slice(0, 200));
    ctx.report(TF_UNKNOWN_OP, {
      message: `${what}: op ${shown} is not a TensorFlow op and needs a custom kernel library (${count} node${count === 1 ? '' : 's'}, first in ${gc.firstUse.get(op) ?? '?'})`,
      evidence: { op, count, firstUse: gc.firstUse.get(op) },
    });
  }
  if (unknownMore)
    ctx.report(TF_UNKNOWN_OP, {
      message: `${what}: ${unknownMore} more ops are not TensorFlow ops (not listed individually)`,
      evidence: { more: unknownMore },
    });

  const ops = [...gc.ops].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const evidence: Record<string, unknown> = {
    graphs: gc.graphs,
    functions: gc.functions,
    nodes: gc.nodes,
    ops: Object.fromEntries(ops.slice(0, 400)),
  };
  if (ops.length > 400) evidence.opsNotListed = ops.length - 400;
  if (gc.tags.length) evidence.tags = gc.tags;
  if (gc.tfVersion) evidence.tensorflowVersion = gc.tfVersion;
  if (gc.hitsDropped) evidence.hostFacingNodesNotListed = gc.hitsDropped;
  ctx.report(TF_INVENTORY, {
    message: `${what}: ${gc.graphs} graph${gc.graphs === 1 ? '' : 's'}, ${gc.functions} function${gc.functions === 1 ? '' : 's'}, ${gc.nodes} node${gc.nodes === 1 ? '' : 's'}, ${gc.ops.size} distinct op${gc.ops.size === 1 ? '' : 's'}`,
    evidence,
  });
}

function reportGroup(ctx: ScanContext, g: Group, what: string): void {
  const first = g.examples[0] ?? {};
  const where =
    first.function !== undefined ? `function ${String(first.function)}` : `graph ${String(first.graph)}`;
  const path =
    Array.isArray(first.paths) && first.paths.length
      ? ` on ${JSON.stringify(String(first.paths[0]).slice(0, 200))}`
      : '';
  const detail = first.detail ? ` (${String(first.detail).slice(0, 200)})` : '';
  const more = g.count > 1 ? ` and ${g.count - 1} more node${g.count === 2 ? '' : 's'}` : '';
  ctx.report(g.rule, {
    message: `${what}: op ${g.op} ${g.what}${path}${detail} — ${where}, node ${JSON.stringify(String(first.node ?? ''))}${more}`,
    severity: g.severity,
    impact: g.impact,
    confidence: g.confidence,
    evidence: { op: g.op, count: g.count, nodes: g.examples },
  });
}

export function describePath(kind: string): string {
  switch (kind) {
    case 'absolute':
      return 'an absolute path';
    case 'url':
      return 'a URL';
    case 'traversal':
      return 'a path that climbs out of the model directory';
    case 'nul':
      return 'a path with a NUL byte';
  }
  return 'an unsafe path';
}
