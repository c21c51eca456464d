import { badRequest } from '../errors.ts';
import { ACTIONS, ENTITY_MEDIA, methodOf } from './media.ts';

/** Incident priorities a policy sets target durations for (SmartClean Matrix's keys). */
export const PRIORITIES = ['L', 'N', 'M', 'H'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Escalation levels, in the order they fire. */
export const LEVELS = ['L0', 'L1', 'L2', 'L3'] as const;
export type Level = (typeof LEVELS)[number];

/** The three conditions a policy watches, and the settings key of each. */
export const CONDITIONS = ['start', 'due', 'unassigned'] as const;
export type Condition = (typeof CONDITIONS)[number];
export const SETTINGS_KEY: Readonly<Record<Condition, keyof EscalationSettings>> = {
  start: 'StartThresholdSettings',
  due: 'DueTimeThresholdSettings',
  unassigned: 'UnassignedSettings',
};

/** The recipient that stands for the incident's assignee at the moment a level fires. */
export const ASSIGNEE = '$assignee';

export interface Recipient {
  readonly Entity: string;
  readonly EntityMedium: string;
  readonly MediumDetails?: Readonly<Record<string, unknown>>;
  readonly NotifyForIncidents?: readonly string[];
}

export interface LevelSettings {
  readonly Action: string;
  readonly Recipients: readonly Recipient[];
  /** Seconds after the previous level that is present (after the breach for the first one); ignored for L0. */
  readonly TimeAfter?: number;
}

export type ThresholdSettings = Readonly<Partial<Record<Level, LevelSettings>>>;

export interface EscalationSettings {
  readonly StartThresholdSettings?: ThresholdSettings;
  readonly DueTimeThresholdSettings?: ThresholdSettings;
  readonly UnassignedSettings?: ThresholdSettings;
}

export interface TargetDuration {
  /** Seconds after creation by which work must be acknowledged or started. */
  readonly StartThreshold?: number;
  /** Seconds after creation by which the incident must be resolved. */
  readonly DueTime?: number;
}

/** An escalation policy exactly as SmartClean Matrix writes it (seed 003). */
export interface EscalationPolicyDocument {
  readonly ID: string;
  readonly ATTR: string;
  readonly Name: string;
  readonly Description?: string;
  readonly PolicyId: string;
  readonly IncidentTypes: readonly string[];
  readonly TargetDurations: Readonly<Partial<Record<Priority, TargetDuration>>>;
  readonly EscalationSettings: EscalationSettings;
}

/** A recipient entity that must name a user or team of the project, and where it was written. */
export interface EntityReference {
  readonly path: string;
  readonly id: string;
}

export interface NormalizedPolicy {
  /** The document to store: as given, with `ID` (first) and `ATTR` (last) added when absent. */
  readonly document: EscalationPolicyDocument;
  /** `ID` in lower case: the policy's key. */
  readonly id: string;
  readonly entities: readonly EntityReference[];
}

const TOP_FIELDS = ['ID', 'ATTR', 'Name', 'Description', 'PolicyId', 'IncidentTypes', 'TargetDurations', 'EscalationSettings'];
const TARGET_FIELDS = ['StartThreshold', 'DueTime'];
const LEVEL_FIELDS = ['Action', 'Recipients', 'TimeAfter'];
const RECIPIENT_FIELDS = ['Entity', 'EntityMedium', 'MediumDetails', 'NotifyForIncidents'];
const SETTINGS_KEYS = Object.values(SETTINGS_KEY) as string[];
/** Ten years: the largest duration a policy may give, so every deadline is a valid instant. */
export const MAX_SECONDS = 315_360_000;
const ID_PATTERN = /^[0-9a-fA-F]{32}$/;
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** `attr#escalationpolicy#<ID>#<PolicyId>`: SmartClean Matrix's sort key. */
export function attrOf(id: string, policyId: string): string {
  return `attr#escalationpolicy#${id}#${policyId}`;
}

/** Whether `id` is written as a policy id: 32 hexadecimal digits. */
export function isPolicyId(id: string): boolean {
  return ID_PATTERN.test(id);
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSeconds(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_SECONDS;
}

function list(values: readonly string[]): string {
  return values.join(', ');
}

/** Collects every problem of a document, each naming its field path. */
class Problems {
  readonly items: string[] = [];
  add(path: string, problem: string): void {
    this.items.push(`${path}: ${problem}`);
  }
  unknownKeys(path: string, obj: Json, allowed: readonly string[], what = 'field'): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.add(path ? `${path}.${k}` : k, `unknown ${what} (expected one of ${list(allowed)})`);
    }
  }
  throwIfAny(): void {
    if (this.items.length > 0) throw badRequest(this.items.join('; '));
  }
}

