/**
 * Checks for free-form strings stored in model files (safetensors metadata, tensor names, other formats' metadata):
 * code, shell commands, URLs, unsafe names and base64-encoded payloads. Every function is bounded by the length of
 * the text it is given; callers bound how much text they pass.
 */

export interface CodeHit {
  kind: 'python' | 'shell' | 'html';
  match: string;
}

const PY_MODULES =
  'os|sys|subprocess|socket|shutil|ctypes|pty|pickle|marshal|base64|requests|urllib|urllib2|http|importlib|runpy|builtins|code|codecs|webbrowser|multiprocessing|platform|dill|cloudpickle|joblib';

const PYTHON_PATTERNS: RegExp[] = [
  /\b__import__\s*\(/,
  /(?<![\w.])(?:exec|eval|execfile|compile)\s*\(\s*[\w"'(]/,
  /\bos\s*\.\s*(?:system|popen\d?|exec[lv]p?e?|spawn[lv]p?e?|startfile|remove|unlink|rmdir|fork|kill)\s*\(/,
  /\bsubprocess\s*\.\s*(?:Popen|call|run|check_call|check_output|getoutput|getstatusoutput)\b/,
  new RegExp(`(?:^|[\\s;])import\\s+(?:${PY_MODULES})\\b`),
  new RegExp(`(?:^|[\\s;])from\\s+(?:${PY_MODULES})(?:\\.[\\w.]+)?\\s+import\\b`),
  /\b(?:pickle|cPickle|dill|marshal|cloudpickle)\s*\.\s*loads?\s*\(/,
  /\bbase64\s*\.\s*(?:b64decode|b32decode|b16decode|decodebytes)\s*\(/,
  /\bgetattr\s*\(\s*__builtins__/,
  /__builtins__\s*\[/,
  /\.__(?:globals|subclasses|mro|code|class|bases)__\b/,
  /\bctypes\s*\.\s*(?:CDLL|cdll|windll|WinDLL|pythonapi)\b/,
  /\bsocket\s*\.\s*socket\s*\(/,
  /\bimportlib\s*\.\s*import_module\s*\(/,
  /\blambda\s+[\w,\s*]*:\s*(?:__import__|os\.|subprocess\.|exec|eval)/,
];

const SHELL_PATTERNS: RegExp[] = [
  /\b(?:curl|wget|fetch)\b[^|;\n]{0,300}\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b/,
  /\b(?:curl|wget)\s+(?:-[\w-]+\s+)*['"]?(?:https?|ftp):\/\/\S+\s*(?:-[oO]\s*\S+)?\s*(?:;|&&)\s*(?:chmod|sh|bash|\.\/)/,
  /(?:^|[\s;&|`(])(?:\/bin\/)?(?:ba|z|da)?sh\s+-c\s+['"]/,
  /\brm\s+-[rRf]{1,3}\s+(?:\/|~|\$HOME|\*)/,
  /\bnc(?:at)?\s+(?:-\w+\s+)*-[ec]\s+\S/,
  /\/dev\/(?:tcp|udp)\/[\w.-]+\/\d+/,
  /\bpowershell(?:\.exe)?\b[^\n]{0,100}\s-(?:e|ec|enc|encodedcommand|c|command)\s/i,
  /\bchmod\s+(?:\+x|[0-7]{3,4})\s+\S/,
  /\bmkfifo\s+\S/,
  /\$\(\s*(?:curl|wget|bash|sh|nc|python3?)\b/,
  /`\s*(?:curl|wget|bash|sh|nc|python3?)\s[^`]*`/,
  /\bpython3?\s+-c\s+['"]/,
  /(?:^|[\s;&|`(])(?:wget|curl)\s+(?:-[\w-]+\s+)*['"]?(?:https?|ftp):\/\//,
  /\b(?:crontab\s+-|\/etc\/(?:passwd|shadow|crontab)\b|~\/\.ssh\/|authorized_keys\b)/,
];

const HTML_PATTERNS: RegExp[] = [
  /<\s*script\b/i,
  /\bjavascript\s*:/i,
  /<[^>]{0,200}\bon(?:error|load|click|mouseover|focus)\s*=/i,
  /<\s*iframe\b/i,
];

/** The first code-like match in `text`, if any. */
export function findCode(text: string): CodeHit | undefined {
  for (const re of PYTHON_PATTERNS) {
    const m = re.exec(text);
    if (m) return { kind: 'python', match: m[0].trim().slice(0, 120) };
  }
  for (const re of SHELL_PATTERNS) {
    const m = re.exec(text);
    if (m) return { kind: 'shell', match: m[0].trim().slice(0, 120) };
  }
  for (const re of HTML_PATTERNS) {
    const m = re.exec(text);
    if (m) return { kind: 'html', match: m[0].trim().slice(0, 120) };
  }
  return undefined;
}

const URL_RE = /\b(?:https?|ftp|sftp|file|s3|gs|hdfs|smb|javascript|data):[^\s"'<>`)\]}]*/gi;

export interface UrlHit {
  url: string;
  /** Why the URL is risky; undefined for an ordinary URL. */
  risk?: string;
}

const RISKY_HOSTS =
  /(?:^|\.)(?:pastebin\.com|paste\.ee|hastebin\.com|ghostbin\.\w+|transfer\.sh|ngrok(?:-free)?\.(?:io|app|dev)|trycloudflare\.com|webhook\.site|requestbin\.\w+|pipedream\.net|interact\.sh|oast\.\w+|burpcollaborator\.net|serveo\.net|localtunnel\.me|discord(?:app)?\.com)$/i;
/** Hosts that model metadata commonly links to (model hubs, code hosts, papers, licenses). */
const KNOWN_HOSTS =
  /(?:^|\.)(?:huggingface\.co|hf\.co|github\.com|githubusercontent\.com|github\.io|gitlab\.com|civitai\.com|arxiv\.org|doi\.org|creativecommons\.org|opensource\.org|apache\.org|spdx\.org|gnu\.org|mit-license\.org|pytorch\.org|tensorflow\.org|keras\.io|stability\.ai|openai\.com|google\.com|microsoft\.com|nvidia\.com|meta\.com|facebook\.com|kaggle\.com|wikipedia\.org|readthedocs\.io|pypi\.org|modelscope\.cn|ollama\.com|paperswithcode\.com|openreview\.net|aclanthology\.org|bigscience\.huggingface\.co)$/i;
const RISKY_PATH =
  /\.(?:sh|bash|py|pyc|exe|dll|so|dylib|ps1|bat|cmd|vbs|jar|pkl|pickle|scr|msi|elf|bin\.sh)(?:[?#]|$)/i;

/** URLs in `text` (at most `max`), each classified. `data:` image URIs are ignored. */
export function findUrls(text: string, max = 50): UrlHit[] {
  const out: UrlHit[] = [];
  URL_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = URL_RE.exec(text)) && out.length < max) {
    const url = m[0];
    const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
    if (scheme === 'data') {
      // data: URIs are inline content (thumbnails); encoded payloads are checked separately.
      continue;
    }
    if (url.length <= scheme.length + 3) continue;
    out.push({ url: url.slice(0, 300), risk: urlRisk(url, scheme) });
  }
  return out;
}

function urlRisk(url: string, scheme: string): string | undefined {
  if (scheme === 'file') return 'local file URL';
  if (scheme === 'javascript') return 'javascript: URL';
  let host = '';
  let pathname = '';
  try {
    const u = new URL(url);
    host = u.hostname;
    pathname = u.pathname;
  } catch {
    return undefined;
  }
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || host.startsWith('[')) return 'raw IP address';
  if (RISKY_HOSTS.test(host)) return 'paste, tunnel or request-capture service';
  if (RISKY_PATH.test(pathname)) return 'points at a script, executable or pickle';
  if (!KNOWN_HOSTS.test(host)) return 'host is not a well-known model, code, paper or license site';
  return undefined;
}

export type NameProblem = 'traversal' | 'absolute path' | 'control characters' | 'bidirectional override';

/** Why a name (tensor name, member name, key) is unsafe to use as a path or to display. */
export function unsafeName(name: string): NameProblem | undefined {
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control characters';
  if (/[\u202a-\u202e\u2066-\u2069]/.test(name)) return 'bidirectional override';
  if (/(?:^|[\\/])\.\.(?:[\\/]|$)/.test(name)) return 'traversal';
  if (
    /^(?:[\\/]{2}|~[\\/]|[A-Za-z]:[\\/])/.test(name) ||
    /^\/(?:etc|root|home|tmp|var|usr|bin|proc|dev)\//.test(name)
  )
    return 'absolute path';
  return undefined;
}

export type PayloadKind = 'pickle' | 'zip' | 'gzip' | 'elf' | 'pe' | 'mach-o' | 'script';

/** What decoded bytes are, when they are something that can run or carry code. */
export function payloadKind(b: Uint8Array): PayloadKind | undefined {
  if (b.length < 4) return undefined;
  if (b[0] === 0x80 && b[1] >= 2 && b[1] <= 5) return 'pickle';
  if (b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6))
    return 'zip';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) return 'elf';
  if (b[0] === 0x4d && b[1] === 0x5a) return 'pe';
  if ((b[0] === 0xcf || b[0] === 0xce) && b[1] === 0xfa && b[2] === 0xed && b[3] === 0xfe) return 'mach-o';
  if (b[0] === 0x23 && b[1] === 0x21) return 'script';
  // protocol 0/1 pickles: "cos\nsystem\n" style GLOBAL opcodes
  if (b[0] === 0x63 && /^c[\w.]+\n[\w.]+\n/.test(Buffer.from(b.subarray(0, 200)).toString('latin1')))
    return 'pickle';
  return undefined;
}

/** Decodes `text` as base64 (standard or URL-safe, optionally a data: URI body); undefined when it is not base64. */
export function decodeBase64(text: string, maxDecoded: number): Uint8Array | undefined {
  let body = text.trim();
  const comma = body.startsWith('data:') ? body.indexOf(',') : -1;
  if (comma >= 0) {
    if (!/;base64$/i.test(body.slice(0, comma))) return undefined;
    body = body.slice(comma + 1);
  }
  if (body.length < 24 || body.length > (maxDecoded * 4) / 3 + 8) return undefined;
  const compact = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) return undefined;
  if (compact.length % 4 === 1) return undefined;
  // Plain words and identifiers are also base64 alphabet; require some mix that real payloads have.
  if (!/[0-9+/]/.test(compact) && !/[A-Z].*[a-z]|[a-z].*[A-Z]/.test(compact)) return undefined;
  const buf = Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return buf.length ? new Uint8Array(buf.buffer, buf.byteOffset, buf.length) : undefined;
}
