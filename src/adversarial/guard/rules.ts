import { defineRule, defineRuleFamily, type RuleMeta } from '../../core/rules.js';

defineRuleFamily(
  'guard',
  `Decisions of the runtime guard (\`bulwark guard\`), a reverse proxy in front of an OpenAI-compatible or JSON model
endpoint. Input scanners look for prompt injection (phrase heuristics, encoded payloads, similarity to known attack
phrasings), invisible Unicode characters, banned content and oversized prompts; output scanners look for personal data
and secrets, canary tokens, markdown exfiltration links and invalid JSON; query-pattern detectors look for model
extraction (PRADA) and query-based evasion (Blacklight-style fingerprints); per-client keys, rate limits, quotas and
load shedding bound consumption. Each decision is written to the guard's audit log with the rule id. See docs/guard.md.`,
);

function rule(meta: Omit<RuleMeta, 'family'>): RuleMeta {
  return defineRule({ ...meta, family: 'guard' });
}

export const GUARD_INJECTION = rule({
  id: 'BW-GUARD-001',
  name: 'prompt-injection-heuristic',
  title: 'Prompt injection pattern in a request',
  description:
    'The prompt contains an instruction-override phrase ("ignore previous instructions"), a chat-template role marker (<|im_start|>system, [INST], <<SYS>>), a request for the system prompt, or a base64/hex block that decodes to such text.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Keep the scanner in block mode for untrusted input; treat retrieved documents and tool outputs as untrusted too. Add allowed phrasings to the policy only after review.',
  references: { owaspLlm: ['LLM01'], atlas: ['AML.T0051', 'AML.T0068'] },
});

export const GUARD_SIMILARITY = rule({
  id: 'BW-GUARD-002',
  name: 'known-attack-similarity',
  title: 'Prompt similar to a known injection or jailbreak',
  description:
    'A passage of the prompt has a character-trigram cosine similarity above the threshold to a phrasing in the built-in corpus of injection and jailbreak attacks (or to phrases added in the policy).',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Block or review such prompts; tune similarity.threshold on your own traffic (false positives show up in the audit log with their score).',
  references: { owaspLlm: ['LLM01'], atlas: ['AML.T0051', 'AML.T0054'] },
});

export const GUARD_INVISIBLE = rule({
  id: 'BW-GUARD-003',
  name: 'invisible-characters',
  title: 'Invisible or bidirectional control characters in a request',
  description:
    'The prompt contains zero-width characters, bidirectional overrides or Unicode tag characters (U+E0000–U+E007F), which can hide instructions from human reviewers (ASCII smuggling) while the model still reads them.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Strip the characters (redact mode) or block the request.',
  references: { owaspLlm: ['LLM01'], atlas: ['AML.T0051', 'AML.T0068'], cwe: ['CWE-116'] },
});

export const GUARD_BANNED = rule({
  id: 'BW-GUARD-004',
  name: 'banned-content',
  title: 'Banned substring or pattern in a request',
  description: 'The prompt matches a substring or regular expression the policy bans.',
  severity: 'medium',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Review the request; adjust the banned list in the policy if the match is legitimate.',
  references: { owaspLlm: ['LLM01'], atlas: ['AML.T0051'] },
});

export const GUARD_TOKENS = rule({
  id: 'BW-GUARD-005',
  name: 'token-limit',
  title: 'Prompt longer than the token limit',
  description:
    'The approximate token count of the prompt is above the policy limit. Oversized prompts drive cost and latency (unbounded consumption) and are a vehicle for many-shot jailbreaks.',
  severity: 'low',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Raise limits.maxTokens if such prompts are expected, or shorten them client-side.',
  references: { owaspLlm: ['LLM10'], atlas: ['AML.T0029', 'AML.T0034'], cwe: ['CWE-400'] },
});

export const GUARD_PII = rule({
  id: 'BW-GUARD-006',
  name: 'pii-in-output',
  title: 'Personal data in a model response',
  description:
    'The response contains values recognised as personal data (payment cards, IBANs, national ids, e-mail addresses, phone numbers, …) by the privacy module’s recognizers.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Redact in the guard, and find out where the model learned or retrieved the data (training set, RAG store, tool output).',
  references: { owaspLlm: ['LLM02'], atlas: ['AML.T0057'], cwe: ['CWE-359'] },
});

export const GUARD_SECRET = rule({
  id: 'BW-GUARD-007',
  name: 'secret-in-output',
  title: 'Secret (API key, token, private key) in a model response',
  description: 'The response contains a credential recognised by the privacy module’s secret recognizers.',
  severity: 'critical',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Revoke and rotate the credential; remove it from prompts, RAG stores and training data.',
  references: { owaspLlm: ['LLM02'], atlas: ['AML.T0057'], cwe: ['CWE-200', 'CWE-798'] },
});

