/**
 * A fast, conservative stand-in for the structural half of profile validation (validate.ts layer 1,
 * Medplum's `validateTypedValue` against a profile's parsed schema).
 *
 * Why: Medplum's validator visits every element its schema defines on every object of the resource,
 * present or not (for a referral's three resources, thousands of property look-ups, each allocating
 * a path string and a typed value; about 3 ms of the 4.5 ms a referral took). This module walks only
 * what is present, with the same rules, and answers one question: "would Medplum find no error?".
 *
 * It never writes a message. `true` means: every check Medplum makes passed here. `false` means "not
 * sure" (a problem, or something this walk does not model: a null, an empty value, a primitive
 * extension `_x`, two values for one choice element, a value of a type the profile narrows away, an
 * invariant that throws). validate.ts then runs the exact validator, so the issues a caller sees are
 * always the exact validator's. Soundness (true ⇒ Medplum finds no error) is what
 * tests/integration/validator-oracle.test.ts checks over a mutation corpus.
 *
 * The rules mirror Medplum 4.5's ResourceValidator and use Medplum's own building blocks (property
 * look-up, slice matching, primitive regexes, FHIRPath) so that a value means the same thing to both:
 * - invariants of severity error on the root and on each element, except the ones Medplum skips
 *   (ele-1, dom-3, org-1, sdf-19), each FHIRPath expression parsed once;
 * - cardinality, array-or-single, fixed and pattern values, slice counts;
 * - primitive JSON types, formats, blank strings, number ranges;
 * - unknown properties; contained resources against their base type.
 */
import {
  type Constraint,
  deepEquals,
  deepIncludes,
  evalFhirPathTyped,
  type FhirPathAtom,
  fhirTypeToJsType,
  getDataType,
  getElementDefinition,
  getNestedProperty,
  type InternalSchemaElement,
  type InternalTypeSchema,
  isEmpty,
  isPrimitiveType,
  isResource,
  matchDiscriminant,
  parseFhirPath,
  type SlicingRules,
  type TypedValue,
  type TypedValueWithPath,
  toTypedValue,
  UCUM,
  validationRegexes,
} from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

/** Invariants Medplum does not evaluate (its `skippedConstraintKeys`). */
const SKIPPED_CONSTRAINTS = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);
const MAX_STRING = 1024 * 1024;

class NotSure extends Error {}

function notSure(): never {
  throw new NotSure();
}

interface CompiledConstraint {
  atom: FhirPathAtom;
}

/** What depends only on a schema: worked out once per schema object. */
interface CompiledSchema {
  /** Elements keyed by their simple name (not dotted), by key. */
  simple: Map<string, InternalSchemaElement>;
  /** The simple elements that must be present, with the JSON property names that make them present. */
  required: Array<{ names: string[] }>;
  /** Elements keyed by a dotted path (profile constraints on nested elements). */
  dotted: Array<{ key: string; element: InternalSchemaElement }>;
  /** JSON property name → the element key it belongs to. */
  propertyOf: Map<string, string>;
}

const compiledSchemas = new WeakMap<InternalTypeSchema, CompiledSchema>();
const compiledConstraints = new WeakMap<Constraint[], CompiledConstraint[]>();
const ucum = toTypedValue(UCUM);

function capitalise(code: string): string {
  return code.charAt(0).toUpperCase() + code.slice(1);
}

function compileSchema(schema: InternalTypeSchema): CompiledSchema {
  let compiled = compiledSchemas.get(schema);
  if (compiled) return compiled;
  compiled = { simple: new Map(), required: [], dotted: [], propertyOf: new Map() };
  for (const [key, element] of Object.entries(schema.elements)) {
    if (key.includes('.')) {
      compiled.dotted.push({ key, element });
      continue;
    }
    const names = key.endsWith('[x]')
      ? (element.type ?? []).map((t) => `${key.slice(0, -3)}${capitalise(t.code)}`)
      : [key];
    compiled.simple.set(key, element);
    if (element.min > 0) compiled.required.push({ names });
    for (const name of names) if (!compiled.propertyOf.has(name)) compiled.propertyOf.set(name, key);
  }
  compiledSchemas.set(schema, compiled);
  return compiled;
}

function constraintsOf(constraints: Constraint[] | undefined): CompiledConstraint[] {
  if (!constraints?.length) return [];
  let compiled = compiledConstraints.get(constraints);
  if (!compiled) {
    compiled = constraints
      .filter((c) => c.severity === 'error' && !SKIPPED_CONSTRAINTS.has(c.key))
      .map((c) => ({ atom: parseFhirPath(c.expression) }));
    compiledConstraints.set(constraints, compiled);
  }
  return compiled;
}

