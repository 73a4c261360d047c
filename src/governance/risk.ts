import type { SystemCard } from '../core/system-card.js';
import { ANNEX_III_AREAS, PROHIBITED_PRACTICES } from './catalogs/eu-ai-act.js';
import type { RiskClassification } from './evidence.js';

function norm(s: string): string {
  return s
    .toLowerCase()
    .replace(/[_\s]+/g, ' ')
    .trim();
}

/** Resolves a system card's `annexIIIArea` (key, alias, id such as "Annex III(4)" or "4") to an Annex III area. */
export function resolveAnnexIIIArea(value: string): (typeof ANNEX_III_AREAS)[number] | undefined {
  const v = norm(value).replace(/ /g, '-');
  return ANNEX_III_AREAS.find(
    (a) =>
      a.key === v ||
      a.aliases.includes(v) ||
      norm(a.id) === norm(value) ||
      a.id === `Annex III(${value.trim()})` ||
      norm(a.name) === norm(value),
  );
}

/**
 * EU AI Act risk tier from a system card, with the reasons. Screening, not legal advice: it applies the
 * Regulation's structure (Article 5, Article 6 with Annex III, Article 50) to what the card declares.
 */
export function classifyEuAiAct(card: SystemCard | undefined): RiskClassification['euAiAct'] {
  if (!card)
    return {
      tier: 'unknown',
      prohibitedPractices: [],
      reasons: ['no system card was given (--system-card)'],
    };
  const reasons: string[] = [];
  const declared = (card.practices ?? []).map(norm);
  const prohibited = PROHIBITED_PRACTICES.filter((p) =>
    declared.some(
      (d) => d === norm(p.id) || d === norm(p.name) || p.keywords.some((k) => d.includes(norm(k))),
    ),
  );
  if (prohibited.length) {
    for (const p of prohibited) reasons.push(`declared practice matches ${p.id} ${p.name}`);
    return { tier: 'prohibited', prohibitedPractices: prohibited.map((p) => p.id), reasons };
  }
  if (card.annexIIIArea) {
    const area = resolveAnnexIIIArea(card.annexIIIArea);
    if (area) {
      reasons.push(`intended use is in ${area.id} ${area.name} (Article 6(2))`);
      if (card.highRiskDerogation === true)
        reasons.push(
          'the card claims the Article 6(3) derogation; it must be documented and registered (Article 6(4))',
        );
      else return { tier: 'high-risk', annexIIIArea: area.key, prohibitedPractices: [], reasons };
    } else
      reasons.push(
        `annexIIIArea ${JSON.stringify(card.annexIIIArea)} is not an Annex III area; use one of ${ANNEX_III_AREAS.map((a) => a.key).join(', ')}`,
      );
  }
  if (card.safetyComponent === true) {
    reasons.push('the system is a safety component of a product under Annex I legislation (Article 6(1))');
    return { tier: 'high-risk', prohibitedPractices: [], reasons };
  }
  const transparency: string[] = [];
  if (card.interactsWithPeople === true)
    transparency.push('it interacts directly with people (Article 50(1))');
  if (card.generatesContent === true)
    transparency.push('it generates synthetic audio, image, video or text (Article 50(2))');
  if (declared.some((d) => d.includes('emotion recognition') || d.includes('biometric categorisation')))
    transparency.push('it recognises emotions or categorises people biometrically (Article 50(3))');
  if (transparency.length)
    return { tier: 'transparency', prohibitedPractices: [], reasons: [...reasons, ...transparency] };
  reasons.push('no Article 5 practice, no Annex III area or Annex I product, no Article 50 trigger declared');
  return { tier: 'minimal', prohibitedPractices: [], reasons };
}