/**
 * Validates an escalation policy document and returns the copy to store. Collects every
 * problem at once and throws one 400 naming each field path. `pathId` is the id of the
 * policy being replaced (PUT); `newId` makes an id for a create that gives none.
 * Recipient entities that are ids are returned for the caller to check against the project.
 */
export function normalizePolicy(raw: unknown, opts: { pathId?: string; newId: () => string }): NormalizedPolicy {
  const p = new Problems();
  if (!isObject(raw)) throw badRequest('body: must be a JSON object (an escalation policy)');
  p.unknownKeys('', raw, TOP_FIELDS);

  let id: string;
  if (raw.ID === undefined) {
    id = opts.pathId ?? opts.newId();
  } else if (typeof raw.ID !== 'string' || !ID_PATTERN.test(raw.ID)) {
    p.add('ID', 'must be a string of 32 hexadecimal digits');
    id = opts.pathId ?? '';
  } else {
    id = raw.ID;
    if (opts.pathId !== undefined && raw.ID.toLowerCase() !== opts.pathId.toLowerCase()) {
      p.add('ID', `is ${raw.ID} but the path names ${opts.pathId} (the ID of a policy cannot change)`);
    }
  }
  requiredText(p, raw, 'Name', 1024);
  if (raw.Description !== undefined && typeof raw.Description !== 'string') p.add('Description', 'must be a string');
  else if (typeof raw.Description === 'string' && raw.Description.length > 10_000) p.add('Description', 'must be at most 10000 characters');
  const policyIdOk = requiredText(p, raw, 'PolicyId', 200);
  if (raw.ATTR !== undefined && policyIdOk && id) {
    const expected = attrOf(id, raw.PolicyId as string);
    if (raw.ATTR !== expected) p.add('ATTR', `must be ${JSON.stringify(expected)} (attr#escalationpolicy#<ID>#<PolicyId>) or left out`);
  }
  checkIncidentTypes(p, raw.IncidentTypes);
  checkTargets(p, raw.TargetDurations);
  const entities = checkSettings(p, raw.EscalationSettings);
  p.throwIfAny();

  let document: Json = raw.ID === undefined ? { ID: id, ...raw } : { ...raw };
  if (raw.ATTR === undefined) document = { ...document, ATTR: attrOf(id, raw.PolicyId as string) };
  return { document: document as unknown as EscalationPolicyDocument, id: id.toLowerCase(), entities };
}

function requiredText(p: Problems, obj: Json, field: string, max: number): boolean {
  const v = obj[field];
  if (v === undefined || v === null) p.add(field, 'is required');
  else if (typeof v !== 'string' || v.trim() === '') p.add(field, 'must be a non-empty string');
  else if (v.length > max) p.add(field, `must be at most ${max} characters`);
  else return true;
  return false;
}

function checkStrings(p: Problems, path: string, v: unknown, opts: { required: boolean; nonEmpty: boolean }): void {
  if (v === undefined) {
    if (opts.required) p.add(path, 'is required');
    return;
  }
  if (!Array.isArray(v)) {
    p.add(path, 'must be a list of strings');
    return;
  }
  if (opts.nonEmpty && v.length === 0) p.add(path, 'must name at least one incident type, or "*" for every type');
  v.forEach((t, i) => {
    if (typeof t !== 'string' || t === '') p.add(`${path}[${i}]`, 'must be a non-empty string');
    else if (t.length > 200) p.add(`${path}[${i}]`, 'must be at most 200 characters');
  });
}

function checkIncidentTypes(p: Problems, v: unknown): void {
  checkStrings(p, 'IncidentTypes', v, { required: true, nonEmpty: true });
}

function checkTargets(p: Problems, v: unknown): void {
  if (v === undefined) return p.add('TargetDurations', 'is required');
  if (!isObject(v)) return p.add('TargetDurations', 'must be an object keyed by priority (L, N, M, H)');
  for (const [priority, target] of Object.entries(v)) {
    const path = `TargetDurations.${priority}`;
    if (!(PRIORITIES as readonly string[]).includes(priority)) {
      p.add(path, `unknown priority (priorities are ${list(PRIORITIES)})`);
      continue;
    }
    if (!isObject(target)) {
      p.add(path, 'must be an object {StartThreshold, DueTime}');
      continue;
    }
    p.unknownKeys(path, target, TARGET_FIELDS);
    for (const f of TARGET_FIELDS) {
      if (target[f] !== undefined && !isSeconds(target[f])) p.add(`${path}.${f}`, `must be a whole number of seconds from 0 to ${MAX_SECONDS}`);
    }
  }
}