/** Anything the walk below does not model: nulls, empty strings, arrays and objects, primitive extensions. */
function hasUnmodelledShape(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value === '';
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    if (value.length === 0) return true;
    for (const item of value) if (hasUnmodelledShape(item)) return true;
    return false;
  }
  let keys = 0;
  for (const key in value) {
    keys++;
    if (key.charCodeAt(0) === 95 /* _ */) return true;
    if (hasUnmodelledShape((value as Record<string, unknown>)[key])) return true;
  }
  return keys === 0;
}

class Walk {
  private readonly resources: Resource[] = [];

  constructor(private readonly root: TypedValue) {}

  run(schema: InternalTypeSchema): void {
    const root = this.root;
    if (isResource(root.value)) this.resources.push(root.value);
    this.constraints({ ...root, path: schema.path }, schema.constraints);
    this.object({ ...root, path: schema.path }, schema);
  }

  private constraints(value: TypedValueWithPath, constraints: Constraint[] | undefined): void {
    const compiled = constraintsOf(constraints);
    if (compiled.length === 0) return;
    const variables: Record<string, TypedValue> = { '%context': value, '%ucum': ucum };
    const current = this.resources[this.resources.length - 1];
    if (current) variables['%resource'] = toTypedValue(current);
    if (isResource(this.root.value)) variables['%rootResource'] = this.root;
    for (const { atom } of compiled) {
      const result = evalFhirPathTyped(atom, [value], variables);
      if (result.length !== 1 || result[0]?.value !== true) notSure();
    }
  }

  private object(obj: TypedValueWithPath, schema: InternalTypeSchema): void {
    const isRes = isResource(obj.value);
    if (isRes) this.resources.push(obj.value as Resource);
    const compiled = compileSchema(schema);
    const value = obj.value as Record<string, unknown>;

    // Unknown properties, at most one value for each choice element, then each present element.
    const seen = new Set<string>();
    for (const key in value) {
      if (key === 'resourceType') continue;
      const elementKey = compiled.propertyOf.get(key);
      if (elementKey === undefined || seen.has(elementKey)) notSure();
      seen.add(elementKey);
    }
    for (const { names } of compiled.required) {
      let present = false;
      for (const name of names) {
        if (value[name] !== undefined) {
          present = true;
          break;
        }
      }
      if (!present) notSure();
    }
    for (const key of seen) {
      const element = compiled.simple.get(key) as InternalSchemaElement;
      this.property(obj, key, element, simpleProperty(obj, key));
    }
    for (const { key, element } of compiled.dotted) {
      this.property(obj, key, element);
    }
    if (isRes) this.resources.pop();
  }

  private property(
    parent: TypedValueWithPath,
    key: string,
    element: InternalSchemaElement,
    resolved?: TypedValueWithPath | TypedValueWithPath[],
  ): void {
    const found = resolved ? [resolved] : getNestedProperty(parent, key, { withPath: true });
    for (const value of found) {
      if (!Array.isArray(value) && value.value === undefined) {
        if (element.min > 0) notSure();
        continue;
      }
      if (isEmpty(value)) notSure();
      let values: TypedValueWithPath[];
      if (element.isArray) {
        if (!Array.isArray(value)) notSure();
        values = value;
      } else {
        if (Array.isArray(value)) notSure();
        values = [value];
      }
      if (values.length < element.min || values.length > element.max) notSure();
      if (!matchesSpecifiedValue(value, element)) notSure();
      const slicing = element.slicing;
      const counts = slicing ? new Map(slicing.slices.map((s) => [s.name, 0])) : undefined;
      for (const v of values) {
        this.constraints(v, element.constraints);
        if (isPrimitiveType(v.type)) checkPrimitive(v);
        else if (isEmpty(v.value)) notSure();
        if (slicing && counts) {
          const name = sliceOf(v, slicing);
          if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
        }
      }
      if (slicing && counts) {
        for (const slice of slicing.slices) {
          const count = counts.get(slice.name) ?? 0;
          if (count < slice.min || count > slice.max) notSure();
        }
      }
    }
    for (const value of found) {
      if (!value) continue;
      for (const item of Array.isArray(value) ? value : [value]) {
        if (isPrimitiveType(item.type)) continue;
        // A complex value that is not a JSON object: Medplum may let a number through; not sure.
        if (typeof item.value !== 'object' || item.value === null || Array.isArray(item.value)) notSure();
        this.object(item, getDataType(item.type));
      }
    }
  }
}

