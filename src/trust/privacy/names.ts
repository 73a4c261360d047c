/**
 * Optional PERSON and LOCATION detection without a model: a small built-in dictionary plus capitalisation rules.
 * Off by default and documented as LOW PRECISION AND LOW RECALL: it finds common first names followed by a
 * capitalised word ("Maria Schmidt") and well-known place names; it misses most names and flags some words that
 * happen to be names. Use an NER model for real name detection.
 */
import type { Recognizer } from './recognizers.js';

const FIRST_NAMES = `james john robert michael william david richard joseph thomas charles christopher daniel matthew
anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan
jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander patrick frank
raymond jack dennis jerry tyler aaron henry peter adam nathan zachary kyle walter harold jeremy ethan carl keith
roger gerald christian terry sean arthur austin noah lawrence jesse joe bryan billy jordan albert dylan bruce
willie gabriel alan juan logan wayne ralph roy eugene randy vincent russell louis philip bobby johnny bradley
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley
kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen
amy angela shirley anna brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn janet
catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith
megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn janice jean abigail
alice judy sophia grace denise amber doris marilyn danielle beverly isabella theresa diana natalie brittany
charlotte marie kayla alexis lori hans klaus jürgen stefan andreas wolfgang michael markus sabine ursula monika
petra claudia anja pierre jean michel philippe alain nicolas françois isabelle nathalie sylvie catherine giuseppe
giovanni antonio mario luigi francesco marco alessandro giulia francesca chiara josé carlos luis javier miguel
manuel carmen lucía ana pablo jorge diego sofía valentina mateo joão pedro lucas gabriel mariana beatriz ivan
sergei dmitri alexei olga natalia tatiana irina piotr krzysztof tomasz katarzyna agnieszka jan lars erik anders
johan nils ingrid astrid sven mikko matti juha jukka kari hiroshi takashi yuki haruto sakura wei li ming hui
mohammed ahmed ali fatima aisha omar hassan yusuf ibrahim priya rahul amit anil sunita deepak raj`;

const PLACES = `afghanistan albania algeria argentina armenia australia austria azerbaijan bangladesh belarus belgium
bolivia bosnia brazil bulgaria cambodia cameroon canada chile china colombia croatia cuba cyprus czechia denmark
ecuador egypt estonia ethiopia finland france georgia germany ghana greece guatemala honduras hungary iceland india
indonesia iran iraq ireland israel italy jamaica japan jordan kazakhstan kenya korea kuwait latvia lebanon libya
lithuania luxembourg malaysia malta mexico moldova monaco mongolia montenegro morocco nepal netherlands norway
pakistan panama paraguay peru philippines poland portugal qatar romania russia serbia singapore slovakia slovenia
somalia spain sweden switzerland syria taiwan thailand tunisia turkey uganda ukraine uruguay venezuela vietnam
yemen zambia zimbabwe london paris berlin madrid rome vienna amsterdam brussels lisbon dublin prague warsaw budapest
athens stockholm oslo copenhagen helsinki zurich geneva munich hamburg milan barcelona lyon marseille moscow kyiv
istanbul cairo lagos nairobi johannesburg tokyo osaka beijing shanghai seoul delhi mumbai bangkok jakarta manila
sydney melbourne toronto montreal vancouver chicago boston houston seattle dallas miami atlanta denver phoenix
philadelphia detroit texas california florida ohio michigan arizona oregon nevada`;

const FIRST = new Set(FIRST_NAMES.split(/\s+/).filter(Boolean));
const PLACE = new Set(PLACES.split(/\s+/).filter(Boolean));

const CAP_WORD = "\\p{Lu}[\\p{Ll}\\p{M}'-]{1,30}";

/** Optional recognizers (opt-in: enable with entities PERSON / LOCATION). Low precision; see module comment. */
export const NAME_RECOGNIZERS: readonly Recognizer[] = Object.freeze([
  {
    entity: 'PERSON',
    kind: 'pii',
    optIn: true,
    description:
      'Person name: a dictionary first name followed by one or two capitalised words (low precision, opt-in)',
    validator: 'built-in first-name dictionary',
    patterns: [
      {
        name: 'first-last',
        regex: new RegExp(`(?<![\\p{L}])${CAP_WORD}(?: \\p{Lu}\\.)?(?: ${CAP_WORD}){1,2}(?![\\p{L}])`, 'gdu'),
        score: 0.3,
      },
    ],
    context: ['name', 'mr', 'mrs', 'ms', 'dr', 'dear', 'by', 'patient', 'customer', 'contact'],
    validate: (v) => {
      // The first dictionary first name followed by at least one more capitalised word starts the name.
      const words = v.split(' ');
      let skip = 0;
      for (let i = 0; i < words.length - 1; i++) {
        if (FIRST.has(words[i].toLowerCase())) return { score: 0.6, skip, length: v.length - skip };
        skip += words[i].length + 1;
      }
      return false;
    },
  },
  {
    entity: 'LOCATION',
    kind: 'pii',
    optIn: true,
    description: 'Country or well-known city/state from a built-in list, capitalised (low precision, opt-in)',
    validator: 'built-in place dictionary',
    patterns: [
      { name: 'place', regex: new RegExp(`(?<![\\p{L}])${CAP_WORD}(?![\\p{L}])`, 'gdu'), score: 0.3 },
    ],
    context: ['in', 'from', 'at', 'to', 'city', 'country', 'address', 'live', 'lives', 'born'],
    validate: (v) => (PLACE.has(v.toLowerCase()) ? 0.55 : false),
  },
] satisfies Recognizer[]);
