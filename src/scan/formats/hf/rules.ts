import { defineRule, defineRuleFamily, type RuleMeta } from '../../../core/rules.js';

defineRuleFamily(
  'huggingface',
  `A model repository as it is published on the Hugging Face Hub holds more than weights: \`config.json\`,
tokenizer and processor configs, chat templates, sentence-transformers and diffusers layouts, PEFT adapters,
bundled Python files and a model card. Several of these decide what code runs when the model is loaded:

- \`auto_map\` (in \`config.json\`, \`tokenizer_config.json\`, processor configs) and \`custom_pipelines\` name a
  Python module and class that \`from_pretrained(..., trust_remote_code=True)\` downloads and imports. A
  reference of the form \`owner/repo--module.Class\` pulls the code from **another** repository.
- diffusers \`model_index.json\` components (\`["library", "Class"]\`), sentence-transformers \`modules.json\`
  types, Dense \`activation_function\` names and PEFT \`auto_mapping.parent_library\` are module names that the
  loaders import (and, for some, call).
- chat templates (\`chat_template\` in \`tokenizer_config.json\`, \`chat_template.json\`, processor configs) are Jinja
  programs rendered by every chat front end; they get the same server-side template injection analysis as GGUF
  templates.
- \`*.py\` files are the custom code itself.

Every file is recognised by its **content** (the file name only breaks ties) and analysed on its own; a directory
scan reports every file, including the ones no analyzer understands (as skipped, with the reason).

### Configs

Module references are classified: a module whose file lies next to the config is custom code of this repository,
analysed when its \`.py\` file is scanned (informational); a reference whose file is missing, or that names another
repository, is code Bulwark cannot see (suspicious); a reference that escapes the repository (absolute path,
\`..\`) or names a standard-library or deserialising module (\`os\`, \`subprocess\`, \`builtins\`, \`pickle\`,
\`torch.serialization\`…) is treated as an attack.

### Python source

Python files are recognised by content (a \`python\` shebang or a density of \`import\`/\`def\`/\`class\`
statements) and tokenised (strings, f-string expressions, comments, continuation lines, NFKC-normalised names),
never executed. Imports and aliases are resolved (\`import subprocess as sp\`, \`from os import system\`,
\`__import__("os")\`, \`getattr(os, "sys" + "tem")\`, \`builtins.__dict__["exec"]\`), simple assignments are
followed, and string constants are evaluated (concatenation, \`chr()\` chains, base64/hex/zlib literals,
reversal). Findings distinguish:

- **malicious**: executing downloaded or decoded code, reverse shells, hostile shell commands, reading
  credentials or planting persistence together with I/O;
- **suspicious**: process execution, network access, dynamic code, unsafe deserialisation, native libraries,
  obfuscation and runtime tampering in code that \`trust_remote_code=True\` runs;
- **informational**: file-system changes, hard-coded URLs.

A modeling file that imports \`torch\`, \`math\`, \`typing\`, \`dataclasses\`, \`transformers\`, \`logging\`,
\`warnings\` and uses \`os.path\` or \`os.environ.get\` stays clean.

### Model cards

\`README.md\` model cards are recognised by their YAML front matter, parsed with the YAML core schema (no custom
tags, bounded aliases and size). Provenance facts (\`base_model\`, \`datasets\`, \`license\`, \`library_name\`) are
reported as information. Instructions that users act on — piping a download into a shell, installing packages
from arbitrary URLs, links to executables or raw IP addresses — are flagged for review.`,
);

const FAMILY = 'huggingface';
const SUPPLY_CHAIN = { atlas: ['AML.T0010.003', 'AML.T0011.000'], owaspMl: ['ML06'] };

function rule(meta: Omit<RuleMeta, 'family'>): RuleMeta {
  return defineRule({ ...meta, family: FAMILY });
}

// ---------------------------------------------------------------------------------------------------------------
// Configs (JSON)

