/**
 * Static analysis of Python source (custom code of model repositories). Works on the token stream of
 * python-tokenizer.ts: resolves imports and aliases, follows simple assignments, evaluates constant strings and
 * decodes encoded literals, then classifies every call and reference. Nothing is ever executed.
 */
import { inflateSync } from 'node:zlib';
import type { Confidence, Impact } from '../../../core/finding.js';
import type { RuleMeta } from '../../../core/rules.js';
import type { Severity } from '../../../core/severity.js';
import {
  classifyUrl,
  credentialLocation,
  extractUrls,
  hostileCommands,
  isIpAddress,
  isKnownInstaller,
  isSecretEnvName,
  persistenceLocation,
  preview,
} from './indicators.js';
import { tokenizePython, type PyToken } from './python-tokenizer.js';
import * as R from './rules.js';

export interface PyObservation {
  rule: RuleMeta;
  message: string;
  line: number;
  /** Character offset in the analysed source. */
  pos: number;
  severity?: Severity;
  impact?: Impact;
  confidence?: Confidence;
  evidence: Record<string, unknown>;
}

export interface PyAnalysis {
  observations: PyObservation[];
  /** Analysis stopped at the token limit. */
  truncated: boolean;
  tokens: number;
  /** Modules imported (normalised), for reporting. */
  imports: string[];
  /** Byte strings decoded from constants and passed to pickle.loads and friends (to analyse as pickles). */
  embeddedPickles: Array<{ line: number; pos: number; data: Uint8Array }>;
}

export interface PyAnalysisOptions {
  maxTokens?: number;
  /** Nesting level of code found inside strings passed to exec (0 for the file). */
  depth?: number;
  /** Work budget shared with nested analyses (characters); created for the top-level call. */
  budget?: WorkBudget;
}

/** Characters of strings that may still be pattern-matched or analysed as nested code, for the whole file. */
export interface WorkBudget {
  nested: number;
  matched: number;
}

type Cat =
  | 'process'
  | 'exec'
  | 'dyn-import'
  | 'network'
  | 'hub'
  | 'decode'
  | 'deser'
  | 'deser-torch'
  | 'deser-numpy'
  | 'deser-yaml'
  | 'remote-code'
  | 'native'
  | 'fsmod'
  | 'tamper'
  | 'hostinfo'
  | 'file-open'
  | 'path-io';

const CATEGORIES: Array<[RegExp, Cat[]]> = [
  [/^os\.(system|popen[234]?|exec[lv]p?e?|spawn[lv]p?e?|posix_spawnp?|fork|forkpty|startfile)$/, ['process']],
  [/^subprocess\.(Popen|call|check_call|check_output|run|getoutput|getstatusoutput)$/, ['process']],
  [/^pty\.(spawn|fork)$/, ['process']],
  [/^platform\.popen$/, ['process']],
  [/^asyncio\.(create_subprocess_exec|create_subprocess_shell)$/, ['process']],
  [/^asyncio\.subprocess\.\w+$/, ['process']],
  [/^pexpect\.(spawn|run|popen_spawn|pxssh)/, ['process']],
  [/^distutils\.spawn\.spawn$/, ['process']],
  [/^builtins\.(exec|eval|compile|execfile)$/, ['exec']],
  [/^types\.(FunctionType|CodeType|LambdaType)$/, ['exec']],
  [/^runpy\.\w+$/, ['exec']],
  [/^code\.(interact|InteractiveConsole|InteractiveInterpreter|compile_command)/, ['exec']],
  [
    /^(timeit\.(timeit|repeat|Timer)|cProfile\.(run|runctx)|profile\.(run|runctx)|pdb\.(run|runeval|runctx|runcall))$/,
    ['exec'],
  ],
  [/^importlib\.\S*\.exec_module$/, ['exec']],
  [
    /^(builtins\.__import__|importlib\.(import_module|__import__|reload)|importlib\.util\.(spec_from_file_location|spec_from_loader)|importlib\.machinery\.(SourceFileLoader|SourcelessFileLoader|ExtensionFileLoader)|imp\.(load_source|load_module|load_compiled|load_dynamic|load_package)|pkgutil\.resolve_name|pydoc\.locate|zipimport\.zipimporter)$/,
    ['dyn-import'],
  ],
  [
    /^(socket\.(gethostname|getfqdn)|platform\.(node|uname)|getpass\.getuser|os\.(getlogin|uname)|uuid\.getnode)$/,
    ['hostinfo'],
  ],
  [
    /^(requests|httpx|aiohttp|urllib3|pycurl|wget|websocket|websockets|paramiko|ftplib|smtplib|telnetlib|poplib|imaplib|nntplib|socketserver)\./,
    ['network'],
  ],
  [/^urllib\.request\./, ['network']],
  [/^urllib\.(urlopen|urlretrieve)$/, ['network']],
  [/^http\.(client|server)\./, ['network']],
  [/^xmlrpc\.(client|server)\./, ['network']],
  [
    /^socket\.(socket|create_connection|create_server|socketpair|fromfd|getaddrinfo|gethostbyname)/,
    ['network'],
  ],
  [/^ssl\.(wrap_socket|create_connection|get_server_certificate)/, ['network']],
  [/^asyncio\.open_connection$/, ['network']],
  [/^webbrowser\./, ['network']],
  [/^dns\.resolver\./, ['network']],
  [/^torch\.hub\.load$/, ['remote-code', 'network']],
  [/^pip\.(main|_internal\.main|_internal\.cli\.main\.main)$/, ['remote-code']],
  [
    /^transformers\.dynamic_module_utils\.(get_class_from_dynamic_module|get_cached_module_file)$/,
    ['remote-code'],
  ],
  [
    /^(huggingface_hub\.(hf_hub_download|snapshot_download|HfApi|hf_hub_url|HfFileSystem|cached_download)|transformers\.utils\.(hub\.)?cached_file|transformers\.file_utils\.cached_path|torch\.hub\.(download_url_to_file|load_state_dict_from_url)|torch\.utils\.model_zoo\.load_url)/,
    ['hub'],
  ],
  [/^marshal\.loads?$/, ['decode', 'deser']],
  [
    /^(base64\.\w*decode\w*|binascii\.(a2b_\w+|unhexlify)|builtins\.(bytes|bytearray)\.fromhex|codecs\.decode|zlib\.decompress|gzip\.decompress|bz2\.decompress|lzma\.decompress|builtins\.chr)$/,
    ['decode'],
  ],
  [/^(pickle|dill|cloudpickle|joblib|shelve|jsonpickle)\.(load|loads|Unpickler|open|decode)$/, ['deser']],
  [/^pandas\.read_pickle$/, ['deser']],
  [/^torch\.(load|serialization\.load)$/, ['deser-torch']],
  [/^numpy\.load$/, ['deser-numpy']],
  [/^yaml\.(load|load_all|unsafe_load|unsafe_load_all|full_load|full_load_all)$/, ['deser-yaml']],
  [
    /^(ctypes\.(CDLL|PyDLL|WinDLL|OleDLL|LibraryLoader|cdll|windll|oledll|pydll|pythonapi|CFUNCTYPE|WINFUNCTYPE|memmove|string_at)|_ctypes\.\w+|cffi\.FFI\(\)\.dlopen|torch\.ops\.load_library|torch\.classes\.load_library|torch\.utils\.cpp_extension\.(load|load_inline))/,
    ['native'],
  ],
  [
    /^(os\.(remove|unlink|rmdir|removedirs|rename|renames|replace|chmod|chown|lchown|truncate|symlink|link)|shutil\.(rmtree|move|copy|copy2|copyfile|copytree|chown|copyfileobj))$/,
    ['fsmod'],
  ],
  [
    /^(sys\.(settrace|setprofile)|sys\.(meta_path|path_hooks)\.(insert|append|extend)|sys\.modules\.(update|__setitem__|setdefault))$/,
    ['tamper'],
  ],
  [/^(builtins\.open|io\.open|codecs\.open|os\.open)$/, ['file-open']],
  [
    /^pathlib\.(Path|PosixPath|WindowsPath)\(\)\.(read_text|read_bytes|write_text|write_bytes|open)$/,
    ['path-io'],
  ],
];

function categorize(path: string | undefined): Cat[] {
  if (!path) return [];
  for (const [re, cats] of CATEGORIES) if (re.test(path)) return cats;
  return [];
}

/** Modules whose mere import in model code is worth a look (when no use was resolved). */
const RISKY_IMPORTS = new Set([
  'subprocess',
  'socket',
  'pty',
  'ctypes',
  'cffi',
  'requests',
  'httpx',
  'aiohttp',
  'urllib.request',
  'urllib3',
  'http.client',
  'ftplib',
  'smtplib',
  'telnetlib',
  'poplib',
  'imaplib',
  'paramiko',
  'pexpect',
  'webbrowser',
  'marshal',
  'dill',
  'cloudpickle',
  'runpy',
  'code',
  'codeop',
  'socketserver',
  'xmlrpc.client',
  'websocket',
  'websockets',
  'pycurl',
  'wget',
]);

const MODULE_ALIASES: Record<string, string> = {
  posix: 'os',
  nt: 'os',
  __builtin__: 'builtins',
  __builtins__: 'builtins',
  _pickle: 'pickle',
  cPickle: 'pickle',
  _io: 'io',
  urllib2: 'urllib.request',
  httplib: 'http.client',
  commands: 'subprocess',
  _posixsubprocess: 'subprocess',
  _socket: 'socket',
  np: 'numpy',
};

function normalizeModule(p: string): string {
  const dot = p.indexOf('.');
  const head = dot < 0 ? p : p.slice(0, dot);
  const alias = MODULE_ALIASES[head];
  if (!alias || head === 'np') return p;
  return dot < 0 ? alias : `${alias}${p.slice(dot)}`;
}

