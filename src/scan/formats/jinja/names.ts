/**
 * Name lists for the chat-template (Jinja) analysis. Everything here is data about Python and Jinja itself (attribute
 * names, module names, Jinja's default globals), never taken from a scanned file.
 */

/** `__name__`: a Python special attribute or method. */
const DUNDER_RE = /^__(?=\w*[A-Za-z0-9])\w+__$/;
/** `_Class__attr`: a name-mangled private attribute (e.g. `self._TemplateReference__context`). */
const MANGLED_RE = /^_[A-Za-z][A-Za-z0-9]*__[A-Za-z0-9_]+$/;

/** Special attributes used in published template-injection payloads (walks from any object to `os`). */
export const KNOWN_DUNDERS: ReadonlySet<string> = new Set([
  '__class__',
  '__mro__',
  '__base__',
  '__bases__',
  '__subclasses__',
  '__globals__',
  '__builtins__',
  '__init__',
  '__dict__',
  '__getattribute__',
  '__getattr__',
  '__import__',
  '__code__',
  '__func__',
  '__self__',
  '__module__',
  '__loader__',
  '__spec__',
  '__reduce__',
  '__reduce_ex__',
  '__getitem__',
  '__call__',
  '__name__',
  '__qualname__',
  '__closure__',
  '__defaults__',
  '__kwdefaults__',
  '__wrapped__',
  '__objclass__',
  '__new__',
  '__doc__',
  '__setattr__',
  '__delattr__',
  '__file__',
  '__path__',
]);

/** True for `__x__` special names and `_Cls__x` mangled private names: Python object internals. */
export function isInternalName(name: string): boolean {
  return name.length > 4 && (DUNDER_RE.test(name) || MANGLED_RE.test(name));
}

/** A single-underscore private attribute (`_module`, `_context`); Jinja's sandbox refuses these. */
export function isPrivateName(name: string): boolean {
  return /^_[A-Za-z0-9]/.test(name) && !isInternalName(name);
}

/**
 * Globals of a default Jinja environment whose attributes lead to Python internals: `lipsum.__globals__`,
 * `cycler.__init__.__globals__`, `joiner.__init__`, `namespace.__init__`, `range.__self__`, `dict.__base__`, and
 * `self._TemplateReference__context`. Calling them (`namespace(x=1)`, `range(3)`) is ordinary; reading their
 * attributes is not.
 */
export const LEAKY_GLOBALS: ReadonlySet<string> = new Set([
  'lipsum',
  'cycler',
  'joiner',
  'namespace',
  'range',
  'dict',
  'self',
]);

/** Flask/web-framework globals used in generic Jinja SSTI payloads (`config.items()`, `request.application`). */
export const WEB_GLOBALS: ReadonlySet<string> = new Set([
  'config',
  'request',
  'url_for',
  'get_flashed_messages',
]);

/** Python modules whose presence in a template means process, file or interpreter access. */
export const DANGEROUS_MODULES: ReadonlySet<string> = new Set([
  'os',
  'subprocess',
  'sys',
  'builtins',
  'importlib',
  'posix',
  'nt',
  'pty',
  'socket',
  'shutil',
  'commands',
  'platform',
  'ctypes',
  'pickle',
  'marshal',
  'runpy',
]);

/** Attribute names with no use in a chat template other than running commands or importing code. */
export const EXEC_MEMBERS: ReadonlySet<string> = new Set([
  'popen',
  'popen2',
  'popen3',
  'popen4',
  'Popen',
  'check_output',
  'check_call',
  'getoutput',
  'getstatusoutput',
  'import_module',
  'load_module',
  'exec_module',
  'run_path',
  'run_module',
  'spawnl',
  'spawnle',
  'spawnlp',
  'spawnlpe',
  'spawnv',
  'spawnve',
  'spawnvp',
  'spawnvpe',
  'execl',
  'execle',
  'execlp',
  'execlpe',
  'execv',
  'execve',
  'execvp',
  'execvpe',
  'posix_spawn',
  'environ',
  'putenv',
  '_getframe',
]);

/** Attribute names that are dangerous when called (`os.system(...)`, `builtins.eval(...)`). */
export const EXEC_CALLED_MEMBERS: ReadonlySet<string> = new Set([
  'system',
  'eval',
  'exec',
  'execfile',
  'compile',
  'open',
  'remove',
  'unlink',
  'rmdir',
  'rmtree',
  'kill',
  'fork',
  'urlopen',
  'urlretrieve',
  'getattr',
  'setattr',
]);

/** Bare calls of Python builtins that a Jinja environment does not provide unless something leaked them. */
export const EXEC_ROOT_CALLS: ReadonlySet<string> = new Set([
  'eval',
  'exec',
  'execfile',
  '__import__',
  'open',
  'getattr',
  'setattr',
  'delattr',
  'globals',
  'locals',
  'vars',
  'breakpoint',
  'compile',
]);

/** Template statements that read other templates through the environment's loader. */
export const LOADER_STATEMENTS: ReadonlySet<string> = new Set(['include', 'import', 'from', 'extends']);