export const HF_REMOTE_CODE = rule({
  id: 'BW-HF-001',
  name: 'remote-code-reference',
  title: 'Config makes loaders import custom code that is not in the scanned files',
  description:
    'An `auto_map`, `custom_pipelines`, diffusers component, sentence-transformers module or PEFT `auto_mapping` entry names a Python module that loaders import with trust_remote_code=True (or import directly), and the module file is not next to the config (or the config was scanned on its own). The code that will run was not analysed.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Scan the whole repository including the referenced .py files, review the code, and pin the revision (revision= / code_revision=) before loading with trust_remote_code=True.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-829', 'CWE-94'] },
});

export const HF_CROSS_REPO_CODE = rule({
  id: 'BW-HF-002',
  name: 'cross-repo-remote-code',
  title: 'Config loads custom code from another repository',
  description:
    'An `auto_map` entry has the form `owner/repo--module.Class`: with trust_remote_code=True, transformers downloads the module from that other repository (at its latest revision unless pinned). Its owner can change the code that runs when this model is loaded.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Review the referenced repository and pin its revision, or vendor the code into this repository; never load with trust_remote_code=True from an unreviewed source.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-829', 'CWE-94'] },
});

export const HF_TRUST_REMOTE_CODE_SETTING = rule({
  id: 'BW-HF-003',
  name: 'trust-remote-code-setting',
  title: 'Config turns on trust_remote_code',
  description:
    'A config stores `trust_remote_code: true` (for example in sentence-transformers `model_args`/`config_args`). Loaders that forward these arguments run the repository code without the user opting in.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Remove trust_remote_code from stored configs; pass it explicitly only after reviewing the code.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-94'] },
});

export const HF_DANGEROUS_MODULE = rule({
  id: 'BW-HF-004',
  name: 'dangerous-module-reference',
  title: 'Config makes a loader import a dangerous module or load code from outside the repository',
  description:
    'A module reference that loaders import names a standard-library or deserialising module (`os`, `subprocess`, `builtins`, `pickle`, `torch.serialization`…), or a custom-code reference is an absolute path or climbs out of the repository with `..`. No real model does this: loading imports attacker-chosen code or calls attacker-chosen functions.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'medium',
  remediation: 'Do not load this model. Obtain it from a trusted source.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-94', 'CWE-470', 'CWE-22'] },
});

export const HF_PROVENANCE = rule({
  id: 'BW-HF-005',
  name: 'provenance-metadata',
  title: 'Provenance metadata',
  description:
    'Facts the repository states about where the model comes from: base model, datasets, license, library (model card front matter, PEFT `base_model_name_or_path`). Informational; use them to check lineage against your policy.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'Check the stated base model and datasets against your model inventory and policy.',
  references: { owaspMl: ['ML06'] },
});

export const HF_MALFORMED_CONFIG = rule({
  id: 'BW-HF-006',
  name: 'malformed-hf-config',
  title: 'Security-relevant config field has an unexpected shape',
  description:
    'A recognised Hugging Face config has a security-relevant field (`auto_map`, `chat_template`, module references) of a type loaders do not produce, so it could not be analysed.',
  severity: 'low',
  impact: 'inconclusive',
  confidence: 'medium',
  remediation: 'Re-download the file from the original repository and inspect the field by hand.',
  references: SUPPLY_CHAIN,
});

export const HF_LOCAL_CUSTOM_CODE = rule({
  id: 'BW-HF-007',
  name: 'local-custom-code',
  title: 'Config uses custom code shipped in this repository',
  description:
    'A config references a Python module whose file lies next to it. Loading with trust_remote_code=True imports it; the file is analysed when it is scanned (scan the whole directory), so this finding is informational.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation:
    'Review the referenced .py file (Bulwark analyses it) before loading with trust_remote_code=True.',
  references: SUPPLY_CHAIN,
});

// ---------------------------------------------------------------------------------------------------------------
// Python source

