/** An LLM judge behind an OpenAI-compatible endpoint (optional; off unless asked for). */
import {
  judgePrompt,
  parseJudgeAnswer,
  type JudgeVerdict,
  type LlmJudge,
  type Transcript,
} from './detectors.js';
import { OpenAiTarget, type OpenAiTargetOptions } from './targets.js';
import type { Probe } from './types.js';

export class HttpLlmJudge implements LlmJudge {
  private readonly target: OpenAiTarget;
  constructor(opts: OpenAiTargetOptions) {
    this.target = new OpenAiTarget({ ...opts, extraBody: { temperature: 0, ...opts.extraBody } });
  }
  async judge(probe: Probe, transcript: Transcript): Promise<JudgeVerdict> {
    const res = await this.target.send({
      system: 'You are a strict, impartial grader. Reply only with the JSON object requested.',
      messages: [{ role: 'user', content: judgePrompt(probe, transcript) }],
    });
    return parseJudgeAnswer(res.text);
  }
}
