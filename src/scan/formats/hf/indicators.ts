/**
 * Indicators shared by the Hugging Face analyzers (configs, Python source, model cards): dangerous module names,
 * hostile command lines, credential and persistence locations, URL classification. Pure functions over strings.
 */

/**
 * Modules no model config has a reason to name as something loaders import: process, network, code-loading and
 * deserialising modules (prefix match on dotted components).
 */
const DANGEROUS_MODULE_ROOTS = [
  'os',
  'posix',
  'nt',
  'subprocess',
  'builtins',
  '__builtin__',
  '__builtins__',
  'sys',
  'socket',
  'shutil',
  'pickle',
  '_pickle',
  'cPickle',
  'marshal',
  'dill',
  'cloudpickle',
  'joblib',
  'importlib',
  'runpy',
  'pty',
  'ctypes',
  '_ctypes',
  'code',
  'codeop',
  'pdb',
  'bdb',
  'pydoc',
  'pkgutil',
  'webbrowser',
  'urllib',
  'urllib2',
  'http',
  'httplib',
  'requests',
  'httpx',
  'aiohttp',
  'ftplib',
  'smtplib',
  'telnetlib',
  'multiprocessing',
  'asyncio',
  'commands',
  'platform',
  'shelve',
  'tempfile',
  'io',
  '_io',
  'pathlib',
  'glob',
  'timeit',
  'cProfile',
  'profile',
  'trace',
  'types',
  'operator',
  '_operator',
  'functools',
  'zipimport',
  'signal',
  'pexpect',
  'paramiko',
  'torch.hub',
  'torch.serialization',
  'torch.load',
  'torch.jit.load',
  'torch.package',
  'numpy.load',
  'pandas.read_pickle',
  'keras.models.load_model',
  'keras.saving',
  'tensorflow.io',
];

/** The root (one or two components) of `mod` that is on the dangerous list, or undefined. */
export function dangerousModuleRoot(mod: string): string | undefined {
  for (const root of DANGEROUS_MODULE_ROOTS) if (mod === root || mod.startsWith(`${root}.`)) return root;
  return undefined;
}