export const PY_EXEC_DOWNLOADED = rule({
  id: 'BW-HF-010',
  name: 'python-exec-downloaded-code',
  title: 'Python code executes content downloaded from the network',
  description:
    'Content fetched over the network (requests, urllib, sockets, a downloaded file) flows into exec/eval/compile, a process launch or a loader. Whoever controls the server controls the code that runs when the module is imported.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this repository with trust_remote_code=True; report it to the hub.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-494', 'CWE-94'] },
});

export const PY_EXEC_DECODED = rule({
  id: 'BW-HF-011',
  name: 'python-exec-decoded-code',
  title: 'Python code executes decoded or obfuscated code',
  description:
    'A base64/hex/zlib/marshal-encoded, character-code-built or reversed string is decoded and passed to exec/eval/compile or a process launch. Hiding code this way has no legitimate use in model code.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this repository with trust_remote_code=True; report it to the hub.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-94', 'CWE-506'] },
});

export const PY_REVERSE_SHELL = rule({
  id: 'BW-HF-012',
  name: 'python-reverse-shell',
  title: 'Python code opens a reverse shell',
  description:
    'The code connects a socket and hands it to a shell (os.dup2 + a shell, pty.spawn, a shell process on the socket, or a /dev/tcp / nc -e command).',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation: 'Do not load this repository; treat any machine that did as compromised.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-506'] },
});

export const PY_CREDENTIAL_ACCESS = rule({
  id: 'BW-HF-013',
  name: 'python-credential-access',
  title: 'Python code reads credentials or secrets',
  description:
    'The code names credential stores (SSH keys, cloud and Hugging Face tokens, browser or wallet data, /etc/shadow) or collects secret environment variables, and reads files or sends data over the network. Malicious when the code also reads or sends; suspicious when only the name appears.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'medium',
  remediation: 'Do not load this repository; rotate any credential on a machine that loaded it.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-522', 'CWE-200'] },
});

export const PY_SHELL_PAYLOAD = rule({
  id: 'BW-HF-014',
  name: 'python-hostile-command',
  title: 'Python code runs a hostile shell command',
  description:
    'A command string downloads and runs a script (`curl … | sh`, `iwr … | iex`, `certutil -urlcache`), destroys data (`rm -rf /`), mines crypto-currency or is otherwise hostile, and the code launches processes or executes strings. Malicious when an execution primitive is present; suspicious when only the string is.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'medium',
  remediation: 'Do not load this repository; report it to the hub.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-78', 'CWE-506'] },
});

export const PY_PROCESS = rule({
  id: 'BW-HF-015',
  name: 'python-process-execution',
  title: 'Python code launches processes',
  description:
    'os.system, os.popen, os.exec*/spawn*, subprocess, pty or similar run external programs when the code is imported or the model is used. Model code rarely needs this (some repositories probe compilers); review what it runs.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Review the command lines; load with trust_remote_code=True only after review, in a sandbox.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-78'] },
});

export const PY_NETWORK = rule({
  id: 'BW-HF-016',
  name: 'python-network-access',
  title: 'Python code accesses the network',
  description:
    'The code uses sockets, HTTP clients (requests, urllib, httpx, aiohttp, http.client) or mail/FTP/telnet clients. Model code has no need to contact servers other than the Hub when it is loaded; review what it sends and receives.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Review the endpoints and data sent; run untrusted code without network access.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-200'] },
});

export const PY_DYNAMIC_CODE = rule({
  id: 'BW-HF-017',
  name: 'python-dynamic-code',
  title: 'Python code executes dynamically built code or imports modules by computed name',
  description:
    'exec, eval, compile, types.FunctionType, runpy, code.interact, __import__/importlib.import_module with a computed name, or getattr with a computed name on os, subprocess, builtins or importlib. What runs cannot be read from the source.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Review what string reaches the call; replace dynamic execution with explicit code.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-94', 'CWE-95'] },
});

