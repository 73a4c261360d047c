/**
 * Imports every module that registers rules, so that `allRules()` lists the rules of every pillar (CLI `rules`,
 * generated docs, SARIF rule tables). One import per pillar module.
 */
import './scan/engine.js';
import './trust/card/rules.js';
import './trust/privacy/rules.js';
import './trust/rules.js';
import './provenance/attest/rules.js';
import './provenance/rules.js';
import './adversarial/monitor/rules.js';
import './adversarial/llm/rules.js';
import './adversarial/guard/rules.js';
import './adversarial/extraction/rules.js';
import './adversarial/inference/rules.js';
import './adversarial/poison/rules.js';
import './adversarial/robustness/rules.js';
