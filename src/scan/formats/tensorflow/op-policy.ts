import { KNOWN_TF_OPS } from './tf-op-names.js';

/**
 * What a TensorFlow op can do to the host when the graph runs. Only host-facing ops are listed; every other op in
 * {@link KNOWN_TF_OPS} computes on tensors only.
 */
export type OpCategory =
  /** Calls back into Python in the loading process. */
  | 'python'
  /** Writes (or deletes) files. */
  | 'file-write'
  /** Reads or lists files named by the graph. */
  | 'file-read'
  /** Opens network connections. */
  | 'network'
  /** Checkpoint reads/writes: normal inside the saver subgraph only. */
  | 'checkpoint-io'
  /** Input-pipeline readers (datasets, queue readers). */
  | 'data-reader'
  /** Lookup-table initialisers that read a vocabulary asset: normal unless the path escapes the model. */
  | 'asset-reader'
  /** Terminates the process. */
  | 'process'
  /** Not a TensorFlow op, but named like one that runs commands (a custom kernel). */
  | 'shell-like';

export interface OpPolicy {
  category: OpCategory;
  /** What the op does, for messages. */
  what: string;
  /** Inputs that carry a file path / address (resolved to constants when possible). */
  pathInputs?: number[];
  /** String attribute that carries a path. */
  pathAttr?: string;
}

const P = (category: OpCategory, what: string, pathInputs?: number[], pathAttr?: string): OpPolicy => ({
  category,
  what,
  pathInputs,
  pathAttr,
});