export const PY_UNSAFE_DESERIALIZATION = rule({
  id: 'BW-HF-018',
  name: 'python-unsafe-deserialization',
  title: 'Python code deserialises data with a code-executing loader',
  description:
    'pickle/dill/cloudpickle/joblib/marshal loads, torch.load without weights_only=True, numpy.load(allow_pickle=True), pandas.read_pickle or yaml.load with an unsafe loader: whatever file reaches it can run code.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Use torch.load(weights_only=True), safetensors, json or yaml.safe_load; check which files reach the loader.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-502'] },
});

export const PY_NATIVE_CODE = rule({
  id: 'BW-HF-019',
  name: 'python-native-code',
  title: 'Python code loads or compiles native libraries',
  description:
    'ctypes/cffi library loading, torch.ops.load_library or torch.utils.cpp_extension compile and load native code that no Python-level review covers.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Review the library and its source; prefer kernels from packages you already trust.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-829'] },
});

export const PY_OBFUSCATION = rule({
  id: 'BW-HF-020',
  name: 'python-obfuscation',
  title: 'Python code hides strings or names',
  description:
    'Long chr() chains, encoded blobs that decode to code or commands, or access to builtins through `__builtins__`, `globals()` or `__dict__` lookups. Legitimate model code has no reason to hide what it calls.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Decode the strings (the evidence shows them) and review what the code does with them.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-506'] },
});

export const PY_SUSPICIOUS_URL = rule({
  id: 'BW-HF-021',
  name: 'python-suspicious-endpoint',
  title: 'Python code contains a suspicious network endpoint',
  description:
    'A string in the code is a URL or address with a raw IP host, a paste/tunnel/webhook service often used for exfiltration, or a link to an executable or script.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Check who owns the endpoint and what the code exchanges with it.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-200'] },
});

export const PY_NESTED_REMOTE_CODE = rule({
  id: 'BW-HF-022',
  name: 'python-nested-remote-code',
  title: 'Python code loads further remote code',
  description:
    'The code passes trust_remote_code=True, calls torch.hub.load, or installs packages at run time (pip): more code, not in this repository, runs when the model is loaded.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Review and pin what is loaded or installed, or vendor it into the repository.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-829'] },
});

export const PY_RISKY_IMPORT = rule({
  id: 'BW-HF-023',
  name: 'python-risky-import',
  title: 'Python code imports a process, network or code-loading module',
  description:
    'The module imports subprocess, socket, pty, ctypes, an HTTP/mail/FTP client, marshal, dill, runpy or similar without a use Bulwark could resolve (uses are reported by their own rules). Model code rarely needs these modules.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Review how the module is used.',
  references: SUPPLY_CHAIN,
});

export const PY_RUNTIME_TAMPERING = rule({
  id: 'BW-HF-024',
  name: 'python-runtime-tampering',
  title: 'Python code tampers with the interpreter',
  description:
    'The code replaces entries of sys.modules, installs import hooks (sys.meta_path, sys.path_hooks), trace/profile hooks, or overwrites builtins: it can change what other libraries execute.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Review why the code patches the interpreter; such patches affect every library in the process.',
  references: SUPPLY_CHAIN,
});

export const PY_FILESYSTEM = rule({
  id: 'BW-HF-025',
  name: 'python-filesystem-change',
  title: 'Python code deletes, moves or changes permissions of files',
  description:
    'os.remove/unlink/rename/chmod, shutil.rmtree/move/copy and similar. Common in save/cache code; informational unless the targets are credentials or persistence locations (reported by their own rules).',
  severity: 'low',
  impact: 'none',
  confidence: 'medium',
  remediation: 'Check which paths the code changes.',
  references: SUPPLY_CHAIN,
});