const BUILTINS = new Set([
  'exec',
  'eval',
  'compile',
  'execfile',
  'open',
  '__import__',
  'getattr',
  'setattr',
  'delattr',
  'globals',
  'locals',
  'vars',
  'chr',
  'bytes',
  'bytearray',
  'breakpoint',
  'input',
  'dict',
  'str',
  'map',
]);

const KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

/** Dangerous modules on which getattr with a computed name hides the callee. */
const GETATTR_SENSITIVE =
  /^(os|subprocess|builtins|sys|importlib|socket|pty|ctypes|shutil|pickle|marshal|runpy)$/;

type Aggregate = (
  key: string,
  rule: RuleMeta,
  line: number,
  pos: number,
  message: string,
  evidence: Record<string, unknown>,
  severity?: Severity,
) => void;

interface CallSite {
  path: string | undefined;
  open: number;
  close: number;
}

interface Chain {
  path: string | undefined;
  end: number;
  calls: CallSite[];
}

interface Facts {
  downloaded: boolean;
  /** Content of a file fetched from the Hugging Face Hub (hf_hub_download, cached_file…). */
  hub: boolean;
  decoded: boolean;
  secret: boolean;
  envDump: boolean;
  hostinfo: boolean;
  /** Constant strings in order of appearance (bounded). */
  strings: string[];
  /** Strings recovered by decoding (subset of strings). */
  decodedTexts: string[];
}

const MAX_FACT_STRINGS = 200;
const MAX_FACT_CHARS = 256 * 1024;
const MAX_DECODED = 1024 * 1024;
const MAX_OBSERVATIONS = 300;
const MAX_NESTED_DEPTH = 3;

function emptyFacts(): Facts {
  return {
    downloaded: false,
    hub: false,
    decoded: false,
    secret: false,
    envDump: false,
    hostinfo: false,
    strings: [],
    decodedTexts: [],
  };
}

function factChars(f: Facts): number {
  let n = 0;
  for (const s of f.strings) n += s.length;
  return n;
}

function addString(f: Facts, s: string): void {
  if (f.strings.length >= MAX_FACT_STRINGS) return;
  if (factChars(f) + s.length > MAX_FACT_CHARS) s = s.slice(0, Math.max(0, MAX_FACT_CHARS - factChars(f)));
  f.strings.push(s);
}

function mergeFacts(into: Facts, from: Facts): void {
  into.downloaded ||= from.downloaded;
  into.hub ||= from.hub;
  into.decoded ||= from.decoded;
  into.secret ||= from.secret;
  into.envDump ||= from.envDump;
  into.hostinfo ||= from.hostinfo;
  for (const s of from.strings) addString(into, s);
  for (const s of from.decodedTexts) if (into.decodedTexts.length < 50) into.decodedTexts.push(s);
}

export function analyzePython(src: string, opts: PyAnalysisOptions = {}): PyAnalysis {
  const { tokens, truncated } = tokenizePython(src, { maxTokens: opts.maxTokens ?? 2_000_000 });
  const budget = opts.budget ?? { nested: 4 * 1024 * 1024, matched: 16 * 1024 * 1024 };
  const a = new Analyzer(src, tokens, opts.depth ?? 0, opts.maxTokens ?? 2_000_000, budget);
  a.run();
  return {
    observations: a.observations,
    truncated: truncated || (a.depth0 && (budget.matched <= 0 || budget.nested <= 0)),
    tokens: tokens.length,
    imports: [...new Set(a.importList.map((i) => i.module))],
    embeddedPickles: a.embeddedPickles,
  };
}

class Analyzer {
  readonly observations: PyObservation[] = [];
  readonly importList: Array<{ module: string; line: number; pos: number }> = [];
  readonly embeddedPickles: Array<{ line: number; pos: number; data: Uint8Array }> = [];
  private readonly n: number;
  private readonly match: Int32Array;
  private readonly statements: Array<[number, number]> = [];
  private readonly imports = new Map<string, string>();
  private readonly starImports: string[] = [];
  private readonly localDefs = new Set<string>();
  /** Names used as function or lambda parameters somewhere (they shadow builtins inside those functions). */
  private readonly paramNames = new Set<string>();
  private readonly varDefs = new Map<string, Array<[number, number]>>();
  private readonly nonHead: Uint8Array;
  private readonly chainAt: Array<Chain | undefined>;
  private readonly varPathMemo = new Map<string, string | undefined>();
  private readonly varFactsMemo = new Map<string, Facts>();
  private readonly visiting = new Set<string>();
  private readonly keys = new Set<string>();
  /** Decoded strings found anywhere (for the file-level indicator checks). */
  private readonly decodedPool: string[] = [];
  private readonly usedModules = new Set<string>();
  private readonly downloadedPaths = new Set<string>();
  private state = {
    process: false,
    exec: false,
    network: false,
    fileRead: false,
    fileWrite: false,
    fsmod: false,
    socketConnect: false,
    dup2: false,
    ptySpawn: false,
    shellOnSocket: false,
    exfil: [] as string[],
    recon: [] as string[],
  };

  constructor(
    private readonly src: string,
    private readonly tokens: PyToken[],
    private readonly depth: number,
    private readonly maxTokens: number,
    private readonly budget: WorkBudget,
  ) {
    this.n = tokens.length;
    this.match = new Int32Array(this.n).fill(-1);
    this.nonHead = new Uint8Array(this.n);
    this.chainAt = new Array(this.n);
  }

  get depth0(): boolean {
    return this.depth === 0;
  }