function checkSettings(p: Problems, v: unknown): EntityReference[] {
  const entities: EntityReference[] = [];
  if (v === undefined) {
    p.add('EscalationSettings', 'is required');
    return entities;
  }
  if (!isObject(v)) {
    p.add('EscalationSettings', `must be an object with ${list(SETTINGS_KEYS)}`);
    return entities;
  }
  p.unknownKeys('EscalationSettings', v, SETTINGS_KEYS, 'setting');
  for (const key of SETTINGS_KEYS) {
    const settings = v[key];
    if (settings === undefined) continue;
    const path = `EscalationSettings.${key}`;
    if (!isObject(settings)) {
      p.add(path, 'must be an object keyed by level (L0, L1, L2, L3)');
      continue;
    }
    for (const [level, s] of Object.entries(settings)) {
      const lpath = `${path}.${level}`;
      if (!(LEVELS as readonly string[]).includes(level)) {
        p.add(lpath, `unknown level (levels are ${list(LEVELS)})`);
        continue;
      }
      checkLevel(p, lpath, level as Level, s, entities);
    }
  }
  return entities;
}

function checkLevel(p: Problems, path: string, level: Level, s: unknown, entities: EntityReference[]): void {
  if (!isObject(s)) return p.add(path, 'must be an object {Action, Recipients, TimeAfter}');
  p.unknownKeys(path, s, LEVEL_FIELDS);
  if (s.Action === undefined) p.add(`${path}.Action`, `is required (${list(ACTIONS)})`);
  else if (typeof s.Action !== 'string' || !(ACTIONS as readonly string[]).includes(s.Action)) {
    p.add(`${path}.Action`, `unknown action ${JSON.stringify(s.Action)} (actions are ${list(ACTIONS)})`);
  }
  if (s.TimeAfter === undefined) {
    if (level !== 'L0') p.add(`${path}.TimeAfter`, 'is required: seconds after the previous level');
  } else if (!isSeconds(s.TimeAfter)) {
    p.add(`${path}.TimeAfter`, `must be a whole number of seconds from 0 to ${MAX_SECONDS}`);
  }
  if (s.Recipients === undefined) return p.add(`${path}.Recipients`, 'is required (a list, possibly empty)');
  if (!Array.isArray(s.Recipients)) return p.add(`${path}.Recipients`, 'must be a list of recipients');
  s.Recipients.forEach((r, i) => checkRecipient(p, `${path}.Recipients[${i}]`, r, entities));
}

function checkRecipient(p: Problems, path: string, r: unknown, entities: EntityReference[]): void {
  if (!isObject(r)) return p.add(path, 'must be an object {Entity, EntityMedium, MediumDetails, NotifyForIncidents}');
  p.unknownKeys(path, r, RECIPIENT_FIELDS);
  const entity = r.Entity;
  if (entity === undefined) p.add(`${path}.Entity`, 'is required');
  else if (typeof entity !== 'string' || (entity !== ASSIGNEE && !UUID_PATTERN.test(entity))) {
    p.add(`${path}.Entity`, `must be "${ASSIGNEE}" or the id of a user or team of this project`);
  } else if (entity !== ASSIGNEE) {
    entities.push({ path: `${path}.Entity`, id: entity.toLowerCase() });
  }
  const medium = r.EntityMedium;
  if (medium === undefined) p.add(`${path}.EntityMedium`, 'is required');
  else if (typeof medium !== 'string' || methodOf(medium) === null) {
    p.add(`${path}.EntityMedium`, `unknown medium ${JSON.stringify(medium)} (media are ${list(Object.keys(ENTITY_MEDIA))})`);
  }
  if (r.MediumDetails !== undefined && !isObject(r.MediumDetails)) p.add(`${path}.MediumDetails`, 'must be an object');
  checkStrings(p, `${path}.NotifyForIncidents`, r.NotifyForIncidents, { required: false, nonEmpty: false });
}

/** Whether a policy watches incidents of this type: `*` matches every incident, typed or not. */
export function matchesIncidentType(doc: EscalationPolicyDocument, incidentType: string | null): boolean {
  return doc.IncidentTypes.includes('*') || (incidentType !== null && doc.IncidentTypes.includes(incidentType));
}

/** The target durations for a priority, or null when the policy sets none (it then ignores the incident). */
export function targetsFor(doc: EscalationPolicyDocument, priority: string | null): TargetDuration | null {
  if (priority === null || !(PRIORITIES as readonly string[]).includes(priority)) return null;
  return doc.TargetDurations[priority as Priority] ?? null;
}

/** The level settings of a condition (an empty object when the policy has none). */
export function settingsFor(doc: EscalationPolicyDocument, condition: Condition): ThresholdSettings {
  return doc.EscalationSettings[SETTINGS_KEY[condition]] ?? {};
}

/** Whether a recipient applies to incidents of this type: an empty `NotifyForIncidents` (or `*`) means every type. */
export function recipientApplies(r: Recipient, incidentType: string | null): boolean {
  const only = r.NotifyForIncidents ?? [];
  return only.length === 0 || only.includes('*') || (incidentType !== null && only.includes(incidentType));
}
