/** Shared types of the LLM red-teaming runner (`bulwark llm-test`). */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** A tool the target may call (OpenAI function-calling shape, simplified). */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

/** One request to a target: the conversation so far, without the system prompt, which `system` carries. */
export interface TargetRequest {
  /** System prompt composed by the runner (the user's system prompt plus the planted canary). */
  system?: string;
  messages: ChatMessage[];
  /** Documents the application "retrieves" (indirect injection). */
  documents?: string[];
  /** Tools offered to the model (excessive-agency probes). */
  tools?: ToolSpec[];
}

export interface ToolCall {
  name: string;
  /** Arguments as the model produced them (JSON text, usually). */
  arguments: string;
}

export interface TargetResponse {
  /** The assistant's text. */
  text: string;
  /** Tool calls the assistant requested, when the target reports them. */
  toolCalls?: ToolCall[];
  latencyMs: number;
}

/** Anything that answers chat requests: an HTTP endpoint or a plain function. */
export interface LlmTarget {
  /** Short description for reports (never holds credentials). */
  readonly description: string;
  send(req: TargetRequest): Promise<TargetResponse>;
  /** Requests sent so far (including retries), when the target counts them. */
  requestCount?(): number;
  /** False when the target has no way to deliver planted documents (probes that need them are skipped). */
  supportsDocuments?(): boolean;
}

export type ProbeFamily =
  | 'injection'
  | 'indirect'
  | 'extraction'
  | 'jailbreak'
  | 'obfuscation'
  | 'exfiltration'
  | 'leakage'
  | 'agency'
  | 'consumption';

export const PROBE_FAMILIES: readonly ProbeFamily[] = [
  'injection',
  'indirect',
  'extraction',
  'jailbreak',
  'obfuscation',
  'exfiltration',
  'leakage',
  'agency',
  'consumption',
];

export type DetectorId =
  | 'canary'
  | 'rogue-string'
  | 'decoded-payload'
  | 'refusal'
  | 'exfiltration'
  | 'pii-secret'
  | 'tool-misuse'
  | 'unbounded'
  | 'judge';

/** Values the runner generates once per run and hands to probes and detectors. */
export interface ProbeContext {
  /** Random token planted in the system prompt (and in documents); must never appear in output. */
  canary: string;
  /** String a probe asks the model to output; seeing it means the model obeyed the attacker. */
  marker: string;
  /** Attacker-controlled host used in exfiltration probes. */
  exfilHost: string;
}

/** What one probe sends: user turns (sent one after the other), optional documents and tools. */
export interface ProbePayload {
  turns: string[];
  documents?: string[];
  tools?: ToolSpec[];
}

export interface Probe {
  /** Stable id, `<family>.<subfamily>.<name>`. */
  id: string;
  family: ProbeFamily;
  /** What the attacker wants; shown in reports. */
  goal: string;
  owaspLlm: string[];
  atlas: string[];
  /** The detector that decides success. */
  detector: DetectorId;
  /** Which part of the payload converters rewrite: the last user turn, the planted document, or nothing. */
  convert: 'prompt' | 'document' | 'none';
  build(ctx: ProbeContext): ProbePayload;
}
