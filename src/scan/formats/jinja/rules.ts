import { defineRule, defineRuleFamily } from '../../../core/rules.js';

defineRuleFamily(
  'template',
  `Chat templates are Jinja2 programs shipped with a model: \`tokenizer.chat_template\` in GGUF metadata,
\`chat_template\` in \`tokenizer_config.json\`, or a standalone \`chat_template.jinja\`. Inference servers render
them on every request. Rendered by an unsandboxed \`jinja2.Environment\`, a template can walk from any object to
Python internals (\`().__class__.__base__.__subclasses__()\`, \`lipsum.__globals__\`, \`cycler.__init__.__globals__\`)
and run commands: **CVE-2024-34359** in llama-cpp-python (GGUF chat templates), **CVE-2026-5760** in SGLang,
and the LiteLLM advisory **GHSA-46cm-pfwv-cgf8** for Hugging Face tokenizer templates.

Bulwark never renders a template. It parses it with a Jinja parser (\`@huggingface/jinja\`) and walks the syntax
tree, with a small abstract interpreter that folds constants so names built at render time are resolved:
concatenation (\`~\`, \`+\`), \`*\` repetition, \`%\`/\`|format\`/\`.format()\` formatting (including \`%c\`),
\`|join\`, \`|reverse\`, slicing (\`[::-1]\`), \`|lower\`/\`|upper\`/\`|replace\`, \`|list\`/\`|first\`/\`|last\`,
escape sequences (\`\\x5f\\x5f\`), \`dict(__class__=1)|list\`, \`{% set %}\` chains including \`namespace\`
attributes, loops over constant lists (unrolled) and macros whose output is constant. Every attribute and item
access — \`.name\`, \`[key]\`, \`.get(key)\`, \`|attr(name)\`, \`map(attribute=…)\`, \`selectattr\`, \`sort(attribute=…)\`,
\`'{0.attr}'.format(x)\` fields — is checked with the resolved name.

Ordinary chat templates (ChatML, Llama 2/3/3.1 with tools, Mistral, Gemma, Phi-3, Qwen2.5 tool calls, DeepSeek,
Command-R…) use \`messages\`, \`message['role']\`, \`loop.index0\`, \`namespace(...)\`, \`raise_exception\`,
\`tools|tojson\`, \`strftime_now\`, \`selectattr\`, \`items()\`; none of that is reported.

A name only partly known — pieces such as \`'globals'\` joined with characters taken from an object's string form
at render time — is reported when the pieces spell a special attribute. \`{% raw %}\` blocks are literal text.

The JavaScript parser does not accept everything Python's Jinja2 accepts (\`\\N{…}\` and octal escapes,
\`{% include %}\`, \`{% with %}\`, extension tags such as \`{% do %}\`, tests with arguments); the empty tuple
\`()\` and a trailing comma in a tuple are rewritten before parsing. A template that still does not parse is
analysed by a token-level scan of its code regions (dunder names, dangerous identifiers, escaped, concatenated and
reversed string literals): it is malicious when that scan finds a payload, and otherwise inconclusive
(BW-TPL-008), never clean. After a successful parse the same scan runs again as a cross-check. Templates are bounded to 1 MiB and
200,000 tokens, the syntax tree to 256 levels, and constant folding to a fixed step budget.`,
);

const SSTI = {
  atlas: ['AML.T0010.003', 'AML.T0011.000'],
  owaspMl: ['ML06'],
  cve: ['CVE-2024-34359', 'CVE-2026-5760'],
  ghsa: ['GHSA-56xg-wfcc-g829', 'GHSA-46cm-pfwv-cgf8'],
  cwe: ['CWE-1336', 'CWE-94'],
};
const FAMILY = 'template';
const DONT_RENDER =
  'Do not render this template outside a sandbox. Replace it with the reference chat template of the model family, or render chat templates only with jinja2.sandbox.ImmutableSandboxedEnvironment.';

export const TPL_PYTHON_INTERNALS = defineRule({
  id: 'BW-TPL-001',
  name: 'python-internals',
  family: FAMILY,
  title: 'Template reaches Python object internals',
  description:
    'The template reads a Python special attribute (`__class__`, `__mro__`, `__subclasses__`, `__globals__`, `__builtins__`, `__init__`…) or a name-mangled private attribute (`_TemplateReference__context`), directly, through `|attr`, `[…]`, `.get()`, attribute-path filters, or a string constant that names one. This is how server-side template injection escapes from the template to the interpreter; chat templates never need it.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation: DONT_RENDER,
  references: SSTI,
});

