import type { ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import {
  FMT_ENTITY_EXPANSION,
  FMT_EXTERNAL_REF,
  FMT_MALFORMED,
  FMT_OPENVINO_CUSTOM,
  FMT_XINCLUDE,
  FMT_XXE,
} from './rules.js';
import { XmlError, tokenizeXml, type Doctype } from './xml.js';

/** XML text tokenized in full; beyond it only the prolog, root and raw markers are checked. */
const MAX_XML_BYTES = 64 * 1024 * 1024;
const XINCLUDE_NS = 'http://www.w3.org/2001/XInclude';
/** Operation sets that ship with OpenVINO (everything else needs an extension library). */
const OPENVINO_INTERNAL_OPSETS = new Set([
  'ie_internal_opset',
  'internal',
  'type_relaxed_opset',
  'experimental',
]);

function headText(head: Uint8Array): string {
  let t = Buffer.from(head).toString('utf8');
  if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
  return t;
}

type XmlKind = 'pmml' | 'openvino-ir' | 'xml';

function sniffKind(head: Uint8Array): { kind: XmlKind; score: number } | undefined {
  const t = headText(head);
  if (!/^\s*</.test(t)) return undefined;
  if (!/^\s*<(?:\?xml|!--|!DOCTYPE|[A-Za-z_])/.test(t)) return undefined;
  if (/<(?:[\w.-]+:)?PMML[\s>]/.test(t)) return { kind: 'pmml', score: 60 };
  if (
    /<net\s[^>]*\bversion\s*=\s*["']\d+["']/.test(t) ||
    /<net\s[^>]*\bname\s*=[^>]*>\s*<layers[\s>]/.test(t)
  )
    return { kind: 'openvino-ir', score: 60 };
  if (
    /<!DOCTYPE[\s\S]*?<!ENTITY/.test(t) ||
    /<!DOCTYPE\s+[\w:.-]+\s+(?:SYSTEM|PUBLIC)\s/.test(t) ||
    t.includes(XINCLUDE_NS)
  )
    return { kind: 'xml', score: 25 };
  return undefined;
}

export const xmlModelScanner: FormatScanner = {
  id: 'xml-model',
  version: '1',
  sniff(input: SniffInput): number {
    return sniffKind(input.head)?.score ?? 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    const head = await source.read(0, 4096);
    const sniffed = sniffKind(head);
    let kind: XmlKind = sniffed?.kind ?? 'xml';
    const truncated = source.size > MAX_XML_BYTES;
    const text = Buffer.from(await source.read(0, Math.min(source.size, MAX_XML_BYTES))).toString('utf8');
    let rootName: string | undefined;
    const layerTypes = new Map<string, number>();
    const custom = new Map<string, { type: string; version: string; layer: string }>();
    const externalRefs: { element: string; attribute: string; value: string }[] = [];
    let xinclude = false;
    let doctype: Doctype | undefined;
    let inLayer: string | undefined;
    let rtInfoDepth = -1;
    let events = 0;
    try {
      for (const ev of tokenizeXml(text)) {
        if ((++events & 0xffff) === 0) ctx.checkDeadline();
        if (ev.type === 'doctype') {
          doctype = ev.doctype;
          continue;
        }
        if (ev.type === 'end') {
          if (ev.name === 'layer') inLayer = undefined;
          if (ev.name === 'rt_info') rtInfoDepth = -1;
          continue;
        }
        if (ev.type !== 'start') continue;
        for (const [k, v] of ev.attrs)
          if ((k === 'xmlns' || k.startsWith('xmlns:')) && v.trim() === XINCLUDE_NS) xinclude = true;
        if (ev.depth === 0) {
          rootName = ev.name;
          const local = ev.name.includes(':') ? ev.name.slice(ev.name.indexOf(':') + 1) : ev.name;
          if (local === 'PMML') kind = 'pmml';
          else if (ev.name === 'net') kind = 'openvino-ir';
          else kind = 'xml';
        }
        if (kind !== 'openvino-ir') continue;
        if (ev.name === 'layer') {
          const a = Object.fromEntries(ev.attrs);
          const type = a.type ?? '?';
          layerTypes.set(type, (layerTypes.get(type) ?? 0) + 1);
          inLayer = a.name ?? a.id ?? '?';
          const version = a.version;
          if (
            version !== undefined &&
            !/^opset\d+$/.test(version) &&
            !OPENVINO_INTERNAL_OPSETS.has(version)
          ) {
            const key = `${version}::${type}`;
            if (!custom.has(key) && custom.size < 200) custom.set(key, { type, version, layer: inLayer });
          }
        } else {
          if (ev.name === 'rt_info' && !ev.selfClosing && rtInfoDepth < 0) rtInfoDepth = ev.depth;
          if (inLayer === undefined && rtInfoDepth < 0) continue;
          for (const [k, v] of ev.attrs) {
            if (k === 'name' || k === 'id') continue;
            if (isExternalRef(v) && externalRefs.length < 50)
              externalRefs.push({ element: ev.name, attribute: k, value: v.slice(0, 300) });
          }
        }
      }
    } catch (err) {
      if (!(err instanceof XmlError)) throw err;
      // A document cut at the size bound ends mid-element: that is expected, not malformed.
      if (!(truncated && err.position >= text.length - 65536)) {
        ctx.addFormat(kind);
        reportDoctype(ctx, doctype);
        ctx.report(FMT_MALFORMED, {
          message: `${label(kind)} is not well-formed XML: ${err.message}`,
          offset: err.position,
        });
        return;
      }
    }
    ctx.addFormat(kind);
    if (truncated) {
      // Markers anywhere in the rest of the file (XInclude can appear in any element).
      const rest = await scanRest(source, MAX_XML_BYTES, ctx);
      if (rest.xinclude) xinclude = true;
      if (rest.doctype)
        ctx.report(FMT_MALFORMED, {
          message: `${label(kind)} has a DOCTYPE or ENTITY declaration after the root element started`,
        });
    }
    reportDoctype(ctx, doctype);
    if (xinclude)
      ctx.report(FMT_XINCLUDE, {
        message: `${label(kind)} declares the XInclude namespace; XInclude-aware parsers pull in other files or URLs`,
        evidence: { namespace: XINCLUDE_NS },
      });
    if (kind === 'openvino-ir') {
      for (const c of custom.values())
        ctx.report(FMT_OPENVINO_CUSTOM, {
          message: `layer ${JSON.stringify(c.layer)} uses operation ${c.type} from non-standard opset ${JSON.stringify(c.version)} (needs an extension library)`,
          evidence: c,
        });
      for (const r of externalRefs)
        ctx.report(FMT_EXTERNAL_REF, {
          message: `OpenVINO ${r.element} attribute ${r.attribute} references ${JSON.stringify(r.value)}`,
          evidence: r,
        });
      if (truncated)
        ctx.report(FMT_MALFORMED, {
          message: `OpenVINO IR larger than ${MAX_XML_BYTES} bytes: layers after that point were not checked`,
          evidence: { limit: MAX_XML_BYTES },
        });
      ctx.addAnalysis(
        `openvino-ir:${[...layerTypes.values()].reduce((a, b) => a + b, 0)} layers, ${layerTypes.size} operation types`,
      );
    }
    ctx.addAnalysis(`xml-security${rootName ? `:<${rootName}>` : ''}`);
  },
};

function label(kind: XmlKind): string {
  return kind === 'pmml' ? 'PMML document' : kind === 'openvino-ir' ? 'OpenVINO IR' : 'XML document';
}

function isExternalRef(v: string): boolean {
  const t = v.trim();
  if (/^(?:https?|ftp|file|smb|s3|gs):\/\//i.test(t)) return true;
  if (/(?:^|[\\/])\.\.(?:[\\/]|$)/.test(t)) return true;
  return /^(?:[A-Za-z]:\\|\\\\|\/(?:etc|root|home|tmp|var|usr|proc|dev)\/)/.test(t);
}

function reportDoctype(ctx: ScanContext, dt: Doctype | undefined): void {
  if (!dt) return;
  if (dt.system !== undefined)
    ctx.report(FMT_XXE, {
      message: `DOCTYPE loads an external DTD ${JSON.stringify(dt.system.slice(0, 200))}`,
      evidence: { root: dt.root, system: dt.system.slice(0, 500), public: dt.public?.slice(0, 200) },
    });
  const external = dt.entities.filter((e) => e.system !== undefined || e.public !== undefined);
  if (external.length)
    ctx.report(FMT_XXE, {
      message: `DOCTYPE declares external ${external.length === 1 ? 'entity' : 'entities'} ${external
        .slice(0, 5)
        .map(
          (e) =>
            `${e.parameter ? '%' : ''}${e.name} → ${JSON.stringify((e.system ?? e.public ?? '').slice(0, 120))}`,
        )
        .join(', ')}`,
      evidence: {
        entities: external.slice(0, 50).map((e) => ({
          name: e.name,
          parameter: e.parameter,
          system: e.system?.slice(0, 500),
          public: e.public?.slice(0, 200),
        })),
      },
    });
  const nested = dt.entities.filter((e) => e.value !== undefined && /[&%][A-Za-z_:][\w.:-]*;/.test(e.value));
  if (nested.length || dt.entities.length > 50)
    ctx.report(FMT_ENTITY_EXPANSION, {
      message: `DOCTYPE declares ${dt.entities.length} entities${nested.length ? `, ${nested.length} referencing other entities (exponential expansion)` : ''}`,
      evidence: { entities: dt.entities.length, nested: nested.slice(0, 10).map((e) => e.name) },
    });
}

/** Searches bytes after the tokenized prefix for XInclude and DTD markers (chunked, with overlap). */
async function scanRest(
  source: ByteSource,
  from: number,
  ctx: ScanContext,
): Promise<{ xinclude: boolean; doctype: boolean }> {
  const out = { xinclude: false, doctype: false };
  const overlap = 64;
  let carry = '';
  for await (const chunk of source.stream(from, source.size - from, 4 * 1024 * 1024)) {
    ctx.checkDeadline();
    const t = carry + Buffer.from(chunk).toString('latin1');
    if (t.includes(XINCLUDE_NS)) out.xinclude = true;
    if (t.includes('<!DOCTYPE') || t.includes('<!ENTITY')) out.doctype = true;
    carry = t.slice(-overlap);
  }
  return out;
}