const POLICIES = new Map<string, OpPolicy>([
  ['PyFunc', P('python', 'calls a Python function registered in the loading process')],
  ['PyFuncStateless', P('python', 'calls a Python function registered in the loading process')],
  ['EagerPyFunc', P('python', 'calls a Python function registered in the loading process')],
  ['PyCall', P('python', 'calls Python code')],

  ['WriteFile', P('file-write', 'writes a file', [0])],
  ['DatasetToTFRecord', P('file-write', 'writes a TFRecord file', [1])],
  ['ExperimentalDatasetToTFRecord', P('file-write', 'writes a TFRecord file', [1])],
  ['SaveDataset', P('file-write', 'writes a dataset to a directory', [1])],
  ['SaveDatasetV2', P('file-write', 'writes a dataset to a directory', [1])],
  ['CreateSummaryFileWriter', P('file-write', 'creates event files in a log directory', [1])],
  ['CreateSummaryDbWriter', P('file-write', 'writes an SQLite summary database', [1])],

  ['ReadFile', P('file-read', 'reads a file', [0])],
  ['MatchingFiles', P('file-read', 'lists files matching a pattern', [0])],
  ['ImmutableConst', P('file-read', 'memory-maps a file', undefined, 'memory_region_name')],
  ['LoadAndRemapMatrix', P('file-read', 'reads a checkpoint file', [0])],
  ['GenerateVocabRemapping', P('file-read', 'reads vocabulary files', [0, 1])],

  ['TFRecordDataset', P('data-reader', 'reads TFRecord files', [0])],
  ['TextLineDataset', P('data-reader', 'reads text files', [0])],
  ['FixedLengthRecordDataset', P('data-reader', 'reads record files', [0])],
  ['FixedLengthRecordDatasetV2', P('data-reader', 'reads record files', [0])],
  ['CSVDataset', P('data-reader', 'reads CSV files', [0])],
  ['CSVDatasetV2', P('data-reader', 'reads CSV files', [0])],
  ['ExperimentalCSVDataset', P('data-reader', 'reads CSV files', [0])],
  ['LMDBDataset', P('data-reader', 'reads LMDB files', [0])],
  ['ExperimentalLMDBDataset', P('data-reader', 'reads LMDB files', [0])],
  ['MatchingFilesDataset', P('data-reader', 'lists files matching patterns', [0])],
  ['ExperimentalMatchingFilesDataset', P('data-reader', 'lists files matching patterns', [0])],
  ['LoadDataset', P('data-reader', 'reads a saved dataset', [0])],
  ['SnapshotDataset', P('data-reader', 'reads and writes dataset snapshots', [1])],
  ['SnapshotDatasetV2', P('data-reader', 'reads and writes dataset snapshots', [1])],
  ['SnapshotChunkDataset', P('data-reader', 'reads a snapshot chunk file', [0])],
  ['SnapshotDatasetReader', P('data-reader', 'reads snapshot files', [0])],
  ['SqlDataset', P('data-reader', 'queries an SQLite database file', [1])],
  ['ExperimentalSqlDataset', P('data-reader', 'queries an SQLite database file', [1])],
  ['WholeFileReader', P('data-reader', 'reads whole files named by a queue')],
  ['WholeFileReaderV2', P('data-reader', 'reads whole files named by a queue')],
  ['TFRecordReader', P('data-reader', 'reads TFRecord files named by a queue')],
  ['TFRecordReaderV2', P('data-reader', 'reads TFRecord files named by a queue')],
  ['TextLineReader', P('data-reader', 'reads text files named by a queue')],
  ['TextLineReaderV2', P('data-reader', 'reads text files named by a queue')],
  ['FixedLengthRecordReader', P('data-reader', 'reads record files named by a queue')],
  ['FixedLengthRecordReaderV2', P('data-reader', 'reads record files named by a queue')],
  ['LMDBReader', P('data-reader', 'reads LMDB files named by a queue')],
  ['RecordInput', P('data-reader', 'reads record files matching a pattern', undefined, 'file_pattern')],

  ['InitializeTableFromTextFile', P('asset-reader', 'reads a vocabulary file', [1])],
  ['InitializeTableFromTextFileV2', P('asset-reader', 'reads a vocabulary file', [1])],
  ['FixedUnigramCandidateSampler', P('asset-reader', 'reads a vocabulary file', undefined, 'vocab_file')],

  ['DataServiceDataset', P('network', 'connects to a tf.data service address', [2])],
  ['DataServiceDatasetV2', P('network', 'connects to a tf.data service address', [2])],
  ['DataServiceDatasetV3', P('network', 'connects to a tf.data service address', [2])],
  ['DataServiceDatasetV4', P('network', 'connects to a tf.data service address', [2])],
  ['RegisterDataset', P('network', 'sends a dataset to a tf.data service address', [1])],
  ['RegisterDatasetV2', P('network', 'sends a dataset to a tf.data service address', [1])],
  ['DistributedSave', P('network', 'sends a dataset to a tf.data service address and writes it', [1, 2])],

  ['SaveV2', P('checkpoint-io', 'writes checkpoint files', [0])],
  ['Save', P('checkpoint-io', 'writes checkpoint files', [0])],
  ['SaveSlices', P('checkpoint-io', 'writes checkpoint files', [0])],
  ['RestoreV2', P('checkpoint-io', 'reads checkpoint files', [0])],
  ['Restore', P('checkpoint-io', 'reads checkpoint files', [0])],
  ['RestoreSlice', P('checkpoint-io', 'reads checkpoint files', [0])],
  ['MergeV2Checkpoints', P('checkpoint-io', 'merges checkpoint files and deletes the originals', [0, 1])],

  ['Abort', P('process', 'terminates the process')],
]);

/** Ops that are host-facing only with some attribute values; see {@link conditionalPolicy}. */
export const CONDITIONAL_OPS = new Set([
  'PrintV2',
  'DebugIdentity',
  'DebugIdentityV2',
  'DebugIdentityV3',
  'DebugNanCount',
  'DebugNumericSummary',
  'DecodeProtoV2',
  'EncodeProto',
  'CacheDataset',
  'CacheDatasetV2',
]);

/** Attribute names whose string values the analysis needs, per op. */
export const ATTRS_OF_INTEREST: Record<string, string[]> = {
  PrintV2: ['output_stream'],
  DebugIdentity: ['debug_urls'],
  DebugIdentityV2: ['debug_urls'],
  DebugIdentityV3: ['debug_urls'],
  DebugNanCount: ['debug_urls'],
  DebugNumericSummary: ['debug_urls'],
  DecodeProtoV2: ['descriptor_source'],
  EncodeProto: ['descriptor_source'],
  ImmutableConst: ['memory_region_name'],
  RecordInput: ['file_pattern'],
  FixedUnigramCandidateSampler: ['vocab_file'],
  PyFunc: ['token'],
  PyFuncStateless: ['token'],
  EagerPyFunc: ['token'],
};

