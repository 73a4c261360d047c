import { isPrintable, parseHead, WIRE_LEN, WIRE_VARINT, type HeadField } from '../protobuf/wire.js';

/** The TensorFlow files recognised by content (plus data shards, which only have a name). */
export type TfKind =
  | 'saved-model'
  | 'meta-graph'
  | 'graph-def'
  | 'keras-metadata'
  | 'fingerprint'
  | 'bundle-index'
  | 'bundle-data';

export interface TfDetection {
  kind: TfKind;
  score: number;
}

const IDENT = /^[A-Za-z_>][A-Za-z0-9_>./-]*$/;

function text(f: HeadField | undefined): string | undefined {
  if (!f || f.wire !== WIRE_LEN || !f.payload) return undefined;
  if (!isPrintable(f.payload)) return undefined;
  return Buffer.from(f.payload).toString('utf8');
}

/** Fields of a nested message whose start lies in the head; undefined when it is not protobuf. */
function nested(f: HeadField | undefined, size: number): HeadField[] | undefined {
  if (!f || f.wire !== WIRE_LEN || !f.payload) return undefined;
  const p = parseHead(f.payload, 0, f.length, Math.min(size, f.length), 16);
  if (!p.ok) return undefined;
  return p.fields;
}

function looksLikeMetaGraph(fields: HeadField[] | undefined, size: number): boolean {
  if (!fields || !fields.length) return false;
  // MetaGraphDef { 1: MetaInfoDef, 2: GraphDef, 3: SaverDef, 4/5: maps, 6: AssetFileDef, 7: SavedObjectGraph }
  if (!fields.every((f) => f.no >= 1 && f.no <= 7 && f.wire === WIRE_LEN)) return false;
  const first = fields[0];
  if (first.no === 1) return looksLikeMetaInfo(nested(first, size), size);
  if (first.no === 2) return looksLikeGraphDef(nested(first, size), size);
  return true;
}

function looksLikeMetaInfo(fields: HeadField[] | undefined, size: number): boolean {
  if (!fields || !fields.length) return false;
  let evidence = false;
  for (const f of fields) {
    if (f.no === 7 && f.wire === WIRE_VARINT) continue;
    if (f.wire !== WIRE_LEN || f.no < 1 || f.no > 8) return false;
    if (f.no === 2) {
      // stripped_op_list: OpList { 1: OpDef { 1: name } }
      const ops = nested(f, size);
      const op = ops?.[0];
      if (op && op.no === 1 && op.wire === WIRE_LEN) {
        const name = text(nested(op, size)?.[0]);
        if (name !== undefined && IDENT.test(name)) evidence = true;
      }
    } else if (f.no === 4 || f.no === 5) {
      const t = text(f);
      if (t !== undefined && (f.no === 4 || /^\d+\.\d+/.test(t))) evidence = true;
    }
  }
  return evidence;
}

function looksLikeNodeDef(fields: HeadField[] | undefined): boolean {
  if (!fields || fields.length < 2) return false;
  const [a, b] = fields;
  if (a.no !== 1 || b.no !== 2) return false;
  const name = text(a);
  const op = text(b);
  return name !== undefined && name.length > 0 && op !== undefined && op.length > 0 && IDENT.test(op);
}

function looksLikeGraphDef(fields: HeadField[] | undefined, size: number): boolean {
  if (!fields || !fields.length) return false;
  const first = fields[0];
  if (first.no === 1 && first.wire === WIRE_LEN) return looksLikeNodeDef(nested(first, size));
  return false;
}

function looksLikeKerasObject(fields: HeadField[] | undefined): boolean {
  if (!fields || !fields.length) return false;
  let evidence = false;
  for (const f of fields) {
    if (f.no === 2 && f.wire === WIRE_VARINT) continue;
    if (f.wire !== WIRE_LEN || f.no < 1 || f.no > 5) return false;
    const t = f.no >= 3 ? text(f) : undefined;
    if (f.no === 4 && t?.startsWith('_tf_keras')) evidence = true;
    if (f.no === 3 && t === 'root') evidence = true;
    if (f.no === 5 && f.payload && f.payload[0] === 0x7b) evidence = true;
  }
  return evidence;
}

/** Recognises TensorFlow protobuf files by content. `name` only breaks ties and identifies data shards. */
export function detectTf(head: Uint8Array, size: number, name: string): TfDetection | undefined {
  if (size === 0 || head.length === 0) return undefined;
  // TensorBundle index: an SSTable whose first entry has the empty key and a BundleHeaderProto value
  // { 1: num_shards, 2: endianness, 3: VersionDef }.
  if (head.length >= 4 && head[0] === 0 && head[1] === 0 && size >= 48) {
    const len = head[2];
    if (len > 0 && len < 0x80 && head.length >= 3 + len) {
      const p = parseHead(head, 3, 3 + len, 3 + len, 8);
      if (
        p.ok &&
        !p.truncated &&
        p.fields.length > 0 &&
        p.fields.every((f) => (f.no <= 2 && f.wire === WIRE_VARINT) || (f.no === 3 && f.wire === WIRE_LEN))
      )
        return { kind: 'bundle-index', score: 60 };
    }
  }
  const top = parseHead(head, 0, size, size, 24);
  if (top.ok && top.fields.length) {
    const f0 = top.fields[0];
    const f1 = top.fields[1];
    // SavedModel { 1: saved_model_schema_version = 1, 2: repeated MetaGraphDef }
    if (
      f0.no === 1 &&
      f0.wire === WIRE_VARINT &&
      f0.value >= 1 &&
      f0.value <= 16 &&
      f1 &&
      f1.no === 2 &&
      f1.wire === WIRE_LEN &&
      top.fields.slice(1).every((f) => f.no === 2 && f.wire === WIRE_LEN) &&
      looksLikeMetaGraph(nested(f1, size), size)
    )
      return { kind: 'saved-model', score: 75 };
    if (f0.no === 1 && f0.wire === WIRE_LEN) {
      const inner = nested(f0, size);
      if (looksLikeKerasObject(inner) && top.fields.every((f) => f.no === 1 && f.wire === WIRE_LEN))
        return { kind: 'keras-metadata', score: 70 };
      if (looksLikeNodeDef(inner) && top.fields.every((f) => f.no <= 4))
        return { kind: 'graph-def', score: 55 };
      if (
        looksLikeMetaInfo(inner, size) &&
        top.fields.every((f) => f.no >= 1 && f.no <= 7 && f.wire === WIRE_LEN)
      )
        return { kind: 'meta-graph', score: 60 };
    }
    // FingerprintDef { 1..5: uint64 hashes, 6: VersionDef, 7: uuid }: a small file of hashes.
    if (
      size <= 4096 &&
      !top.truncated &&
      top.fields.filter((f) => f.no >= 1 && f.no <= 5 && f.wire === WIRE_VARINT).length >= 3 &&
      top.fields.every(
        (f) => (f.no <= 5 && f.wire === WIRE_VARINT) || (f.no >= 6 && f.no <= 7 && f.wire === WIRE_LEN),
      )
    )
      return { kind: 'fingerprint', score: 25 };
  }
  // TensorBundle data shards are raw tensor bytes: nothing to recognise but the name. The score stays below every
  // content-based scanner, so a pickle or archive named like a shard is still analysed as what it is.
  if (/(^|[\\/])[^\\/]*\.data-\d{5}-of-\d{5}$/.test(name)) return { kind: 'bundle-data', score: 12 };
  return undefined;
}
