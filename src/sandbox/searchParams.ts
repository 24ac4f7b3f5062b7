/**
 * Search parameters narrowed to one resource type, so the sandbox's searches run at the speed a GP
 * app expects.
 *
 * Many R4 SearchParameters serve several resource types with one FHIRPath union, e.g. `patient` is
 * `AllergyIntolerance.patient | CarePlan.subject.where(resolve() is Patient) | … |
 * Observation.subject.where(resolve() is Patient) | …` (over 30 branches). Medplum 4.5.2's
 * MemoryRepository evaluates the whole union for every stored resource of the searched type, and each
 * branch naming another type still walks the resource looking for that property under every choice
 * type suffix. With the sandbox's records that made `Observation?patient=peter` take 110–190 ms, and
 * the GP app's launch waited on it.
 *
 * On a resource of type T every branch that starts from another type yields nothing, so the union
 * and the branches starting from T give the same result on T. `narrowSearchParameters` re-indexes
 * each such parameter, for each of its base types, with only that type's branches. The
 * CapabilityStatement is built from the unmodified definitions, so what the server advertises is
 * unchanged.
 */
import { getSearchParameters, indexSearchParameter } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';

/** Splits a FHIRPath expression at its top-level `|` (outside brackets and string literals). */
export function unionBranches(expression: string): string[] {
  const branches: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '|' && depth === 0) {
      branches.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  branches.push(expression.slice(start).trim());
  return branches.filter((b) => b.length > 0);
}

/** The type a branch starts from (`(Observation.value as Quantity)` → Observation), if it names one. */
function startingType(branch: string): string | undefined {
  return /^\(*\s*([A-Z][A-Za-z]*)\b/.exec(branch)?.[1];
}

/**
 * The expression as it applies to resources of `resourceType`: only the branches starting from that
 * type (or from Resource / DomainResource, which every resource is). The expression unchanged when it
 * is not a union, or when no branch starts from a type name (nothing to narrow safely).
 */
export function narrowExpression(expression: string, resourceType: string): string {
  const branches = unionBranches(expression);
  if (branches.length < 2) return expression;
  const starts = branches.map(startingType);
  if (starts.some((type) => type === undefined)) return expression;
  const kept = branches.filter((_, i) => {
    const type = starts[i];
    return type === resourceType || type === 'Resource' || type === 'DomainResource';
  });
  return kept.length === 0 || kept.length === branches.length ? expression : kept.join(' | ');
}

/**
 * Re-indexes, for each resource type, the search parameters whose expression is a union over several
 * types, with the expression narrowed to that type. Returns how many were narrowed. Call after the
 * base definitions are indexed; safe to call again (narrowed parameters stay narrowed).
 */
export function narrowSearchParameters(resourceTypes: readonly string[]): number {
  let narrowed = 0;
  for (const type of resourceTypes) {
    for (const param of Object.values(getSearchParameters(type) ?? {}) as SearchParameter[]) {
      if (!param.expression) continue;
      const expression = narrowExpression(param.expression, type);
      if (expression === param.expression) continue;
      indexSearchParameter({
        ...param,
        base: [type as NonNullable<SearchParameter['base']>[number]],
        expression,
      });
      narrowed++;
    }
  }
  return narrowed;
}