const SHELL_LIKE = /(shell|popen|subprocess|spawn|system(?!atic)|exec(?!utor)|execute|command|eval)/i;

/** The policy of a plain op name (no attribute values), or undefined for a pure tensor op. */
export function opPolicy(op: string): OpPolicy | undefined {
  const p = POLICIES.get(op);
  if (p) return p;
  if (!KNOWN_TF_OPS.has(op) && SHELL_LIKE.test(op))
    return P('shell-like', 'is a custom op whose name says it runs commands');
  return undefined;
}

/**
 * The policy of a conditional op given its string attributes and resolved constant inputs: PrintV2 to a file,
 * debug ops with file:// or grpc:// URLs, proto codecs reading descriptors from files, dataset caches on disk.
 */
export function conditionalPolicy(
  op: string,
  attrs: Map<string, string[]>,
  constInput: (index: number) => string[] | undefined,
): (OpPolicy & { detail?: string }) | undefined {
  switch (op) {
    case 'PrintV2': {
      const stream = attrs.get('output_stream')?.[0] ?? '';
      if (stream.startsWith('file://'))
        return { ...P('file-write', 'prints tensors into a file'), detail: stream };
      return undefined;
    }
    case 'DebugIdentity':
    case 'DebugIdentityV2':
    case 'DebugIdentityV3':
    case 'DebugNanCount':
    case 'DebugNumericSummary': {
      const urls = attrs.get('debug_urls') ?? [];
      const net = urls.find((u) => /^grpc:\/\//i.test(u));
      if (net) return { ...P('network', 'streams tensors to a debug server'), detail: net };
      const file = urls.find((u) => /^file:\/\//i.test(u));
      if (file) return { ...P('file-write', 'dumps tensors into files'), detail: file };
      return undefined;
    }
    case 'DecodeProtoV2':
    case 'EncodeProto': {
      const src = attrs.get('descriptor_source')?.[0] ?? 'local://';
      if (src === 'local://' || src === '' || src.startsWith('bytes://')) return undefined;
      return { ...P('file-read', 'reads a protobuf descriptor file'), detail: src };
    }
    case 'CacheDataset':
    case 'CacheDatasetV2': {
      const name = constInput(1)?.[0];
      if (name) return { ...P('file-write', 'caches a dataset in files'), detail: name };
      return undefined;
    }
  }
  return undefined;
}

/** Checkpoint ops are normal inside TensorFlow's saver functions and saver name scopes. */
export function isSaverFunction(name: string): boolean {
  return /^__inference_(?:_traced_)?(?:save|restore)(?:_fn)?_\d+$/.test(name);
}

export function isSaverScopeNode(node: string, saverScopes: Iterable<string>): boolean {
  if (/^save(?:_\d+)?\//.test(node) || /^saver(?:_\d+)?\//.test(node)) return true;
  for (const s of saverScopes) if (s && node.startsWith(s)) return true;
  return false;
}

/**
 * Whether a file path named inside a model escapes the model: absolute, drive-letter or UNC paths, URLs, or `..`
 * segments that climb above the starting directory after normalisation (nested `a/../../` included). Both `/`
 * and `\` separate segments (a model may be loaded on Windows).
 */
export function unsafePath(p: string): 'absolute' | 'url' | 'traversal' | 'nul' | undefined {
  if (p.includes('\0')) return 'nul';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) return 'url';
  if (/^[\\/]/.test(p) || /^[a-z]:/i.test(p)) return 'absolute';
  let depth = 0;
  for (const seg of p.split(/[\\/]+/)) {
    if (seg === '..') {
      depth--;
      if (depth < 0) return 'traversal';
    } else if (seg !== '.' && seg !== '') depth++;
  }
  return undefined;
}
