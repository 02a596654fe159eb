import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RecordSchema } from './schema-types.js';

/**
 * Reads an .avsc next to this module. Compiled code runs from dist/schemas/, where tsc copies no
 * .avsc, so the repository's schemas/ folder is tried second.
 */
export function loadAvsc(fileName: string): RecordSchema {
  const candidates = [new URL(`./${fileName}`, import.meta.url), new URL(`../../schemas/${fileName}`, import.meta.url)];
  const found = candidates.find((url) => existsSync(url));
  if (!found) throw new Error(`schema ${fileName} not found; looked in ${candidates.map((u) => fileURLToPath(u)).join(', ')}`);
  const parsed: unknown = JSON.parse(readFileSync(found, 'utf8'));
  if (!isRecordSchema(parsed)) throw new Error(`${fileName} is not an Avro record schema`);
  return parsed;
}

function isRecordSchema(value: unknown): value is RecordSchema {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<RecordSchema>;
  return v.type === 'record' && typeof v.name === 'string' && Array.isArray(v.fields);
}

/**
 * Replaces references to a named record by its definition, so the result stands alone: what the
 * registry stores and what a consumer in another language reads. Avro allows one definition per
 * name, so only the first reference is expanded; later ones stay names.
 */
export function inlineNamedType(schema: RecordSchema, named: RecordSchema): RecordSchema {
  const fullName = named.namespace ? `${named.namespace}.${named.name}` : named.name;
  let expanded = false;
  const expand = (type: unknown): unknown => {
    if (!expanded && (type === fullName || (type === named.name && schema.namespace === named.namespace))) {
      expanded = true;
      return named;
    }
    if (Array.isArray(type)) return type.map(expand);
    return type;
  };
  return { ...schema, fields: schema.fields.map((f) => ({ ...f, type: expand(f.type) })) };
}