export const PY_PERSISTENCE = rule({
  id: 'BW-HF-026',
  name: 'python-persistence',
  title: 'Python code writes to a persistence location',
  description:
    'The code names shell start-up files, SSH authorized_keys, cron, systemd units, macOS LaunchAgents or the Windows Run key and writes files or runs commands. Malicious when the code also writes or executes; suspicious when only the path appears.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'medium',
  remediation: 'Do not load this repository; check the named locations on machines that loaded it.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-506'] },
});

export const PY_HARDCODED_URL = rule({
  id: 'BW-HF-027',
  name: 'python-hardcoded-url',
  title: 'Python code contains hard-coded URLs',
  description:
    'URLs in code strings (not comments or docstrings), other than well-known model and code hosts. Informational: they show where the code may connect.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation: 'Check the endpoints.',
  references: SUPPLY_CHAIN,
});

// ---------------------------------------------------------------------------------------------------------------
// Model cards

export const CARD_REMOTE_CODE = rule({
  id: 'BW-HF-030',
  name: 'model-card-remote-code',
  title: 'Model card asks users to enable trust_remote_code',
  description:
    'The usage instructions pass trust_remote_code=True or the metadata tags the model as custom code: loading runs the repository Python files (analysed when scanned). Informational.',
  severity: 'low',
  impact: 'none',
  confidence: 'high',
  remediation:
    'Scan and review the repository .py files before following the instructions; pin the revision.',
  references: SUPPLY_CHAIN,
});

export const CARD_PIPE_TO_SHELL = rule({
  id: 'BW-HF-031',
  name: 'model-card-pipe-to-shell',
  title: 'Model card tells users to run a downloaded script or a hostile command',
  description:
    'The card pipes a download into a shell (`curl … | sh`, `wget -O- … | bash`, `bash <(curl …)`, `iwr … | iex`, `powershell -enc`) from a host that is not a well-known installer, or shows a reverse-shell, destructive or crypto-mining command. Users who follow it run whatever the server returns.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Do not run the command; check who controls the host and read the script first.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-494'] },
});

export const CARD_REMOTE_INSTALL = rule({
  id: 'BW-HF-032',
  name: 'model-card-remote-install',
  title: 'Model card installs packages from an arbitrary URL or index',
  description:
    'The card installs Python packages from a URL, a git repository on an unfamiliar host, a raw IP or plain HTTP, or adds an extra package index (dependency-confusion risk). Installing runs the package setup code.',
  severity: 'low',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Install packages from PyPI or a repository you trust, pinned by version or commit.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-829'] },
});

export const CARD_SUSPICIOUS_LINK = rule({
  id: 'BW-HF-033',
  name: 'model-card-suspicious-link',
  title: 'Model card links to an executable, a raw IP address or a paste/tunnel service',
  description:
    'A link in the card downloads an executable or script (.exe, .msi, .ps1, .bat, .scr, .sh…), points at a raw IP address, or at a paste, tunnel or file-drop service. Malware campaigns on model hubs use cards to deliver such downloads.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Do not download or run the linked file; report the repository if it impersonates a vendor.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-494'] },
});

export const CARD_BAD_FRONT_MATTER = rule({
  id: 'BW-HF-034',
  name: 'model-card-invalid-metadata',
  title: 'Model card front matter cannot be parsed',
  description:
    'The YAML front matter of the card is not valid, too large, or uses too many aliases, so its metadata could not be analysed.',
  severity: 'low',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Fix the YAML metadata block (the Hub rejects invalid metadata too).',
  references: SUPPLY_CHAIN,
});

export const CARD_YAML_CODE_TAG = rule({
  id: 'BW-HF-035',
  name: 'model-card-yaml-code-tag',
  title: 'Model card metadata carries a language-specific YAML tag',
  description:
    'The front matter uses a tag such as `!!python/object/apply`, which an unsafe YAML loader (yaml.load, yaml.unsafe_load) turns into code execution. The Hub and safe loaders reject it; its presence shows intent to attack tools that parse cards unsafely.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Do not parse this card with an unsafe YAML loader; report the repository.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-502'] },
});
