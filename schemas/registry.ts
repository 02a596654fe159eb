import { TOPIC_SCHEMAS, type TopicSchema } from './avro-schemas.js';
import { RegistryHttp, subjectPath, type RegistryConnection } from './registry-http.js';
import { valueSubjectFor } from './subjects.js';

export { SchemaRegistryHttpError, type RegistryConnection } from './registry-http.js';

/** New versions must be readable by consumers on the previous one: consumers upgrade first. */
export const REGISTERED_COMPATIBILITY = 'BACKWARD';

export type RegistrationOutcome =
  /** Registered now (a new subject or a new version). */
  | 'registered'
  /** The registry had this exact schema under the subject already. */
  | 'already-registered'
  /** Dry run: would be registered. */
  | 'would-register'
  /** Dry run: the registry would refuse it (real runs throw instead). */
  | 'incompatible';

export interface RegistrationResult {
  readonly topic: string;
  readonly subject: string;
  /** Full name of the record, e.g. io.tempstream.TemperatureReading. */
  readonly schemaName: string;
  readonly outcome: RegistrationOutcome;
  /** Known unless the schema is not registered (dry run). */
  readonly id?: number;
  readonly version?: number;
  /** Why the registry finds it incompatible, as it says. */
  readonly incompatibilities?: readonly string[];
}

export interface RegisterSchemasOptions extends RegistryConnection {
  /** Checks and reports; writes nothing (no register, no config change). */
  readonly dryRun?: boolean;
  /** Default: every schema of the pipeline (TOPIC_SCHEMAS). */
  readonly schemas?: readonly TopicSchema[];
}

export class SchemaIncompatibleError extends Error {
  constructor(readonly results: readonly RegistrationResult[]) {
    super(
      `schema registry refuses: ${results
        .map(
          (r) =>
            `${r.subject} (${r.schemaName}) is not ${REGISTERED_COMPATIBILITY}-compatible with its latest version: ${(r.incompatibilities ?? []).join('; ') || 'no reason given'}`,
        )
        .join(' | ')}`,
    );
    this.name = 'SchemaIncompatibleError';
  }
}

interface Plan {
  readonly topic: string;
  readonly subject: string;
  readonly schemaName: string;
  readonly schemaText: string;
  readonly existing?: { id: number; version: number };
  readonly incompatibilities?: readonly string[];
}

/**
 * Registers each schema under `<topic>-value` with compatibility BACKWARD. Every schema is checked
 * against its subject's latest version before anything is written, so one incompatible schema
 * leaves the registry untouched.
 */
export async function registerSchemas(options: RegisterSchemasOptions): Promise<RegistrationResult[]> {
  const http = new RegistryHttp(options);
  const plans: Plan[] = [];
  for (const { topic, schema } of options.schemas ?? TOPIC_SCHEMAS) {
    plans.push(await planRegistration(http, topic, JSON.stringify(schema), schema.namespace ? `${schema.namespace}.${schema.name}` : schema.name));
  }
  const refused = plans.filter((p) => p.incompatibilities !== undefined);
  if (options.dryRun) return plans.map(dryRunResult);
  if (refused.length > 0) throw new SchemaIncompatibleError(refused.map(dryRunResult));
  const results: RegistrationResult[] = [];
  for (const plan of plans) results.push(await carryOut(http, plan));
  return results;
}

async function planRegistration(http: RegistryHttp, topic: string, schemaText: string, schemaName: string): Promise<Plan> {
  const subject = valueSubjectFor(topic);
  const plan = { topic, subject, schemaName, schemaText };
  const existing = await lookUp(http, subject, schemaText);
  if (existing) return { ...plan, existing };
  // 404: the subject has no version yet, so there is nothing to be incompatible with.
  const check = await http.call<{ is_compatible?: boolean; messages?: unknown }>('POST', `/compatibility${subjectPath(subject)}/versions/latest?verbose=true`, {
    schema: schemaText,
  });
  if (check === undefined || check.is_compatible === true) return plan;
  const messages = Array.isArray(check.messages) ? check.messages.map(String) : [];
  return { ...plan, incompatibilities: messages };
}

/** The id and version under which this exact schema is registered, if it is. */
async function lookUp(http: RegistryHttp, subject: string, schemaText: string): Promise<{ id: number; version: number } | undefined> {
  const found = await http.call<{ id: number; version: number }>('POST', subjectPath(subject), { schema: schemaText });
  return found === undefined ? undefined : { id: found.id, version: found.version };
}

function dryRunResult(plan: Plan): RegistrationResult {
  const base = { topic: plan.topic, subject: plan.subject, schemaName: plan.schemaName };
  if (plan.existing) return { ...base, outcome: 'already-registered', ...plan.existing };
  if (plan.incompatibilities) return { ...base, outcome: 'incompatible', incompatibilities: plan.incompatibilities };
  return { ...base, outcome: 'would-register' };
}

async function carryOut(http: RegistryHttp, plan: Plan): Promise<RegistrationResult> {
  await ensureCompatibility(http, plan.subject);
  const base = { topic: plan.topic, subject: plan.subject, schemaName: plan.schemaName };
  if (plan.existing) return { ...base, outcome: 'already-registered', ...plan.existing };
  await http.call('POST', `${subjectPath(plan.subject)}/versions`, { schema: plan.schemaText });
  // Registering answers with the id only; the lookup adds the version.
  const registered = await lookUp(http, plan.subject, plan.schemaText);
  if (!registered) throw new Error(`registered ${plan.subject} but the registry cannot find it again`);
  return { ...base, outcome: 'registered', ...registered };
}

/** Sets the subject's level before registering, so this and every later version is checked with it. */
async function ensureCompatibility(http: RegistryHttp, subject: string): Promise<void> {
  const current = await http.call<{ compatibilityLevel?: string; compatibility?: string }>('GET', `/config/${encodeURIComponent(subject)}`);
  const level = current?.compatibilityLevel ?? current?.compatibility;
  if (level?.toUpperCase() === REGISTERED_COMPATIBILITY) return;
  await http.call('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: REGISTERED_COMPATIBILITY });
}