/** `getElementDefinition(type, key)` is fixed once the base definitions are indexed. */
const baseElements = new Map<string, InternalSchemaElement | null>();

function baseElement(type: string, key: string): InternalSchemaElement | undefined {
  const memoKey = `${type}\u0000${key}`;
  let element = baseElements.get(memoKey);
  if (element === undefined) {
    element = getElementDefinition(type, key) ?? null;
    baseElements.set(memoKey, element);
  }
  return element ?? undefined;
}

/**
 * What Medplum's `getNestedProperty(parent, key, { withPath: true })` gives for a simple (undotted)
 * key whose value is present, without its per-type search: after `hasUnmodelledShape` there is no
 * `_x` partner and no empty value, and `object` has made sure one JSON property at most belongs to
 * the element. Anything else is left to Medplum's function (undefined here).
 */
function simpleProperty(
  parent: TypedValueWithPath,
  key: string,
): TypedValueWithPath | TypedValueWithPath[] | undefined {
  const element = baseElement(parent.type, key);
  const types = element?.type;
  if (!element || !types?.length) return undefined;
  const segment = element.path.slice(element.path.lastIndexOf('.') + 1);
  if (segment !== key) return undefined;
  const object = parent.value as Record<string, unknown>;
  let type: string | undefined;
  let value: unknown;
  if (key.endsWith('[x]')) {
    const stem = key.slice(0, -3);
    for (const t of types) {
      const candidate = object[stem + capitalise(t.code)];
      if (candidate !== undefined) {
        type = t.code;
        value = candidate;
        break;
      }
    }
  } else {
    type = types[0]?.code;
    value = object[key];
  }
  if (type === undefined || value === undefined) return undefined;
  if (type === 'Element' || type === 'BackboneElement') type = types[0]?.code as string;
  const prefix = parent.path ? `${parent.path}.` : '';
  const typed = (v: unknown, path: string): TypedValueWithPath => ({
    type: type === 'Resource' && isResource(v) ? v.resourceType : (type as string),
    value: v,
    path,
  });
  return Array.isArray(value)
    ? value.map((v, i) => typed(v, `${prefix}${key}[${i}]`))
    : typed(value, `${prefix}${key}`);
}

function matchesSpecifiedValue(
  value: TypedValueWithPath | TypedValueWithPath[],
  element: InternalSchemaElement,
): boolean {
  if (!element.pattern && !element.fixed) return true;
  const typeAndValue = Array.isArray(value)
    ? value.map((v) => ({ type: v.type, value: v.value }))
    : { type: value.type, value: value.value };
  if (element.pattern && !deepIncludes(typeAndValue, element.pattern)) return false;
  if (element.fixed && !deepEquals(typeAndValue, element.fixed)) return false;
  return true;
}

function sliceOf(value: TypedValue, slicing: SlicingRules): string | undefined {
  for (const slice of slicing.slices) {
    const matches = slicing.discriminator.every((discriminator) => {
      const found = getNestedProperty(value, discriminator.path);
      return found.some((v) => matchDiscriminant(v, discriminator, slice));
    });
    if (matches) return slice.name;
  }
  return undefined;
}

const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);

function checkPrimitive(typed: TypedValueWithPath): void {
  const { type, value } = typed;
  if (typeof value === 'object') notSure(); // a primitive with an extension, or a wrong JSON type
  const expected = (fhirTypeToJsType as Record<string, string>)[type];
  if (!expected || typeof value !== expected) notSure();
  if (expected === 'string') {
    const text = value as string;
    if (!text.trim() || text.length > MAX_STRING) notSure();
    const regex = (validationRegexes as Record<string, RegExp | undefined>)[type];
    if (regex && !regex.exec(text)) notSure();
  } else if (expected === 'number') {
    const n = value as number;
    if (!Number.isFinite(n)) notSure();
    if (INTEGER_TYPES.has(type) && !Number.isInteger(n)) notSure();
    if (type === 'positiveInt' && n <= 0) notSure();
    if (type === 'unsignedInt' && n < 0) notSure();
  }
}

/**
 * True only when Medplum's validator, given `schema` (a profile's parsed schema, or a base type's)
 * as the root schema, would report no error for `resource`. False when it would, or when unsure.
 */
export function structurallyValid(resource: Resource, schema: InternalTypeSchema): boolean {
  if (hasUnmodelledShape(resource)) return false;
  try {
    new Walk(toTypedValue(resource)).run(schema);
    return true;
  } catch (error) {
    if (error instanceof NotSure) return false;
    return false; // anything Medplum's building blocks throw: let the exact validator say what it is
  }
}