/** A Python dotted name (module.Class, module.sub.func). */
export function isDottedName(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(s);
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile commands

export type CommandKind =
  'download-and-run' | 'reverse-shell' | 'destructive' | 'miner' | 'encoded-powershell' | 'credential-dump';

const COMMAND_PATTERNS: Array<[CommandKind, RegExp]> = [
  ['download-and-run', /\b(curl|wget|fetch)\b[^|;&\n]{0,400}\|\s*(sudo\s+)?(ba|z|da|k)?sh\b/i],
  ['download-and-run', /\b(curl|wget)\b[^|;&\n]{0,400}\|\s*(sudo\s+)?python[0-9.]*\b/i],
  ['download-and-run', /\b(ba|z)?sh\s+(-c\s+)?["']?\$\((curl|wget)\b/i],
  ['download-and-run', /\b(ba|z)?sh\s+<\(\s*(curl|wget)\b/i],
  [
    'download-and-run',
    /\b(curl|wget)\b[^;&\n]{0,300}(-o|-O|--output)\s*\S+[^\n]{0,200}(chmod\s+[+0-7]*x|&&\s*\.\/|;\s*\.\/)/i,
  ],
  [
    'download-and-run',
    /\b(iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b[^\n]{0,300}\b(iex|invoke-expression)\b/i,
  ],
  [
    'download-and-run',
    /\b(iex|invoke-expression)\b[^\n]{0,50}\(?\s*(new-object\s+net\.webclient|iwr|irm|invoke-webrequest)/i,
  ],
  ['download-and-run', /\bcertutil(\.exe)?\b[^\n]{0,100}-urlcache\b/i],
  ['download-and-run', /\bbitsadmin(\.exe)?\b[^\n]{0,100}\/transfer\b/i],
  ['download-and-run', /\bmshta(\.exe)?\s+https?:/i],
  ['download-and-run', /\bregsvr32\b[^\n]{0,100}\/i:https?:/i],
  [
    'encoded-powershell',
    /\bpowershell(\.exe)?\b[^\n]{0,100}\s-(e|ec|enc|encodedcommand)\s+[A-Za-z0-9+/=]{16,}/i,
  ],
  ['reverse-shell', /\/dev\/(tcp|udp)\/[^\s/]+\/\d+/i],
  ['reverse-shell', /\b(nc|ncat|netcat)\b[^\n|;]{0,100}\s-[a-z]*[ec]\s*\/?\S*(sh|bash|cmd)\b/i],
  ['reverse-shell', /\bmkfifo\b[^\n]{0,200}\b(nc|ncat|netcat|openssl)\b/i],
  ['reverse-shell', /\bsocat\b[^\n]{0,200}\bexec:/i],
  ['reverse-shell', /\b(ba)?sh\s+-i\s*(>&|<&|>\s*&|2>&1)/i],
  [
    'destructive',
    /\brm\s+(-[a-z]*r[a-z]*f|-[a-z]*f[a-z]*r)[a-z]*\s+(--no-preserve-root\s+)?(\/|~|\$HOME|\/\*)(\s|$|["'])/i,
  ],
  ['destructive', /\bmkfs(\.\w+)?\s+\/dev\//i],
  ['destructive', /\bdd\s+[^\n]{0,80}of=\/dev\/(sd|nvme|hd|xvd|disk)/i],
  ['destructive', /:\(\)\s*\{\s*:\|:&\s*\};:/],
  ['destructive', /\bformat\s+[a-z]:\s*\/[qy]/i],
  ['destructive', /\b(del|rd|rmdir)\s+\/[sq]\s+\/[sq]\s+[a-z]:\\/i],
  ['miner', /\bstratum\+(tcp|ssl):\/\//i],
  ['miner', /\b(xmrig|minerd|cpuminer|cgminer|nbminer|t-rex|lolminer)\b/i],
  [
    'credential-dump',
    /\bcat\s+[^\n|;]{0,60}(\.ssh\/id_|\.aws\/credentials|\/etc\/shadow|\.netrc|huggingface\/token)/i,
  ],
];

/** Hostile command kinds found in `text` (a shell command line or any string the code runs). */
export function hostileCommands(text: string): Array<{ kind: CommandKind; match: string }> {
  const out: Array<{ kind: CommandKind; match: string }> = [];
  if (text.length > 1_000_000) text = text.slice(0, 1_000_000);
  for (const [kind, re] of COMMAND_PATTERNS) {
    const m = re.exec(text);
    if (m && !out.some((o) => o.kind === kind)) out.push({ kind, match: clip(m[0], 160) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Credential and persistence locations

const CREDENTIAL_PATTERNS: RegExp[] = [
  /\.ssh\/(id_(rsa|dsa|ecdsa|ed25519)|identity|known_hosts|config)\b/i,
  /\.ssh[\\/]?$/i,
  /\.aws[\\/](credentials|config)\b/i,
  /\.azure[\\/]/i,
  /\.config[\\/]gcloud\b/i,
  /application_default_credentials\.json/i,
  /\.kube[\\/]config\b/i,
  /\.docker[\\/]config\.json/i,
  /(^|[\\/])\.netrc\b/i,
  /\.git-credentials\b/i,
  /(^|[\\/])\.pypirc\b/i,
  /(^|[\\/])\.npmrc\b/i,
  /huggingface[\\/](stored_)?token/i,
  /\.gnupg[\\/]/i,
  /\/etc\/(shadow|sudoers|gshadow)\b/i,
  /Login Data\b/,
  /Local Storage[\\/]leveldb/i,
  /\bwallet\.dat\b/i,
  /\.bitcoin[\\/]/i,
  /\.electrum[\\/]/i,
  /Keychains?[\\/]/,
  /\.mozilla[\\/]firefox[\\/].*(logins\.json|key4\.db|cookies\.sqlite)/i,
  /(logins\.json|key4\.db|key3\.db)\b/i,
  /\\Microsoft\\Credentials\\/i,
];

/** A credential store named by `s`, or undefined. */
export function credentialLocation(s: string): string | undefined {
  if (s.length > 4096) return undefined;
  for (const re of CREDENTIAL_PATTERNS) {
    const m = re.exec(s);
    if (m) return clip(s, 120);
  }
  return undefined;
}

const SECRET_ENV =
  /^(AWS_(SECRET_ACCESS_KEY|ACCESS_KEY_ID|SESSION_TOKEN)|HF_TOKEN|HUGGING_FACE_HUB_TOKEN|HUGGINGFACE_(HUB_)?TOKEN|HF_API_TOKEN|OPENAI_API_KEY|ANTHROPIC_API_KEY|GITHUB_TOKEN|GH_TOKEN|GITLAB_TOKEN|NPM_TOKEN|PYPI_TOKEN|WANDB_API_KEY|AZURE_\w*(KEY|SECRET)\w*|GOOGLE_APPLICATION_CREDENTIALS|\w*_(SECRET|PASSWORD|PASSWD|PRIVATE_KEY)\w*|\w*_API_KEY)$/;

/** True for environment variable names that hold secrets. */
export function isSecretEnvName(s: string): boolean {
  return s.length < 100 && SECRET_ENV.test(s);
}

const PERSISTENCE_PATTERNS: RegExp[] = [
  /(^|[\\/~])\.(bashrc|bash_profile|bash_login|profile|zshrc|zprofile|zshenv|zlogin|cshrc|tcshrc)\b/i,
  /\.config[\\/]fish[\\/]config\.fish/i,
  /\.ssh[\\/]authorized_keys/i,
  /\/etc\/(cron\.|crontab\b|rc\.local\b|profile\.d\/|ld\.so\.preload\b|systemd\/system\/|init\.d\/)/i,
  /\/var\/spool\/cron\b/i,
  /\bcrontab\s+(-\s|-l\b|[^\s-])/i,
  /\.config[\\/](systemd[\\/]user|autostart)[\\/]/i,
  /Library[\\/]Launch(Agents|Daemons)/i,
  /\\CurrentVersion\\(Run|RunOnce)\b/i,
  /Start Menu\\Programs\\Startup/i,
  /(^|[\\/])sitecustomize\.py\b/i,
  /(^|[\\/])usercustomize\.py\b/i,
  /site-packages[\\/][^\\/]*\.pth$/i,
];

/** A persistence location named by `s`, or undefined. */
export function persistenceLocation(s: string): string | undefined {
  if (s.length > 4096) return undefined;
  for (const re of PERSISTENCE_PATTERNS) if (re.test(s)) return clip(s, 120);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// URLs

const URL_RE = /\b(?:https?|ftp|wss?):\/\/[^\s"'<>`)\]}]{1,2000}/gi;

/** URLs in `text` (bounded count). */
export function extractUrls(text: string, max = 200): string[] {
  const out: string[] = [];
  URL_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = URL_RE.exec(text)) && out.length < max) out.push(m[0].replace(/[.,;:!?*_]+$/, ''));
  return out;
}

/** Hosts that only carry models, packages or source code of well-known projects. */
const WELL_KNOWN_HOSTS = [
  'huggingface.co',
  'hf.co',
  'cdn-lfs.huggingface.co',
  'github.com',
  'raw.githubusercontent.com',
  'gitlab.com',
  'pypi.org',
  'files.pythonhosted.org',
  'pytorch.org',
  'download.pytorch.org',
  'tensorflow.org',
  'storage.googleapis.com',
  'arxiv.org',
  'doi.org',
  'openai.com',
  'microsoft.com',
  'nvidia.com',
  'readthedocs.io',
  'readthedocs.org',
  'python.org',
  'docs.python.org',
  'wikipedia.org',
  'creativecommons.org',
  'apache.org',
  'opensource.org',
  'spdx.org',
  'kaggle.com',
  'paperswithcode.com',
  'aclanthology.org',
  'openreview.net',
  'google.com',
  'modelscope.cn',
];

/** Hosts of installer scripts that many model cards legitimately pipe into a shell. */
const INSTALLER_HOSTS = [
  'ollama.com',
  'ollama.ai',
  'astral.sh',
  'sh.rustup.rs',
  'get.docker.com',
  'install.python-poetry.org',
  'bun.sh',
  'pixi.sh',
  'pyenv.run',
  'deb.nodesource.com',
  'rpm.nodesource.com',
  'hf.co',
  'huggingface.co',
  'lmstudio.ai',
  'deno.land',
  'get.helm.sh',
  'sdk.cloud.google.com',
  'aka.ms',
];

const EXFIL_HOSTS = [
  'pastebin.com',
  'paste.ee',
  'hastebin.com',
  'ghostbin.com',
  'ghostbin.co',
  'termbin.com',
  'transfer.sh',
  'temp.sh',
  '0x0.st',
  'file.io',
  'anonfiles.com',
  'gofile.io',
  'ngrok.io',
  'ngrok-free.app',
  'ngrok.app',
  'ngrok.dev',
  'trycloudflare.com',
  'loca.lt',
  'serveo.net',
  'localhost.run',
  'webhook.site',
  'requestbin.com',
  'requestbin.net',
  'pipedream.net',
  'interact.sh',
  'oast.fun',
  'oast.pro',
  'oast.live',
  'oast.site',
  'oast.online',
  'oast.me',
  'burpcollaborator.net',
  'canarytokens.com',
  'duckdns.org',
  'no-ip.org',
  'ddns.net',
  'api.telegram.org',
  'discord.com/api/webhooks',
  'discordapp.com/api/webhooks',
];

const EXECUTABLE_EXT =
  /\.(exe|msi|scr|com|bat|cmd|ps1|psm1|vbs|vbe|jse?|wsf|hta|lnk|jar|apk|dmg|pkg|app|elf|sh|bash|run|appimage)(\?[^#]*)?(#.*)?$/i;

export interface UrlInfo {
  url: string;
  host: string;
  rawIp: boolean;
  loopback: boolean;
  exfil: boolean;
  executable: boolean;
  wellKnown: boolean;
  installer: boolean;
  plainHttp: boolean;
}

function hostOf(url: string): string {
  const m = /^[a-z]+:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url);
  return (m?.[1] ?? '').toLowerCase().replace(/\.$/, '');
}

function hostMatches(host: string, list: string[], url: string): boolean {
  const lowerUrl = url.toLowerCase();
  for (const entry of list) {
    if (entry.includes('/')) {
      if (lowerUrl.includes(`//${entry}`) || lowerUrl.includes(`.${entry}`)) return true;
    } else if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** True for a dotted-quad IPv4 address (or bracketed IPv6 / long hex/decimal forms). */
export function isIpAddress(host: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return host.split('.').every((o) => Number(o) <= 255);
  if (/^\[[0-9a-f:.]+\]$/i.test(host)) return true;
  if (/^0x[0-9a-f]{1,8}$/i.test(host) || /^\d{8,10}$/.test(host)) return true;
  return false;
}

function isLoopback(host: string): boolean {
  return (
    host === 'localhost' ||
    host.startsWith('127.') ||
    host === '0.0.0.0' ||
    host === '[::1]' ||
    host === '[::]' ||
    host.endsWith('.localhost')
  );
}

export function classifyUrl(url: string): UrlInfo {
  const host = hostOf(url);
  const path = url.replace(/^[a-z]+:\/\/[^/]*/i, '');
  return {
    url: clip(url, 300),
    host,
    rawIp: isIpAddress(host) && !isLoopback(host),
    loopback: isLoopback(host),
    exfil: hostMatches(host, EXFIL_HOSTS, url),
    executable: EXECUTABLE_EXT.test(path.replace(/[?#].*$/, '')) || EXECUTABLE_EXT.test(path),
    wellKnown: hostMatches(host, WELL_KNOWN_HOSTS, url),
    installer: hostMatches(host, INSTALLER_HOSTS, url),
    plainHttp: /^http:\/\//i.test(url) && !isLoopback(host),
  };
}

export function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** Printable one-line preview of a string (control characters and line breaks escaped), for messages. */
export function preview(s: string, n = 160): string {
  const head = s.length > n * 4 ? s.slice(0, n * 4) : s;
  return clip(
    head.replace(/[\x00-\x1f\x7f]/g, (c) =>
      c === '\n'
        ? '\\n'
        : c === '\t'
          ? '\\t'
          : c === '\r'
            ? '\\r'
            : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    ),
    n,
  );
}

/** True when every URL in a download-and-run command points at a well-known installer host. */
export function isKnownInstaller(command: string): boolean {
  const urls = extractUrls(command, 10);
  return urls.length > 0 && urls.every((u) => classifyUrl(u).installer);
}
