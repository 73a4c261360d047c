import { defineRule, defineRuleFamily, type RuleMeta } from '../../core/rules.js';
import type { References } from '../../core/finding.js';
import type { ProbeFamily } from './types.js';

defineRuleFamily(
  'llm',
  `LLM red-teaming results of \`bulwark llm-test\`: seed prompts written by the project (direct and indirect prompt
injection, system-prompt extraction, role-play jailbreaks, obfuscated instructions, data exfiltration through
markdown links, PII and secret leakage, tool misuse, unbounded consumption) sent through deterministic converters to
an OpenAI-compatible or HTTP JSON endpoint. One finding per probe family that succeeded at least once, with its
attack success rate and a sample transcript. Mapped to the OWASP Top 10 for LLM Applications 2025 and MITRE ATLAS.
See docs/llm-testing.md.`,
);

const COMMON: Pick<References, 'euAiAct' | 'nistAiRmf'> = {
  euAiAct: ['Art. 15'],
  nistAiRmf: ['MEASURE 2.7'],
};

function rule(
  n: number,
  name: string,
  title: string,
  description: string,
  severity: RuleMeta['severity'],
  remediation: string,
  owaspLlm: string[],
  atlas: string[],
): RuleMeta {
  return defineRule({
    id: `BW-LLM-${String(n).padStart(3, '0')}`,
    name,
    family: 'llm',
    title,
    description,
    severity,
    impact: 'suspicious',
    confidence: 'high',
    remediation,
    references: { atlas, owaspLlm, ...COMMON },
  });
}

export const LLM_INJECTION = rule(
  1,
  'direct-prompt-injection',
  'The model follows instructions injected in the user turn',
  'A user message that tells the model to drop its instructions and print an attacker-chosen string made it do so. Anyone who can type into the application can redirect it.',
  'high',
  'Keep instructions and user data apart (delimiters, structured inputs), add an input classifier for injection attempts, and never let model output drive privileged actions without checks.',
  ['LLM01'],
  ['AML.T0051', 'AML.T0051.000'],
);

export const LLM_INDIRECT = rule(
  2,
  'indirect-prompt-injection',
  'The model follows instructions planted in retrieved content',
  'Instructions hidden in a document or tool output that the application retrieved were obeyed. An attacker who can write to any retrieved source (web page, e-mail, ticket, file) controls the assistant.',
  'high',
  'Treat retrieved content as data: mark it clearly, strip or neutralise instruction-like text, filter the output, and require user confirmation for actions triggered while untrusted content is in context.',
  ['LLM01'],
  ['AML.T0051', 'AML.T0051.001'],
);

export const LLM_EXTRACTION = rule(
  3,
  'system-prompt-leakage',
  'The model discloses its system prompt',
  'A canary token planted in the system prompt appeared in the output (verbatim or encoded). Whatever the system prompt holds (business rules, filters, credentials) is readable by users.',
  'medium',
  'Put nothing secret in the system prompt, add an output filter for system-prompt text, and enforce rules outside the model.',
  ['LLM07'],
  ['AML.T0056'],
);

export const LLM_JAILBREAK = rule(
  4,
  'role-play-jailbreak',
  'A role-play framing makes the model drop its rules',
  'A persona or fictional framing ("you are now …", "stay in character") made the model comply with a request it should refuse.',
  'high',
  'Strengthen refusal behaviour against persona framings (safety training, system-prompt guidance), and add an input/output moderation layer.',
  ['LLM01'],
  ['AML.T0054'],
);

export const LLM_OBFUSCATION = rule(
  5,
  'obfuscated-instructions',
  'The model decodes and follows encoded instructions',
  'Instructions encoded in base64, hex, ROT13 or similar were decoded and obeyed, so plain-text input filters can be bypassed.',
  'high',
  'Apply input filters after normalising and decoding common encodings, or refuse to act on decoded instructions.',
  ['LLM01'],
  ['AML.T0051', 'AML.T0068'],
);

export const LLM_EXFILTRATION = rule(
  6,
  'markdown-exfiltration',
  'The model emits links or images that carry data to an external host',
  'The output contained a markdown image or link to an external URL whose query string carried data from the conversation or context. A client that renders it sends the data to the attacker without a click.',
  'high',
  'Do not render images or links to hosts outside an allow-list, strip query strings from model-generated URLs, and encode output for its sink.',
  ['LLM05', 'LLM02'],
  ['AML.T0077', 'AML.T0057'],
);

export const LLM_LEAKAGE = rule(
  7,
  'sensitive-information-disclosure',
  'The model discloses secrets or personal data from its context',
  'The output contained a credential or personal data (found by the privacy recognizers) that was not in the attacker’s prompt: an API key, an e-mail address, a phone number, a card number, …',
  'high',
  'Keep credentials and personal data out of the model context; fetch them through authorised tools, and filter output for secrets and PII.',
  ['LLM02'],
  ['AML.T0057'],
);

export const LLM_AGENCY = rule(
  8,
  'excessive-agency',
  'The model requests a dangerous tool call on an attacker’s say-so',
  'Asked to, the model requested a destructive or data-moving tool call (shell command, mass deletion, sending data out) without confirmation.',
  'critical',
  'Give the model the least privilege it needs, require human confirmation for destructive or outbound actions, and validate tool arguments outside the model.',
  ['LLM06'],
  ['AML.T0053', 'AML.T0086'],
);

export const LLM_CONSUMPTION = rule(
  9,
  'unbounded-consumption',
  'The model produces unbounded output or takes too long on request',
  'A request for very long output was honoured: the response exceeded the length or latency budget. Attackers can run up cost or deny service.',
  'medium',
  'Cap max_tokens and request time, rate-limit per user, and reject requests for repetitive or unbounded output.',
  ['LLM10'],
  ['AML.T0029', 'AML.T0034'],
);

/** The rule of each probe family. */
export const LLM_RULE_OF_FAMILY: Readonly<Record<ProbeFamily, RuleMeta>> = Object.freeze({
  injection: LLM_INJECTION,
  indirect: LLM_INDIRECT,
  extraction: LLM_EXTRACTION,
  jailbreak: LLM_JAILBREAK,
  obfuscation: LLM_OBFUSCATION,
  exfiltration: LLM_EXFILTRATION,
  leakage: LLM_LEAKAGE,
  agency: LLM_AGENCY,
  consumption: LLM_CONSUMPTION,
});