export const GUARD_CANARY = rule({
  id: 'BW-GUARD-008',
  name: 'canary-leak',
  title: 'Canary token leaked in a model response',
  description:
    'A canary string planted in the system prompt or a private document appeared in the response: the model disclosed content it must not (system prompt extraction or data leakage).',
  severity: 'critical',
  impact: 'malicious',
  confidence: 'high',
  remediation:
    'Block the response, inspect the request that caused it in the audit log, and harden the system prompt and retrieval boundaries.',
  references: { owaspLlm: ['LLM07', 'LLM02'], atlas: ['AML.T0056', 'AML.T0057'] },
});

export const GUARD_EXFIL = rule({
  id: 'BW-GUARD-009',
  name: 'markdown-exfiltration',
  title: 'Markdown image or link that can exfiltrate data',
  description:
    'The response contains a markdown image or link (or an HTML img tag) to a domain outside the allowlist whose URL carries data in its query string or a long path segment. A client that renders the markdown sends that data to the domain without any click (images).',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Redact such links in the guard and allowlist only the domains your UI must load from.',
  references: { owaspLlm: ['LLM05', 'LLM02'], atlas: ['AML.T0077', 'AML.T0057'], cwe: ['CWE-201'] },
});

export const GUARD_JSON = rule({
  id: 'BW-GUARD-010',
  name: 'invalid-json-output',
  title: 'Response is not valid JSON although JSON was requested',
  description:
    'The client asked for JSON output (response_format json_object/json_schema, or the policy requires it) and the model returned text that does not parse as JSON.',
  severity: 'low',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Retry the request or make downstream consumers validate the output before use.',
  references: { owaspLlm: ['LLM05'], cwe: ['CWE-20'] },
});

export const GUARD_EXTRACTION = rule({
  id: 'BW-GUARD-011',
  name: 'model-extraction-pattern',
  title: 'Query pattern of a model extraction attack (PRADA)',
  description:
    'The distribution of minimum distances between a client’s successive queries is far from normal (Shapiro–Wilk W below the threshold), as for synthetic queries of an extraction attack (e.g. Jacobian-based augmentation).',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation:
    'Review the client’s traffic; rate-limit or suspend it; return labels or rounded scores instead of full probability vectors.',
  references: { owaspLlm: ['LLM10'], owaspMl: ['ML05'], atlas: ['AML.T0024.002', 'AML.T0040'] },
});

export const GUARD_EVASION = rule({
  id: 'BW-GUARD-012',
  name: 'near-duplicate-queries',
  title: 'Many near-duplicate queries (query-based evasion attack)',
  description:
    'Many of a client’s recent queries share most of their quantised content fingerprints with earlier queries (Blacklight-style detection), the signature of black-box adversarial example search that iterates on near-identical inputs.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'medium',
  remediation: 'Review and throttle the client; consider blocking it once flagged (extraction.mode: block).',
  references: { owaspMl: ['ML01'], atlas: ['AML.T0043', 'AML.T0040'] },
});

export const GUARD_RATE = rule({
  id: 'BW-GUARD-013',
  name: 'rate-limit-or-quota',
  title: 'Client rate limit or daily quota exceeded',
  description:
    'A client exceeded its requests or tokens per minute, or its daily quota; the guard answered 429 with Retry-After.',
  severity: 'low',
  impact: 'none',
  confidence: 'high',
  remediation: 'Raise the client’s limits in the policy if the traffic is legitimate.',
  references: { owaspLlm: ['LLM10'], atlas: ['AML.T0029', 'AML.T0034'], cwe: ['CWE-770'] },
});

export const GUARD_SHED = rule({
  id: 'BW-GUARD-014',
  name: 'load-shed',
  title: 'Request shed under overload',
  description:
    'The guard was at its concurrency and queue limits and refused the request at once (429/503) instead of queueing without bound.',
  severity: 'info',
  impact: 'none',
  confidence: 'high',
  remediation:
    'Add capacity upstream or raise upstream.maxConcurrent / queueLength if the upstream can take more.',
  references: { owaspLlm: ['LLM10'], atlas: ['AML.T0029'], cwe: ['CWE-400'] },
});

export const GUARD_AUTH = rule({
  id: 'BW-GUARD-015',
  name: 'unauthenticated-request',
  title: 'Request without a valid client key',
  description:
    'The request carried no API key, or one that matches no client of the policy; the guard answered 401.',
  severity: 'low',
  impact: 'suspicious',
  confidence: 'high',
  remediation: 'Give the caller a key (its SHA-256 in the policy) or investigate the source of the requests.',
  references: { owaspLlm: ['LLM10'], atlas: ['AML.T0040'], cwe: ['CWE-306'] },
});

/** Every guard rule, by id. */
export const GUARD_RULES: readonly RuleMeta[] = [
  GUARD_INJECTION,
  GUARD_SIMILARITY,
  GUARD_INVISIBLE,
  GUARD_BANNED,
  GUARD_TOKENS,
  GUARD_PII,
  GUARD_SECRET,
  GUARD_CANARY,
  GUARD_EXFIL,
  GUARD_JSON,
  GUARD_EXTRACTION,
  GUARD_EVASION,
  GUARD_RATE,
  GUARD_SHED,
  GUARD_AUTH,
];