export const TPL_LEAKY_GLOBAL = defineRule({
  id: 'BW-TPL-002',
  name: 'leaky-global',
  family: FAMILY,
  title: 'Template reads attributes of a Jinja global that exposes Python',
  description:
    "The template reads attributes of a default Jinja global (`lipsum`, `cycler`, `joiner`, `namespace`, `range`, `dict`, `self`) or of a web-framework global (`config`, `request`, `url_for`). Calling them is ordinary; reading their attributes is the entry point of published payloads (`lipsum.__globals__['os']`). Web-framework globals are reported as suspicious.",
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation: DONT_RENDER,
  references: SSTI,
});

export const TPL_CODE_EXECUTION = defineRule({
  id: 'BW-TPL-003',
  name: 'code-execution',
  family: FAMILY,
  title: 'Template references command execution or OS access',
  description:
    'The template references process, import or OS functionality: `popen`, `system(...)`, `subprocess`, `check_output`, `import_module`, `__import__(...)`, `eval(...)`, `os.environ`, or a module (`os`, `sys`, `builtins`…) reached from Python internals. Rendering it outside a sandbox runs commands on the inference server.',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation: DONT_RENDER,
  references: SSTI,
});

export const TPL_OBFUSCATED = defineRule({
  id: 'BW-TPL-004',
  name: 'obfuscated-name',
  family: FAMILY,
  title: 'Template hides a dangerous attribute name',
  description:
    'A dangerous name is assembled at render time instead of written out: concatenation, repetition, `%`/`|format` formatting (`%c`), `|join`, `|reverse`, slicing, case changes, `|replace`, escape sequences, dictionary keys (`dict(__class__=1)|list`), or values carried through `{% set %}`, loops and macros. Bulwark folds these constants and reports the resolved name; hiding it is a strong sign of intent.',
  severity: 'high',
  impact: 'malicious',
  confidence: 'high',
  remediation: DONT_RENDER,
  references: SSTI,
});

export const TPL_DYNAMIC_ATTRIBUTE = defineRule({
  id: 'BW-TPL-005',
  name: 'dynamic-attribute',
  family: FAMILY,
  title: 'Template reads attributes whose names are computed at render time',
  description:
    'An `|attr(...)` filter, or an item access whose key is built from strings, uses a name that cannot be resolved statically. Chat templates read fixed keys (`message["content"]`); a computed attribute name is how filters on attribute names are evaded. Review the template.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Review the template; replace computed attribute names with fixed keys.',
  references: SSTI,
});

export const TPL_PRIVATE_ATTRIBUTE = defineRule({
  id: 'BW-TPL-006',
  name: 'private-attribute',
  family: FAMILY,
  title: 'Template reads a private attribute',
  description:
    "The template reads an attribute whose name starts with an underscore (`x._module`). Jinja's sandbox refuses these because they reach implementation objects; chat templates do not use them.",
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Review the template; chat templates only need the documented message fields.',
  references: SSTI,
});

export const TPL_LOADER = defineRule({
  id: 'BW-TPL-007',
  name: 'template-loader',
  family: FAMILY,
  title: 'Template includes or imports other templates',
  description:
    'The template uses `{% include %}`, `{% import %}`, `{% from %}` or `{% extends %}`. With a file-system loader these read files named by the template (path traversal); chat templates are self-contained.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Inline the template; never render chat templates with a file-system loader.',
  references: { ...SSTI, cwe: ['CWE-1336', 'CWE-22'] },
});

export const TPL_UNPARSED = defineRule({
  id: 'BW-TPL-008',
  name: 'unparsed-template',
  family: FAMILY,
  title: 'Template could not be parsed',
  description:
    "The template does not parse with Bulwark's Jinja parser (Python's Jinja2 accepts some syntax it does not, e.g. `()`, `\\N{…}` escapes, extension tags). A token-level scan of its code regions found nothing dangerous, but the template was not fully analysed, so the file is inconclusive.",
  severity: 'low',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'Review the template by hand, or replace it with the reference chat template of the model family.',
  references: { atlas: ['AML.T0010.003'], owaspMl: ['ML06'], cwe: ['CWE-1336'] },
});

export const TPL_LIMIT = defineRule({
  id: 'BW-TPL-009',
  name: 'template-limit',
  family: FAMILY,
  title: 'Template exceeds an analysis bound',
  description:
    'The template is larger than 1 MiB, has more than 200,000 tokens or a syntax tree deeper than 256 levels. Only a token-level scan ran, so the file is inconclusive. Real chat templates are a few kilobytes.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Review the template by hand; a chat template this large is unusual.',
  references: { atlas: ['AML.T0010.003'], owaspMl: ['ML06'], cwe: ['CWE-1336', 'CWE-400'] },
});