  run(): void {
    this.computeMatches();
    this.splitStatements();
    this.collectDeclarations();
    for (let i = 0; i < this.n; i++) if (this.isHead(i)) this.chainAt[i] = this.parseChain(i, 0);
    this.downloadsToFiles();
    this.analyzeSites();
    this.analyzeTokens();
    this.fileLevel();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Structure

  private tok(i: number): PyToken | undefined {
    return i >= 0 && i < this.n ? this.tokens[i] : undefined;
  }

  private isOp(i: number, v: string): boolean {
    const t = this.tok(i);
    return t !== undefined && t.type === 'op' && t.value === v;
  }

  private isName(i: number, v?: string): boolean {
    const t = this.tok(i);
    return t !== undefined && t.type === 'name' && (v === undefined || t.value === v);
  }

  private computeMatches(): void {
    const stack: number[] = [];
    for (let i = 0; i < this.n; i++) {
      const t = this.tokens[i];
      if (t.type !== 'op') {
        if (t.type === 'newline') stack.length = 0;
        continue;
      }
      if (t.value === '(' || t.value === '[' || t.value === '{') stack.push(i);
      else if (t.value === ')' || t.value === ']' || t.value === '}') {
        const want = t.value === ')' ? '(' : t.value === ']' ? '[' : '{';
        // Find the nearest matching opener (tolerates stray brackets).
        for (let k = stack.length - 1; k >= 0; k--) {
          if (this.tokens[stack[k]].value === want) {
            this.match[stack[k]] = i;
            this.match[i] = stack[k];
            stack.length = k;
            break;
          }
        }
      }
    }
  }

  private splitStatements(): void {
    let start = 0;
    let depth = 0;
    for (let i = 0; i < this.n; i++) {
      const t = this.tokens[i];
      if (t.type === 'op') {
        if (t.value === '(' || t.value === '[' || t.value === '{') depth++;
        else if ((t.value === ')' || t.value === ']' || t.value === '}') && depth > 0) depth--;
      }
      if (t.type === 'newline' || (t.type === 'op' && t.value === ';' && depth === 0)) {
        if (i > start) this.statements.push([start, i]);
        start = i + 1;
        depth = 0;
      }
    }
    if (start < this.n) this.statements.push([start, this.n]);
  }

  private column(pos: number): number {
    let c = 0;
    for (let p = pos - 1; p >= 0 && this.src[p] !== '\n' && this.src[p] !== '\r'; p--) c++;
    return c;
  }

  private collectDeclarations(): void {
    for (const [s, e] of this.statements) {
      // Skip compound-statement headers ("try:", "if x:", "else:") in one-liners: find import/from after a ':'.
      for (let i = s; i < e; i++) {
        const t = this.tokens[i];
        const startsClause = i === s || this.isOp(i - 1, ':');
        if (
          startsClause &&
          t.type === 'name' &&
          (t.value === 'import' || t.value === 'from') &&
          !t.embedded
        ) {
          this.parseImport(i, e);
          break;
        }
      }
      const first = this.tokens[s];
      if (first.type === 'name' && (first.value === 'def' || first.value === 'class') && this.isName(s + 1)) {
        if (this.column(first.pos) === 0) this.localDefs.add(this.tokens[s + 1].value);
        this.nonHead[s + 1] = 1;
      }
      if (first.type === 'name' && (first.value === 'async' || first.value === 'def')) {
        const d = first.value === 'async' ? s + 1 : s;
        if (this.isName(d, 'def') && this.isName(d + 1)) {
          this.nonHead[d + 1] = 1;
          if (this.isOp(d + 2, '(') && this.match[d + 2] > d + 2)
            this.collectParams(d + 3, this.match[d + 2]);
        }
      }
      for (let i = s; i < e; i++) {
        if (!this.isName(i, 'lambda')) continue;
        let j = i + 1;
        while (j < e && !this.isOp(j, ':')) j++;
        this.collectParams(i + 1, j);
      }
      this.collectAssignments(s, e);
    }
  }

  /** Parameter names in [s, e) (a def's parentheses or a lambda's head); defaults are skipped. */
  private collectParams(s: number, e: number): void {
    let expectName = true;
    for (let i = s; i < e; i++) {
      const t = this.tokens[i];
      if (t.type === 'op' && '([{'.includes(t.value) && this.match[i] > i) {
        i = this.match[i];
        continue;
      }
      if (t.type === 'op' && (t.value === ',' || t.value === '*' || t.value === '**' || t.value === '/')) {
        expectName = true;
        continue;
      }
      if (expectName && t.type === 'name') {
        this.paramNames.add(t.value);
        this.nonHead[i] = 1;
      }
      expectName = false;
    }
  }

  private parseImport(i: number, e: number): void {
    const t = this.tokens[i];
    for (let k = i; k < e; k++) this.nonHead[k] = 1;
    if (t.value === 'import') {
      let k = i + 1;
      while (k < e) {
        const { name, next } = this.dotted(k, e);
        if (!name) break;
        k = next;
        let binding = name.split('.')[0];
        let target = name.split('.')[0];
        if (this.isName(k, 'as') && this.isName(k + 1)) {
          binding = this.tokens[k + 1].value;
          target = name;
          k += 2;
        }
        const mod = normalizeModule(name);
        this.imports.set(binding, normalizeModule(target));
        this.importList.push({ module: mod, line: t.line, pos: t.pos });
        if (!this.isOp(k, ',')) break;
        k++;
      }
      return;
    }
    // from X import a as b, (c, d) / *
    let k = i + 1;
    let rel = '';
    while (this.isOp(k, '.') || this.isOp(k, '...')) rel += this.tokens[k++].value;
    let mod = '';
    if (!this.isName(k, 'import')) {
      const d = this.dotted(k, e);
      mod = d.name;
      k = d.next;
    }
    if (!this.isName(k, 'import')) return;
    k++;
    const relative = rel.length > 0;
    const modPath = relative ? `.${mod}` : normalizeModule(mod);
    if (!relative && mod) this.importList.push({ module: modPath, line: t.line, pos: t.pos });
    while (k < e) {
      if (this.isOp(k, '(') || this.isOp(k, ')') || this.isOp(k, ',')) {
        k++;
        continue;
      }
      if (this.isOp(k, '*')) {
        if (!relative) this.starImports.push(modPath);
        k++;
        continue;
      }
      if (!this.isName(k)) break;
      const name = this.tokens[k].value;
      let binding = name;
      k++;
      if (this.isName(k, 'as') && this.isName(k + 1)) {
        binding = this.tokens[k + 1].value;
        k += 2;
      }
      if (relative) {
        this.imports.delete(binding);
        continue;
      }
      const full = modPath ? `${modPath}.${name}` : name;
      this.imports.set(binding, normalizeModule(full));
      // `from urllib import request` imports a submodule: record it as an import of that module too.
      if (RISKY_IMPORTS.has(full)) this.importList.push({ module: full, line: t.line, pos: t.pos });
    }
  }

  private dotted(k: number, e: number): { name: string; next: number } {
    if (!this.isName(k) || k >= e) return { name: '', next: k };
    let name = this.tokens[k].value;
    k++;
    while (k + 1 < e && this.isOp(k, '.') && this.isName(k + 1)) {
      name += `.${this.tokens[k + 1].value}`;
      k += 2;
    }
    return { name, next: k };
  }

  private addVarDef(name: string, s: number, e: number): void {
    if (e <= s) return;
    let defs = this.varDefs.get(name);
    if (!defs) this.varDefs.set(name, (defs = []));
    if (defs.length < 64) defs.push([s, e]);
  }

  private collectAssignments(s: number, e: number): void {
    const first = this.tokens[s];
    if (
      first.type === 'name' &&
      (first.value === 'with' || (first.value === 'async' && this.isName(s + 1, 'with')))
    ) {
      // with EXPR as NAME, EXPR as NAME:
      let exprStart = first.value === 'with' ? s + 1 : s + 2;
      for (let i = exprStart; i < e; i++) {
        if (this.tokens[i].type === 'op' && '([{'.includes(this.tokens[i].value) && this.match[i] > i) {
          i = this.match[i];
          continue;
        }
        if (this.isName(i, 'as') && this.isName(i + 1)) {
          this.addVarDef(this.tokens[i + 1].value, exprStart, i);
          exprStart = i + 2;
          if (this.isOp(exprStart, ',')) exprStart++;
        }
        if (this.isOp(i, ':')) break;
      }
      return;
    }
    if (first.type === 'name' && first.value === 'for') {
      let inAt = -1;
      for (let i = s + 1; i < e; i++)
        if (this.isName(i, 'in')) {
          inAt = i;
          break;
        }
      if (inAt > 0) {
        let colon = e;
        for (let i = inAt + 1; i < e; i++) {
          if (this.tokens[i].type === 'op' && '([{'.includes(this.tokens[i].value) && this.match[i] > i) {
            i = this.match[i];
            continue;
          }
          if (this.isOp(i, ':')) {
            colon = i;
            break;
          }
        }
        for (let i = s + 1; i < inAt; i++)
          if (this.isName(i)) this.addVarDef(this.tokens[i].value, inAt + 1, colon);
      }
      return;
    }
    // Walrus anywhere: (NAME := expr)
    for (let i = s; i < e; i++) {
      if (this.isOp(i, ':=') && this.isName(i - 1)) {
        let j = i + 1;
        let depth = 0;
        while (j < e) {
          const t = this.tokens[j];
          if (t.type === 'op' && '([{'.includes(t.value)) depth++;
          else if (t.type === 'op' && ')]}'.includes(t.value)) {
            if (depth === 0) break;
            depth--;
          } else if (t.type === 'op' && t.value === ',' && depth === 0) break;
          j++;
        }
        this.addVarDef(this.tokens[i - 1].value, i + 1, j);
      }
    }
    // Plain and augmented assignment at depth 0: targets = value.
    const eqs: number[] = [];
    let aug = -1;
    for (let i = s; i < e; i++) {
      const t = this.tokens[i];
      if (t.type === 'op' && '([{'.includes(t.value) && this.match[i] > i) {
        i = this.match[i];
        continue;
      }
      if (t.type === 'name' && (t.value === 'lambda' || t.value === 'def' || t.value === 'class')) break;
      if (t.type === 'op' && t.value === '=') eqs.push(i);
      else if (
        t.type === 'op' &&
        /^(\+|-|\*|\/|\/\/|%|\||&|\^|@|<<|>>|\*\*)=$/.test(t.value) &&
        eqs.length === 0
      ) {
        aug = i;
        break;
      }
    }
    if (aug > s) {
      const target = this.targetName(s, aug);
      if (target) this.addVarDef(target, aug + 1, e);
      return;
    }
    if (!eqs.length) return;
    const valueStart = eqs[eqs.length - 1] + 1;
    let segStart = s;
    for (const eq of eqs) {
      // "x: T = v" annotations: the target is before the ':'.
      let segEnd = eq;
      for (let i = segStart; i < eq; i++)
        if (this.isOp(i, ':')) {
          segEnd = i;
          break;
        }
      for (let i = segStart; i < segEnd; i++) {
        const t = this.tokens[i];
        if (t.type !== 'name' || KEYWORDS.has(t.value)) continue;
        if (this.isOp(i - 1, '.')) continue;
        if (this.isOp(i + 1, '.') || this.isOp(i + 1, '[')) continue; // attribute/subscript targets
        this.addVarDef(t.value, valueStart, e);
        this.nonHead[i] = 1;
      }
      segStart = eq + 1;
    }
  }

  private targetName(s: number, e: number): string | undefined {
    return e === s + 1 && this.isName(s) ? this.tokens[s].value : undefined;
  }

  private isHead(i: number): boolean {
    const t = this.tokens[i];
    if (t.type !== 'name' || KEYWORDS.has(t.value) || this.nonHead[i]) return false;
    if (this.isOp(i - 1, '.')) return false;
    if (this.isName(i - 1, 'def') || this.isName(i - 1, 'class')) return false;
    // keyword argument name: f(x=1)
    if (this.isOp(i + 1, '=') && (this.isOp(i - 1, '(') || this.isOp(i - 1, ','))) {
      // Assignment targets at statement start are not keyword arguments.
      return false;
    }
    return true;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Name resolution

  private resolveHead(name: string, guard: number): string | undefined {
    const imp = this.imports.get(name);
    if (imp !== undefined) return imp;
    if (this.varDefs.has(name)) return this.varPath(name, guard);
    if (name === '__builtins__') return 'builtins';
    if (BUILTINS.has(name) && !this.localDefs.has(name)) return `builtins.${name}`;
    for (const m of this.starImports) {
      const p = `${m}.${name}`;
      if (categorize(p).length) return p;
    }
    return undefined;
  }

  private varPath(name: string, guard: number): string | undefined {
    if (this.varPathMemo.has(name)) return this.varPathMemo.get(name);
    const key = `p:${name}`;
    if (guard > 16 || this.visiting.has(key)) return undefined;
    this.visiting.add(key);
    let result: string | undefined;
    for (const [s, e] of this.varDefs.get(name) ?? []) {
      if (!this.isName(s) || KEYWORDS.has(this.tokens[s].value)) continue;
      const c = this.parseChain(s, guard + 1);
      if (c.end === e && c.path) {
        result = c.path;
        break;
      }
    }
    this.visiting.delete(key);
    this.varPathMemo.set(name, result);
    return result;
  }

  private parseChain(i: number, guard: number): Chain {
    let path = this.resolveHead(this.tokens[i].value, guard);
    const calls: CallSite[] = [];
    let j = i + 1;
    while (j < this.n) {
      if (this.isOp(j, '.') && this.isName(j + 1)) {
        path = path !== undefined ? `${path}.${this.tokens[j + 1].value}` : undefined;
        j += 2;
        continue;
      }
      if (this.isOp(j, '(') && this.match[j] > j) {
        const close = this.match[j];
        calls.push({ path, open: j, close });
        path = this.callResult(path, j, close, guard);
        j = close + 1;
        continue;
      }
      if (this.isOp(j, '[') && this.match[j] > j) {
        const close = this.match[j];
        const key = this.constString(j + 1, close, guard);
        path = this.subscriptResult(path, key, guard);
        j = close + 1;
        continue;
      }
      break;
    }
    return { path, end: j, calls };
  }

  /** Top-level arguments of the call whose parentheses are at open/close. */
  private args(open: number, close: number): Array<{ s: number; e: number; kw?: string }> {
    const out: Array<{ s: number; e: number; kw?: string }> = [];
    let start = open + 1;
    for (let i = open + 1; i <= close; i++) {
      const t = this.tokens[i];
      if (i < close && t.type === 'op' && '([{'.includes(t.value) && this.match[i] > i) {
        i = this.match[i];
        continue;
      }
      if (i === close || (t.type === 'op' && t.value === ',' && !this.tokens[i + 1]?.embedded)) {
        if (i > start) {
          if (this.isName(start) && this.isOp(start + 1, '='))
            out.push({ s: start + 2, e: i, kw: this.tokens[start].value });
          else out.push({ s: start, e: i });
        }
        start = i + 1;
      }
      if (out.length > 64) break;
    }
    return out;
  }

  private exprPath(s: number, e: number, guard: number): string | undefined {
    if (!this.isName(s) || KEYWORDS.has(this.tokens[s].value)) return undefined;
    const c = this.parseChain(s, guard + 1);
    return c.end === e ? c.path : undefined;
  }

  private callResult(
    path: string | undefined,
    open: number,
    close: number,
    guard: number,
  ): string | undefined {
    if (!path || guard > 24) return undefined;
    const args = this.args(open, close);
    const positional = args.filter((a) => !a.kw);
    switch (path) {
      case 'builtins.__import__':
      case 'importlib.import_module':
      case 'importlib.__import__': {
        const m = positional[0] ? this.constString(positional[0].s, positional[0].e, guard) : undefined;
        return m && !m.startsWith('.') ? normalizeModule(m) : undefined;
      }
      case 'builtins.getattr': {
        if (positional.length < 2) return undefined;
        const obj = this.exprPath(positional[0].s, positional[0].e, guard);
        const attr = this.constString(positional[1].s, positional[1].e, guard);
        return obj && attr ? `${obj}.${attr}` : undefined;
      }
      case 'builtins.globals':
      case 'builtins.locals':
        return 'builtins.globals()';
      case 'builtins.vars': {
        if (!positional.length) return 'builtins.globals()';
        const obj = this.exprPath(positional[0].s, positional[0].e, guard);
        return obj ? `${obj}.__dict__` : undefined;
      }
      case 'sys.modules.get':
      case 'sys.modules.__getitem__': {
        const m = positional[0] ? this.constString(positional[0].s, positional[0].e, guard) : undefined;
        return m ? normalizeModule(m) : undefined;
      }
      case 'builtins.bytes':
      case 'builtins.str':
        return path === 'builtins.bytes' ? 'builtins.bytes()' : 'builtins.str()';
      default:
        return `${path}()`;
    }
  }

  private subscriptResult(
    path: string | undefined,
    key: string | undefined,
    guard: number,
  ): string | undefined {
    if (!path) return undefined;
    if (key === undefined) return `${path}[]`;
    if (path === 'builtins.globals()')
      return key === '__builtins__'
        ? 'builtins'
        : (this.imports.get(key) ?? this.resolveHead(key, guard + 1));
    if (path.endsWith('.__dict__')) return `${path.slice(0, -'.__dict__'.length)}.${key}`;
    if (path === 'builtins') return `builtins.${key}`;
    if (path === 'sys.modules') return normalizeModule(key);
    if (path === 'os.environ') return `os.environ[${key}]`;
    return `${path}[]`;
  }

  /** The constant string value of tokens [s, e), or undefined when it is not constant. */
  private constString(s: number, e: number, guard: number): string | undefined {
    if (e <= s || guard > 24) return undefined;
    const joined = this.constJoin(s, e, guard);
    if (joined !== undefined) return joined;
    let out = '';
    let i = s;
    while (i < e) {
      const t = this.tokens[i];
      if (t.type === 'string' && !t.prefix?.includes('f')) {
        let v = t.value;
        if (this.isReverseSlice(i + 1)) {
          v = [...v].reverse().join('');
          i += 6;
        }
        out += v;
        i++;
      } else if (t.type === 'op' && (t.value === '+' || t.value === '(' || t.value === ')')) {
        i++;
      } else if (
        t.type === 'name' &&
        t.value === 'chr' &&
        this.isOp(i + 1, '(') &&
        this.tok(i + 2)?.type === 'number' &&
        this.isOp(i + 3, ')')
      ) {
        const cp = Number(this.tokens[i + 2].value);
        if (!Number.isInteger(cp) || cp < 0 || cp > 0x10ffff) return undefined;
        out += String.fromCodePoint(cp);
        i += 4;
      } else if (t.type === 'name' && !KEYWORDS.has(t.value) && this.varDefs.get(t.value)?.length === 1) {
        const key = `c:${t.value}`;
        if (this.visiting.has(key)) return undefined;
        this.visiting.add(key);
        const [vs, ve] = this.varDefs.get(t.value)![0];
        const v = this.constString(vs, ve, guard + 1);
        this.visiting.delete(key);
        if (v === undefined) return undefined;
        out += v;
        i++;
      } else return undefined;
      if (out.length > MAX_DECODED) return undefined;
    }
    return out;
  }

  /** "sep".join([...]) / "".join(map(chr, [...])) / "".join(chr(c) for c in [...]) spanning exactly [s, e). */
  private constJoin(s: number, e: number, guard: number): string | undefined {
    const t = this.tokens[s];
    if (
      t.type !== 'string' ||
      !this.isOp(s + 1, '.') ||
      !this.isName(s + 2, 'join') ||
      !this.isOp(s + 3, '(')
    )
      return undefined;
    if (this.match[s + 3] !== e - 1) return undefined;
    const inner: [number, number] = [s + 4, e - 1];
    const [is, ie] = inner;
    if (ie <= is) return '';
    if (this.rangeHasName(is, ie, ['chr'])) {
      const cps: number[] = [];
      for (let i = is; i < ie; i++) {
        const x = this.tokens[i];
        if (x.type === 'number') {
          const v = Number(x.value.replace(/_/g, ''));
          if (!Number.isInteger(v) || v < 0 || v > 0x10ffff) return undefined;
          cps.push(v);
        } else if (x.type === 'string') return undefined;
      }
      return cps.length <= MAX_DECODED ? String.fromCodePoint(...cps.slice(0, 65536)) : undefined;
    }
    if ((this.isOp(is, '[') || this.isOp(is, '(')) && this.match[is] === ie - 1) {
      const parts: string[] = [];
      let start = is + 1;
      for (let i = is + 1; i <= ie - 1; i++) {
        const x = this.tokens[i];
        if (i < ie - 1 && x.type === 'op' && '([{'.includes(x.value) && this.match[i] > i) {
          i = this.match[i];
          continue;
        }
        if (i === ie - 1 || (x.type === 'op' && x.value === ',')) {
          if (i > start) {
            const v = this.constString(start, i, guard + 1);
            if (v === undefined) return undefined;
            parts.push(v);
          }
          start = i + 1;
        }
      }
      return parts.join(t.value);
    }
    return undefined;
  }

  /** tokens at i: [ : : - 1 ] */
  private isReverseSlice(i: number): boolean {
    return (
      this.isOp(i, '[') &&
      this.isOp(i + 1, ':') &&
      this.isOp(i + 2, ':') &&
      this.isOp(i + 3, '-') &&
      this.tok(i + 4)?.value === '1' &&
      this.isOp(i + 5, ']')
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // Facts about expressions

  private varFacts(name: string, guard: number): Facts {
    const memo = this.varFactsMemo.get(name);
    if (memo) return memo;
    const key = `f:${name}`;
    if (guard > 16 || this.visiting.has(key)) return emptyFacts();
    this.visiting.add(key);
    const f = emptyFacts();
    for (const [s, e] of this.varDefs.get(name) ?? []) mergeFacts(f, this.rangeFacts(s, e, guard + 1));
    this.visiting.delete(key);
    this.varFactsMemo.set(name, f);
    return f;
  }

  private rangeFacts(s: number, e: number, guard: number): Facts {
    const f = emptyFacts();
    let chrCalls = 0;
    const numbers: number[] = [];
    for (let i = s; i < e && i < this.n; i++) {
      const t = this.tokens[i];
      if (t.type === 'string') {
        if (t.docstring) continue;
        addString(f, t.value);
        if (this.isReverseSlice(i + 1)) {
          const r = [...t.value].reverse().join('');
          f.decoded = true;
          this.addDecoded(f, r);
        }
        if (this.isOp(i + 1, '.') && this.isName(i + 2, 'decode') && this.isOp(i + 3, '(')) {
          const codec = this.tok(i + 4)?.type === 'string' ? this.tokens[i + 4].value.toLowerCase() : '';
          if (/^(base64|hex|rot13|rot_13|zlib|zip|bz2|uu)$/.test(codec)) {
            f.decoded = true;
            const d = decodeWith(codec, t.value);
            if (d !== undefined) this.addDecoded(f, d);
          }
        }
        continue;
      }
      if (t.type === 'number') {
        if (numbers.length < 100_000) {
          const v = Number(t.value.replace(/_/g, ''));
          if (Number.isInteger(v)) numbers.push(v);
        }
        continue;
      }
      if (t.type !== 'name') continue;
      const chain = this.chainAt[i];
      if (!chain) continue;
      const head = t.value;
      if (!this.imports.has(head) && this.varDefs.has(head)) mergeFacts(f, this.varFacts(head, guard + 1));
      const paths = chain.calls.map((c) => c.path);
      if (!chain.calls.length) paths.push(chain.path);
      for (const [k, p] of paths.entries()) {
        const cats = categorize(p);
        if (cats.includes('network')) f.downloaded = true;
        if (cats.includes('hub')) f.hub = true;
        if (cats.includes('hostinfo')) f.hostinfo = true;
        if (cats.includes('decode')) {
          const call = chain.calls[k];
          if (p === 'builtins.chr') chrCalls++;
          else if (p !== 'codecs.decode' || !this.textCodec(call, guard)) f.decoded = true;
          if (call) {
            const d = this.constDecode(p!, call, guard);
            if (d !== undefined) this.addDecoded(f, d);
          }
        }
        if (p === 'os.environ.get' || p === 'os.getenv' || p === 'os.environ.__getitem__') {
          const call = chain.calls[k];
          const a = call ? this.args(call.open, call.close)[0] : undefined;
          const key = a ? this.constString(a.s, a.e, guard) : undefined;
          if (key && isSecretEnvName(key)) f.secret = true;
        }
        if (p && /^os\.environ\.(copy|items|values|keys)$/.test(p)) f.envDump = true;
      }
      const fp = chain.path;
      if (fp === 'os.environ' && !chain.calls.length) f.envDump = true;
      if (fp?.startsWith('os.environ[') && isSecretEnvName(fp.slice(11, -1))) f.secret = true;
    }
    if (chrCalls >= 3) f.decoded = true;
    // chr chains and byte lists: ''.join(map(chr, [105, 109, ...])), bytes([...])
    if (numbers.length >= 4 && (chrCalls > 0 || this.rangeHasName(s, e, ['chr', 'bytes', 'bytearray']))) {
      const ok = numbers.every((v) => v >= 0 && v <= 0x10ffff);
      if (ok) {
        f.decoded = true;
        this.addDecoded(f, String.fromCodePoint(...numbers.slice(0, 65536)));
      }
    }
    return f;
  }

  /** codecs.decode(x, "utf-8") and friends: a text encoding, not an obfuscation codec. */
  private textCodec(call: CallSite | undefined, guard: number): boolean {
    if (!call) return false;
    const a = this.args(call.open, call.close);
    const codecArg = a.find((x) => x.kw === 'encoding') ?? a.filter((x) => !x.kw)[1];
    const codec = codecArg ? this.constString(codecArg.s, codecArg.e, guard)?.toLowerCase() : 'utf-8';
    return (
      codec !== undefined &&
      /^(utf[-_]?(8|16|32)(-sig)?|u8|latin[-_]?1|iso[-_]?8859[-_]?\d+|ascii|cp\d+|utf_8)$/.test(codec)
    );
  }

  private rangeHasName(s: number, e: number, names: string[]): boolean {
    for (let i = s; i < e && i < this.n; i++)
      if (this.tokens[i].type === 'name' && names.includes(this.tokens[i].value)) return true;
    return false;
  }

  private addDecoded(f: Facts, d: string): void {
    if (!d) return;
    const text = d.length > MAX_DECODED ? d.slice(0, MAX_DECODED) : d;
    addString(f, text);
    if (f.decodedTexts.length < 50) f.decodedTexts.push(text);
    if (this.decodedPool.length < 200) this.decodedPool.push(text);
  }

  /** Decodes a constant argument of a decoder call when possible (base64, hex, zlib of those, rot13, chr). */
  private constDecode(path: string, call: CallSite, guard: number): string | undefined {
    const bytes = this.constBytes(path, call, guard);
    if (bytes === undefined) return undefined;
    return bytesToText(bytes);
  }

  private constBytes(path: string, call: CallSite, guard: number): Uint8Array | undefined {
    if (guard > 24) return undefined;
    const args = this.args(call.open, call.close).filter((a) => !a.kw);
    if (!args.length) return undefined;
    const a0 = args[0];
    if (path === 'builtins.chr') {
      const v =
        this.tok(a0.s)?.type === 'number' && a0.e === a0.s + 1 ? Number(this.tokens[a0.s].value) : NaN;
      return Number.isInteger(v) && v >= 0 && v < 256 ? Uint8Array.of(v) : undefined;
    }
    // Argument that is itself a decoder call: zlib.decompress(base64.b64decode("..."))
    let input: Uint8Array | undefined;
    const inner = this.chainAt[a0.s];
    if (
      inner &&
      inner.end === a0.e &&
      inner.calls.length === 1 &&
      categorize(inner.calls[0].path).includes('decode')
    )
      input = this.constBytes(inner.calls[0].path!, inner.calls[0], guard + 1);
    if (!input) {
      const s = this.constString(a0.s, a0.e, guard);
      if (s === undefined) return undefined;
      input = Buffer.from(s, 'latin1');
    }
    const text = Buffer.from(input).toString('latin1');
    try {
      if (
        /^base64\.(b64decode|decodebytes|decodestring|standard_b64decode|urlsafe_b64decode)$/.test(path) ||
        path === 'binascii.a2b_base64'
      )
        return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
      if (
        path === 'base64.b16decode' ||
        path === 'binascii.unhexlify' ||
        path === 'binascii.a2b_hex' ||
        path.endsWith('.fromhex')
      )
        return /^[0-9a-fA-F\s]*$/.test(text) ? Buffer.from(text.replace(/\s+/g, ''), 'hex') : undefined;
      if (path === 'base64.b32decode') return base32(text);
      if (path === 'zlib.decompress' || path === 'gzip.decompress')
        return inflateSync(input, { maxOutputLength: MAX_DECODED, finishFlush: 2 });
      if (path === 'codecs.decode') {
        const codec = args[1] ? this.constString(args[1].s, args[1].e, guard)?.toLowerCase() : undefined;
        if (codec === 'rot13' || codec === 'rot_13') return Buffer.from(rot13(text), 'latin1');
        if (codec === 'hex' || codec === 'hex_codec') return Buffer.from(text, 'hex');
        if (codec === 'base64' || codec === 'base64_codec') return Buffer.from(text, 'base64');
        if (codec === 'zlib' || codec === 'zlib_codec')
          return inflateSync(input, { maxOutputLength: MAX_DECODED });
        return undefined;
      }
    } catch {
      return undefined;
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Findings

  private observe(o: Omit<PyObservation, 'pos'> & { pos?: number }, key: string): void {
    if (this.keys.has(key) || this.observations.length >= MAX_OBSERVATIONS) return;
    this.keys.add(key);
    this.observations.push({ ...o, pos: o.pos ?? 0 });
  }

  private analyzeSites(): void {
    const agg = new Map<
      string,
      {
        rule: RuleMeta;
        lines: number[];
        pos: number;
        line: number;
        message: string;
        evidence: Record<string, unknown>;
        severity?: Severity;
      }
    >();
    const aggregate: Aggregate = (key, rule, line, pos, message, evidence, severity) => {
      const a = agg.get(key);
      if (a) {
        if (a.lines.length < 20 && !a.lines.includes(line)) a.lines.push(line);
        return;
      }
      agg.set(key, { rule, lines: [line], pos, line, message, evidence, severity });
    };

    for (let i = 0; i < this.n; i++) {
      const chain = this.chainAt[i];
      if (!chain) continue;
      const sites: Array<{ path: string | undefined; call?: CallSite }> = chain.calls.map((c) => ({
        path: c.path,
        call: c,
      }));
      const last = chain.calls[chain.calls.length - 1];
      const finalIsRef = !last || chain.end > last.close + 1;
      if (finalIsRef && chain.path) sites.push({ path: chain.path });
      for (const site of sites) {
        const path = site.path;
        if (!path) continue;
        const t = site.call ? this.tokens[site.call.open] : this.tokens[i];
        const line = t.line;
        const pos = this.tokens[i].pos;
        if (path === 'os.dup2') this.state.dup2 = true;
        // `if compile:` inside `def f(compile=False)`: a parameter, not the builtin.
        if (!site.call && path.startsWith('builtins.') && this.paramNames.has(path.slice(9))) continue;
        const cats = categorize(path);
        if (!cats.length) {
          this.specialCall(path, site.call, line, pos, aggregate);
          continue;
        }
        this.markUsed(path);
        const facts = site.call ? this.rangeFacts(site.call.open + 1, site.call.close, 0) : emptyFacts();
        const name = displayName(path);
        for (const cat of cats) {
          switch (cat) {
            case 'process':
              this.state.process = true;
              if (path === 'pty.spawn') this.state.ptySpawn = true;
              this.executionSink(name, facts, line, pos, 'process');
              if (site.call && this.socketFilenoArg(site.call)) this.state.shellOnSocket = true;
              aggregate(
                `proc:${name}`,
                R.PY_PROCESS,
                line,
                pos,
                `${name} launches a process${commandPreview(facts)}`,
                { callee: name, command: firstCommand(facts) },
              );
              break;
            case 'exec':
              this.state.exec = true;
              this.executionSink(name, facts, line, pos, 'exec');
              if (!facts.downloaded && !facts.decoded && !facts.hub) {
                const weak = path === 'builtins.eval';
                aggregate(
                  `dyn:${name}`,
                  R.PY_DYNAMIC_CODE,
                  line,
                  pos,
                  `${name} executes code built at run time${commandPreview(facts)}`,
                  { callee: name },
                  weak ? 'medium' : undefined,
                );
              }
              this.nestedCode(facts, line, pos);
              break;
            case 'dyn-import': {
              const a0 = site.call
                ? this.args(site.call.open, site.call.close).filter((a) => !a.kw)[0]
                : undefined;
              const constant = a0 ? this.constString(a0.s, a0.e, 0) : undefined;
              const fromFile =
                /spec_from_file_location|SourceFileLoader|SourcelessFileLoader|ExtensionFileLoader|load_source|load_compiled|load_dynamic|load_module|load_package|zipimporter/.test(
                  path,
                );
              if (facts.downloaded && fromFile) {
                this.observe(
                  {
                    rule: R.PY_EXEC_DOWNLOADED,
                    message: `${name} loads a Python module from a downloaded file`,
                    line,
                    pos,
                    evidence: { callee: name },
                  },
                  `dl:${line}`,
                );
              } else if (fromFile) {
                aggregate(
                  `dynimp:${name}`,
                  R.PY_DYNAMIC_CODE,
                  line,
                  pos,
                  `${name} loads Python code from a file path`,
                  { callee: name },
                );
              } else if (constant === undefined && site.call) {
                aggregate(
                  `dynimp:${name}`,
                  R.PY_DYNAMIC_CODE,
                  line,
                  pos,
                  `${name} imports a module whose name is computed at run time`,
                  { callee: name },
                  'medium',
                );
              } else if (constant) this.markUsed(normalizeModule(constant));
              break;
            }
            case 'network': {
              this.state.network = true;
              if (/^socket\.(socket|create_connection)/.test(path) && /connect|create_connection/.test(path))
                this.state.socketConnect = true;
              if (facts.secret || facts.envDump) this.state.exfil.push(`${name} (line ${line})`);
              else if (facts.hostinfo) this.state.recon.push(`${name} (line ${line})`);
              const root = moduleRoot(path);
              aggregate(
                `net:${root}`,
                R.PY_NETWORK,
                line,
                pos,
                `code uses ${root} (${name})`,
                { module: root, callee: name },
                root === 'webbrowser' ? 'medium' : undefined,
              );
              break;
            }
            case 'hub':
              break;
            case 'deser':
            case 'deser-torch':
            case 'deser-numpy':
            case 'deser-yaml':
              this.deserialization(cat, path, name, site.call, facts, line, pos, aggregate);
              break;
            case 'remote-code':
              aggregate(
                `remote:${name}`,
                R.PY_NESTED_REMOTE_CODE,
                line,
                pos,
                `${name} loads more code from outside the repository`,
                { callee: name },
                'high',
              );
              break;
            case 'native':
              aggregate(`native:${name}`, R.PY_NATIVE_CODE, line, pos, `${name} loads native code`, {
                callee: name,
              });
              break;
            case 'fsmod':
              this.state.fsmod = true;
              aggregate(
                `fs:${name}`,
                R.PY_FILESYSTEM,
                line,
                pos,
                `${name} changes the file system${commandPreview(facts)}`,
                { callee: name },
              );
              break;
            case 'tamper':
              aggregate(
                `tamper:${name}`,
                R.PY_RUNTIME_TAMPERING,
                line,
                pos,
                `${name} changes interpreter-wide state`,
                { callee: name },
              );
              break;
            case 'file-open':
            case 'path-io':
              this.fileAccess(path, site.call);
              break;
            case 'decode':
            case 'hostinfo':
              break;
          }
        }
      }
    }
    for (const a of agg.values()) {
      this.observe(
        {
          rule: a.rule,
          message:
            a.lines.length > 1
              ? `${a.message} (lines ${a.lines.join(', ')})`
              : `${a.message} (line ${a.line})`,
          line: a.line,
          pos: a.pos,
          severity: a.severity,
          evidence: { ...a.evidence, lines: a.lines },
        },
        `agg:${a.rule.id}:${a.message}`,
      );
    }
  }

  private markUsed(path: string): void {
    const parts = path.replace(/\(\)/g, '').split('.');
    for (let k = 1; k <= Math.min(parts.length, 3); k++) this.usedModules.add(parts.slice(0, k).join('.'));
  }

  private specialCall(
    path: string,
    call: CallSite | undefined,
    line: number,
    pos: number,
    aggregate: Aggregate,
  ): void {
    if (!call) return;
    if (path === 'builtins.getattr' || path === 'builtins.setattr' || path === 'builtins.delattr') {
      const pos0 = this.args(call.open, call.close).filter((a) => !a.kw);
      if (pos0.length < 2) return;
      const obj = this.exprPath(pos0[0].s, pos0[0].e, 0);
      if (!obj) return;
      const root = obj.split('.')[0];
      if (path !== 'builtins.getattr' && (obj === 'builtins' || obj === 'sys.modules' || obj === 'sys')) {
        aggregate(
          `tamper:${path}`,
          R.PY_RUNTIME_TAMPERING,
          line,
          pos,
          `${displayName(path)} on ${obj} changes interpreter-wide state`,
          { callee: displayName(path), target: obj },
        );
        return;
      }
      if (
        path === 'builtins.getattr' &&
        GETATTR_SENSITIVE.test(root) &&
        this.constString(pos0[1].s, pos0[1].e, 0) === undefined
      ) {
        this.markUsed(obj);
        aggregate(
          `getattr:${obj}`,
          R.PY_DYNAMIC_CODE,
          line,
          pos,
          `getattr on ${obj} with a name computed at run time hides which function is called`,
          { module: obj },
        );
      }
    }
  }

  private socketFilenoArg(call: CallSite): boolean {
    for (const a of this.args(call.open, call.close))
      if (a.kw && /^(stdin|stdout|stderr)$/.test(a.kw) && this.rangeHasName(a.s, a.e, ['fileno']))
        return true;
    return false;
  }

  /** Shared checks for calls that execute their argument (exec-like or process launch). */
  private executionSink(
    name: string,
    facts: Facts,
    line: number,
    pos: number,
    kind: 'exec' | 'process',
  ): void {
    const what = kind === 'exec' ? 'executes' : 'runs';
    if (facts.downloaded || facts.hub)
      this.observe(
        {
          rule: R.PY_EXEC_DOWNLOADED,
          message: `${name} ${what} content downloaded ${facts.downloaded ? 'from the network' : 'from the Hugging Face Hub at run time'} (line ${line})`,
          line,
          pos,
          evidence: { callee: name, sample: sample(facts) },
        },
        `dl:${line}`,
      );
    if (facts.decoded)
      this.observe(
        {
          rule: R.PY_EXEC_DECODED,
          message: `${name} ${what} decoded or obfuscated code (line ${line})${facts.decodedTexts[0] ? `: ${preview(facts.decodedTexts[0], 100)}` : ''}`,
          line,
          pos,
          evidence: { callee: name, decoded: facts.decodedTexts.slice(0, 3).map((d) => preview(d, 300)) },
        },
        `dec:${line}`,
      );
    const texts = [...facts.strings, facts.strings.join(''), facts.strings.join(' ')];
    for (const text of texts) {
      if (this.budget.matched <= 0) break;
      this.budget.matched -= text.length;
      for (const h of hostileCommands(text)) {
        const rule = h.kind === 'reverse-shell' ? R.PY_REVERSE_SHELL : R.PY_SHELL_PAYLOAD;
        this.observe(
          {
            rule,
            message: `${name} ${what} a ${h.kind} command (line ${line}): ${h.match}`,
            line,
            pos,
            evidence: { callee: name, kind: h.kind, command: h.match },
          },
          `cmd:${h.kind}:${line}`,
        );
      }
      if (/\bpip3?\b[\s\S]{0,40}\binstall\b/.test(text) || /\b-m\s+pip\b/.test(text))
        this.observe(
          {
            rule: R.PY_NESTED_REMOTE_CODE,
            message: `${name} installs packages at run time (line ${line})`,
            line,
            pos,
            evidence: { callee: name, command: preview(text, 200) },
          },
          `pip:${line}`,
        );
    }
    for (const p of this.downloadedPaths) {
      if (p.length < 3) continue;
      const base = p.split(/[\\/]/).pop() ?? p;
      if (facts.strings.some((s) => s.includes(p) || (base.length >= 3 && s.includes(base))))
        this.observe(
          {
            rule: R.PY_EXEC_DOWNLOADED,
            message: `${name} ${what} a file the code downloaded (${preview(p, 80)}, line ${line})`,
            line,
            pos,
            evidence: { callee: name, file: preview(p, 200) },
          },
          `dl:${line}`,
        );
    }
  }

  /** Code strings passed to exec: analyse them as Python too. */
  private nestedCode(facts: Facts, line: number, pos: number): void {
    if (this.depth >= MAX_NESTED_DEPTH) return;
    for (const s of facts.strings) {
      if (s.length < 8 || this.budget.nested <= 0 || !/[\n;(=]|\bimport\b/.test(s)) continue;
      const text = s.slice(0, Math.min(MAX_DECODED, this.budget.nested));
      this.budget.nested -= text.length;
      const sub = analyzePython(text, {
        depth: this.depth + 1,
        maxTokens: Math.min(this.maxTokens, 200_000),
        budget: this.budget,
      });
      for (const o of sub.observations) {
        if (o.rule === R.PY_RISKY_IMPORT || o.rule === R.PY_HARDCODED_URL) continue;
        this.observe(
          { ...o, line, pos, message: `in code executed at line ${line}: ${o.message}` },
          `nested:${line}:${o.rule.id}:${o.message}`,
        );
      }
    }
  }

  private deserialization(
    cat: Cat,
    path: string,
    name: string,
    call: CallSite | undefined,
    facts: Facts,
    line: number,
    pos: number,
    aggregate: Aggregate,
  ): void {
    if (!call) return;
    const args = this.args(call.open, call.close);
    const kw = (k: string): string | undefined => {
      const a = args.find((x) => x.kw === k);
      return a
        ? this.tokens
            .slice(a.s, a.e)
            .map((t) => t.value)
            .join('')
        : undefined;
    };
    let severity: Severity | undefined;
    let detail = '';
    if (cat === 'deser-torch') {
      const wo = kw('weights_only');
      if (wo === 'True') return;
      severity = wo === undefined ? 'low' : undefined;
      detail =
        wo === undefined
          ? ' without weights_only=True (unpickles on PyTorch < 2.6)'
          : ` with weights_only=${wo}`;
    } else if (cat === 'deser-numpy') {
      if (kw('allow_pickle') !== 'True') return;
      detail = ' with allow_pickle=True';
    } else if (cat === 'deser-yaml') {
      const positional = args.filter((a) => !a.kw);
      const loader =
        kw('Loader') ??
        (positional[1]
          ? this.tokens
              .slice(positional[1].s, positional[1].e)
              .map((t) => t.value)
              .join('')
          : '');
      if (path === 'yaml.load' || path === 'yaml.load_all') {
        if (/(Safe|Base|CSafe)Loader$/.test(loader)) return;
        detail = loader ? ` with ${loader}` : ' without a safe Loader';
      }
    } else if (/^marshal\./.test(path)) {
      severity = 'high';
      detail = ' (code objects)';
    }
    if (facts.downloaded) {
      this.observe(
        {
          rule: R.PY_EXEC_DOWNLOADED,
          message: `${name} deserialises data downloaded from the network (line ${line})`,
          line,
          pos,
          evidence: { callee: name },
        },
        `dl:${line}`,
      );
      return;
    }
    if (facts.decoded && /^(pickle|dill|cloudpickle|joblib)\.loads$/.test(path)) {
      const inner = this.chainAt[args[0]?.s ?? -1];
      const dc = inner?.calls.find((c) => categorize(c.path).includes('decode'));
      const bytes = dc?.path ? this.constBytes(dc.path, dc, 0) : undefined;
      if (bytes && bytes.length && this.embeddedPickles.length < 16)
        this.embeddedPickles.push({ line, pos, data: bytes });
      severity = 'high';
      detail = ' from an encoded constant';
    }
    aggregate(
      `deser:${name}${detail}`,
      R.PY_UNSAFE_DESERIALIZATION,
      line,
      pos,
      `${name}${detail} can run code from the data`,
      { callee: name },
      severity,
    );
  }

  private fileAccess(path: string, call: CallSite | undefined): void {
    if (!call) return;
    let write = false;
    if (/write_(text|bytes)$/.test(path)) write = true;
    else if (/^(builtins\.open|io\.open|codecs\.open)$/.test(path)) {
      const args = this.args(call.open, call.close);
      const modeArg = args.find((a) => a.kw === 'mode') ?? args.filter((a) => !a.kw)[1];
      const mode = modeArg ? (this.constString(modeArg.s, modeArg.e, 0) ?? '') : '';
      write = /[wax+]/.test(mode);
    } else if (path === 'os.open') {
      write = this.rangeHasName(call.open, call.close, ['O_WRONLY', 'O_RDWR', 'O_APPEND', 'O_CREAT']);
    }
    if (write) this.state.fileWrite = true;
    else this.state.fileRead = true;
  }

  /** Files the code downloads to: urlretrieve(url, P), open(P, "wb").write(<downloaded>). */
  private downloadsToFiles(): void {
    const opened: string[] = [];
    let writesDownloaded = false;
    for (let i = 0; i < this.n; i++) {
      const chain = this.chainAt[i];
      if (chain)
        for (const c of chain.calls) {
          if (!c.path) continue;
          if (
            /^(urllib\.request\.urlretrieve|urllib\.urlretrieve|wget\.download|torch\.hub\.download_url_to_file)$/.test(
              c.path,
            )
          ) {
            const a = this.args(c.open, c.close).filter((x) => !x.kw)[1];
            const p = a ? this.constString(a.s, a.e, 0) : undefined;
            if (p) this.downloadedPaths.add(p);
          } else if (/^(builtins\.open|io\.open|codecs\.open)$/.test(c.path)) {
            const args = this.args(c.open, c.close);
            const modeArg = args.find((a) => a.kw === 'mode') ?? args.filter((a) => !a.kw)[1];
            const mode = modeArg ? (this.constString(modeArg.s, modeArg.e, 0) ?? '') : '';
            const a0 = args.filter((a) => !a.kw)[0];
            const p = a0 ? this.constString(a0.s, a0.e, 0) : undefined;
            if (p && /[wax+]/.test(mode) && opened.length < 100) opened.push(p);
          }
        }
      const t = this.tokens[i];
      if (
        t.type === 'name' &&
        t.value === 'write' &&
        this.isOp(i - 1, '.') &&
        this.isOp(i + 1, '(') &&
        this.match[i + 1] > i
      )
        if (this.rangeFacts(i + 2, this.match[i + 1], 0).downloaded) writesDownloaded = true;
    }
    if (writesDownloaded) for (const p of opened) this.downloadedPaths.add(p);
  }

  /** Token-level checks: trust_remote_code, interpreter tampering, obfuscation markers, encoded blobs. */
  private analyzeTokens(): void {
    for (const [s, e] of this.statements) this.tamperingAssignment(s, e);
    for (let i = 0; i < this.n; i++) {
      const t = this.tokens[i];
      if (
        t.type === 'name' &&
        t.value === 'trust_remote_code' &&
        this.isOp(i + 1, '=') &&
        this.isName(i + 2, 'True')
      )
        this.observe(
          {
            rule: R.PY_NESTED_REMOTE_CODE,
            message: `code loads another model with trust_remote_code=True (line ${t.line})`,
            line: t.line,
            pos: t.pos,
            evidence: {},
          },
          'trc',
        );
      if (
        t.type === 'string' &&
        t.value === 'trust_remote_code' &&
        this.isOp(i + 1, ':') &&
        this.isName(i + 2, 'True')
      )
        this.observe(
          {
            rule: R.PY_NESTED_REMOTE_CODE,
            message: `code loads another model with trust_remote_code=True (line ${t.line})`,
            line: t.line,
            pos: t.pos,
            evidence: {},
          },
          'trc',
        );
      if (
        (t.type === 'name' && /^__(builtins|subclasses|globals)__$/.test(t.value) && !t.embedded) ||
        (t.type === 'string' && !t.docstring && /^__(builtins|subclasses|globals|import)__$/.test(t.value))
      ) {
        this.observe(
          {
            rule: R.PY_OBFUSCATION,
            message: `code reaches interpreter internals through ${t.value} (line ${t.line})`,
            line: t.line,
            pos: t.pos,
            evidence: { name: t.value },
          },
          `internals:${t.value}`,
        );
      }
    }
    // chr() chains
    for (const [s, e] of this.statements) {
      let chr = 0;
      for (let i = s; i < e; i++) if (this.isName(i, 'chr') && this.isOp(i + 1, '(')) chr++;
      if (chr >= 6) {
        const f = this.rangeFacts(s, e, 0);
        const text = f.decodedTexts.join('');
        const tok = this.tokens[s];
        this.observe(
          {
            rule: R.PY_OBFUSCATION,
            message: `string built from ${chr} chr() calls (line ${tok.line})${text ? `: ${preview(text, 80)}` : ''}`,
            line: tok.line,
            pos: tok.pos,
            evidence: { decoded: preview(text, 300) },
          },
          `chr:${tok.line}`,
        );
      }
    }
    // Encoded blobs in constants
    let blobs = 0;
    for (const t of this.tokens) {
      if (t.type !== 'string' || t.docstring || t.value.length < 120 || blobs >= 50) continue;
      const decoded = decodeBlob(t.value);
      if (!decoded) continue;
      blobs++;
      if (this.decodedPool.length < 200) this.decodedPool.push(decoded.text);
      const indicator = codeIndicator(decoded.text) ?? decoded.binary;
      if (!indicator) continue;
      this.observe(
        {
          rule: R.PY_OBFUSCATION,
          message: `${decoded.encoding} string of ${t.value.length} characters decodes to ${indicator} (line ${t.line}): ${preview(decoded.text, 80)}`,
          line: t.line,
          pos: t.pos,
          severity: 'high',
          evidence: { encoding: decoded.encoding, decoded: preview(decoded.text, 300) },
        },
        `blob:${t.line}`,
      );
    }
  }

  /** sys.modules[...] = x, builtins.open = f, sys.meta_path = [...] */
  private tamperingAssignment(s: number, e: number): void {
    if (!this.isName(s) || KEYWORDS.has(this.tokens[s].value)) return;
    const head = this.tokens[s].value;
    let path = head === '__builtins__' ? 'builtins' : this.imports.get(head);
    if (!path) return;
    let j = s + 1;
    let subscript = false;
    while (j < e) {
      if (this.isOp(j, '.') && this.isName(j + 1)) {
        path += `.${this.tokens[j + 1].value}`;
        j += 2;
      } else if (this.isOp(j, '[') && this.match[j] > j) {
        subscript = true;
        j = this.match[j] + 1;
        break;
      } else break;
    }
    if (!this.isOp(j, '=')) return;
    const target =
      /^sys\.(modules|meta_path|path_hooks|settrace|setprofile)$/.test(path) ||
      path.startsWith('builtins.') ||
      (path === 'builtins' && subscript);
    if (!target) return;
    const t = this.tokens[s];
    this.observe(
      {
        rule: R.PY_RUNTIME_TAMPERING,
        message: `code assigns to ${path}${subscript ? '[…]' : ''} (line ${t.line})`,
        line: t.line,
        pos: t.pos,
        evidence: { target: path },
      },
      `tamper-assign:${path}`,
    );
  }

  private fileLevel(): void {
    const strings: Array<{ s: string; line: number; pos: number }> = [];
    for (const t of this.tokens)
      if (t.type === 'string' && !t.docstring && strings.length < 20_000)
        strings.push({ s: t.value, line: t.line, pos: t.pos });
    for (const d of this.decodedPool) strings.push({ s: d, line: 0, pos: 0 });
    const st = this.state;
    const executes = st.process || st.exec;

    // Reverse shells built from primitives.
    if (st.socketConnect && (st.dup2 || st.ptySpawn || st.shellOnSocket)) {
      this.observe(
        {
          rule: R.PY_REVERSE_SHELL,
          message: `code connects a socket and attaches a shell to it (${[st.dup2 && 'os.dup2', st.ptySpawn && 'pty.spawn', st.shellOnSocket && 'shell process'].filter(Boolean).join(', ')})`,
          line: 0,
          pos: 0,
          evidence: { dup2: st.dup2, ptySpawn: st.ptySpawn },
        },
        'revshell',
      );
    }
    // Hostile commands anywhere (string not seen flowing into a sink).
    for (const { s, line, pos } of strings) {
      if (this.budget.matched <= 0) break;
      this.budget.matched -= s.length;
      for (const h of hostileCommands(s)) {
        if ([...this.keys].some((k) => k.startsWith(`cmd:${h.kind}:`))) continue;
        if (h.kind === 'download-and-run' && isKnownInstaller(h.match)) continue;
        const rule = h.kind === 'reverse-shell' ? R.PY_REVERSE_SHELL : R.PY_SHELL_PAYLOAD;
        this.observe(
          {
            rule,
            message: `code contains a ${h.kind} command${executes ? '' : ' (no execution call resolved)'}${line ? ` (line ${line})` : ''}: ${h.match}`,
            line,
            pos,
            impact: executes ? undefined : 'suspicious',
            severity: executes ? undefined : 'high',
            confidence: 'medium',
            evidence: { kind: h.kind, command: h.match },
          },
          `cmd:${h.kind}`,
        );
      }
    }
    // Credentials.
    const creds = strings.map((x) => ({ ...x, c: credentialLocation(x.s) })).filter((x) => x.c);
    if (creds.length) {
      const acts = st.fileRead || st.network || st.process || st.exec || st.fsmod;
      const c = creds[0];
      this.observe(
        {
          rule: R.PY_CREDENTIAL_ACCESS,
          message: `code names credential store ${c.c}${acts ? ' and reads files, runs commands or uses the network' : ''}${c.line ? ` (line ${c.line})` : ''}`,
          line: c.line,
          pos: c.pos,
          impact: acts ? undefined : 'suspicious',
          severity: acts ? undefined : 'high',
          evidence: { locations: [...new Set(creds.map((x) => x.c))].slice(0, 10) },
        },
        'creds',
      );
    }
    if (st.exfil.length)
      this.observe(
        {
          rule: R.PY_CREDENTIAL_ACCESS,
          message: `code sends secrets or host identity over the network: ${st.exfil.slice(0, 3).join('; ')}`,
          line: 0,
          pos: 0,
          evidence: { calls: st.exfil.slice(0, 10) },
        },
        'exfil',
      );
    if (st.recon.length && !st.exfil.length)
      this.observe(
        {
          rule: R.PY_CREDENTIAL_ACCESS,
          message: `code sends host identity (host name, user name) over the network: ${st.recon.slice(0, 3).join('; ')}`,
          line: 0,
          pos: 0,
          impact: 'suspicious',
          severity: 'high',
          evidence: { calls: st.recon.slice(0, 10) },
        },
        'recon',
      );
    // Persistence.
    const pers = strings.map((x) => ({ ...x, p: persistenceLocation(x.s) })).filter((x) => x.p);
    if (pers.length) {
      const acts = st.fileWrite || st.process || st.exec || st.fsmod;
      const p = pers[0];
      this.observe(
        {
          rule: R.PY_PERSISTENCE,
          message: `code names persistence location ${p.p}${acts ? ' and writes files or runs commands' : ''}${p.line ? ` (line ${p.line})` : ''}`,
          line: p.line,
          pos: p.pos,
          impact: acts ? undefined : 'suspicious',
          severity: acts ? undefined : 'high',
          evidence: { locations: [...new Set(pers.map((x) => x.p))].slice(0, 10) },
        },
        'persist',
      );
    }
    // URLs and addresses.
    const suspicious: string[] = [];
    const plain: string[] = [];
    let firstSuspicious: { line: number; pos: number } | undefined;
    for (const { s, line, pos } of strings) {
      for (const u of extractUrls(s, 50)) {
        const info = classifyUrl(u);
        if (info.rawIp || info.exfil || (info.executable && !info.wellKnown && !info.installer)) {
          if (suspicious.length < 20 && !suspicious.includes(info.url)) suspicious.push(info.url);
          firstSuspicious ??= { line, pos };
        } else if (!info.wellKnown && !info.loopback && plain.length < 20 && !plain.includes(info.url))
          plain.push(info.url);
      }
      const bare = s.trim();
      if ((st.network || st.socketConnect) && isIpAddress(bare) && !/^(127\.|0\.0\.0\.0$|255\.)/.test(bare)) {
        if (!suspicious.includes(bare)) suspicious.push(bare);
        firstSuspicious ??= { line, pos };
      }
    }
    if (suspicious.length)
      this.observe(
        {
          rule: R.PY_SUSPICIOUS_URL,
          message: `code contains suspicious endpoints: ${suspicious.slice(0, 3).join(', ')}`,
          line: firstSuspicious?.line ?? 0,
          pos: firstSuspicious?.pos ?? 0,
          evidence: { endpoints: suspicious },
        },
        'urls',
      );
    if (plain.length && this.depth === 0)
      this.observe(
        {
          rule: R.PY_HARDCODED_URL,
          message: `code contains URLs: ${plain.slice(0, 3).join(', ')}${plain.length > 3 ? ', …' : ''}`,
          line: 0,
          pos: 0,
          evidence: { urls: plain },
        },
        'plain-urls',
      );
    // Imports with no resolved use.
    for (const imp of this.importList) {
      const m = imp.module;
      const risky = RISKY_IMPORTS.has(m) ? m : [...RISKY_IMPORTS].find((r) => m.startsWith(`${r}.`));
      if (!risky || this.usedModules.has(risky)) continue;
      this.observe(
        {
          rule: R.PY_RISKY_IMPORT,
          message: `code imports ${m} (line ${this.tokens.find((t) => t.pos === imp.pos)?.line ?? 0})`,
          line: this.tokens.find((t) => t.pos === imp.pos)?.line ?? 0,
          pos: imp.pos,
          evidence: { module: m },
        },
        `import:${risky}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function displayName(path: string): string {
  return path.replace(/^builtins\./, '').replace(/\(\)/g, '()');
}

function moduleRoot(path: string): string {
  const p = path.replace(/\(\).*$/, '');
  if (
    /^(urllib\.request|http\.client|http\.server|xmlrpc\.client|xmlrpc\.server|asyncio\.subprocess|dns\.resolver)/.test(
      p,
    )
  )
    return p.split('.').slice(0, 2).join('.');
  return p.split('.')[0];
}

function firstCommand(f: Facts): string | undefined {
  return f.strings.length ? preview(f.strings.join(' '), 200) : undefined;
}

function commandPreview(f: Facts): string {
  const c = f.strings.length ? preview(f.strings.join(' '), 80) : '';
  return c ? `: ${c}` : '';
}

function sample(f: Facts): string | undefined {
  return f.strings[0] ? preview(f.strings[0], 200) : undefined;
}

function rot13(s: string): string {
  return s.replace(/[a-zA-Z]/g, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

function base32(s: string): Uint8Array | undefined {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = s.replace(/[=\s]/g, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of clean) {
    const v = alphabet.indexOf(c);
    if (v < 0) return undefined;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

function decodeWith(codec: string, s: string): string | undefined {
  try {
    if (codec === 'base64') return bytesToText(Buffer.from(s, 'base64'));
    if (codec === 'hex') return bytesToText(Buffer.from(s, 'hex'));
    if (codec === 'rot13' || codec === 'rot_13') return rot13(s);
    if (codec === 'zlib' || codec === 'zip')
      return bytesToText(inflateSync(Buffer.from(s, 'latin1'), { maxOutputLength: MAX_DECODED }));
  } catch {
    return undefined;
  }
  return undefined;
}

/** Text of decoded bytes: inflates zlib streams, returns UTF-8 (or Latin-1) text. */
function bytesToText(bytes: Uint8Array): string {
  let b = Buffer.from(bytes);
  if (b.length > 2 && b[0] === 0x78 && (b[1] === 0x01 || b[1] === 0x5e || b[1] === 0x9c || b[1] === 0xda)) {
    try {
      b = inflateSync(b, { maxOutputLength: MAX_DECODED });
    } catch {
      /* not zlib after all */
    }
  }
  if (b.length > MAX_DECODED) b = b.subarray(0, MAX_DECODED);
  return b.toString('latin1');
}

const CODE_INDICATOR =
  /\b(import\s+(os|sys|socket|subprocess|pty|ctypes|base64|requests|urllib)|exec\s*\(|eval\s*\(|os\.system|os\.popen|subprocess\.|socket\.socket|__import__|\/bin\/(ba)?sh|powershell|cmd\.exe|curl\s|wget\s|https?:\/\/)/;

function codeIndicator(text: string): string | undefined {
  const m = CODE_INDICATOR.exec(text.slice(0, 200_000));
  return m ? `code or commands (${m[0].trim()})` : undefined;
}

/** Decodes a long base64 or hex literal; undefined when it is neither or decodes to nothing readable. */
function decodeBlob(s: string): { encoding: string; text: string; binary?: string } | undefined {
  const compact = s.replace(/\s+/g, '');
  if (compact.length < 120) return undefined;
  let bytes: Buffer | undefined;
  let encoding = '';
  if (/^[0-9a-fA-F]+$/.test(compact) && compact.length % 2 === 0) {
    bytes = Buffer.from(compact, 'hex');
    encoding = 'hex';
  } else if (
    /^[A-Za-z0-9+/_-]+={0,2}$/.test(compact) &&
    /[A-Z]/.test(compact) &&
    /[a-z]/.test(compact) &&
    /\d/.test(compact)
  ) {
    bytes = Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    encoding = 'base64';
  }
  if (!bytes || bytes.length < 16) return undefined;
  let binary: string | undefined;
  if (bytes[0] === 0x4d && bytes[1] === 0x5a) binary = 'a Windows executable (MZ)';
  else if (bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46)
    binary = 'an ELF executable';
  else if (bytes[0] === 0xcf && bytes[1] === 0xfa && bytes[2] === 0xed && bytes[3] === 0xfe)
    binary = 'a Mach-O executable';
  const text = bytesToText(bytes);
  let printable = 0;
  for (let i = 0; i < Math.min(text.length, 4096); i++) {
    const c = text.charCodeAt(i);
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127)) printable++;
  }
  if (!binary && printable / Math.min(text.length, 4096) < 0.9) return undefined;
  return { encoding, text, binary };
}
