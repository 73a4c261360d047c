import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { JSON_SCHEMA_PATH } from '../../src/report/json.js';

export interface Validation {
  valid: boolean;
  errors: string;
}

/** Validates against Bulwark's own report schema (docs/schema/scan-report.schema.json), JSON Schema 2020-12. */
export function reportValidator(): (data: unknown) => Validation {
  const schema = JSON.parse(readFileSync(new URL(`../../${JSON_SCHEMA_PATH}`, import.meta.url), 'utf8'));
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addFormat('date-time', (s: string) =>
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s),
  );
  const validate = ajv.compile(schema);
  return (data) => {
    const valid = validate(data) as boolean;
    return { valid, errors: ajv.errorsText(validate.errors) };
  };
}

/**
 * Validates against the SARIF 2.1.0 JSON schema as published with the standard (file sarif-2.1.0-rtm.5.json,
 * draft-04), shipped by the @microsoft/jest-sarif dev dependency. The schema is draft-04, so it is checked with the
 * Ajv 6 that package depends on, set up the way the package itself sets it up.
 */
export function sarifValidator(): (data: unknown) => Validation {
  const requireFromPkg = createRequire(
    createRequire(import.meta.url).resolve('@microsoft/jest-sarif/package.json'),
  );
  const schema = requireFromPkg('./lib/schemas/sarif-2.1.0-rtm.5.json') as { id: string; title: string };
  if (!/SARIF\) Version 2\.1\.0/.test(schema.title))
    throw new Error(`unexpected SARIF schema: ${schema.title}`);
  const Ajv6 = requireFromPkg('ajv') as new (opts: object) => {
    addMetaSchema(s: object): void;
    compile(s: object): ((d: unknown) => boolean) & { errors?: unknown[] | null };
    errorsText(e: unknown): string;
  };
  const ajv = new Ajv6({ schemaId: 'auto', allErrors: true, format: 'full' });
  ajv.addMetaSchema(requireFromPkg('ajv/lib/refs/json-schema-draft-04.json'));
  const validate = ajv.compile(schema);
  return (data) => {
    const valid = validate(data);
    return { valid, errors: ajv.errorsText(validate.errors) };
  };
}
