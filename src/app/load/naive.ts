/**
 * The naive loader: each resource type one after another, paging sequentially, then the practice
 * and its configuration. Same record as loadContext; many more round trips. For the benchmark, which
 * times it in the browser too: main.tsx imports this module only when the bench asks for it
 * (BENCH_LOADER_KEY), so it is not in the app's initial JavaScript.
 */
import type { FhirRequester } from '../smart/requester.js';
import {
  type AppContext,
  allowedQueries,
  configAt,
  describePractice,
  finish,
  type LoadOptions,
  loaderFor,
  practiceFor,
  type QueryResult,
  queryInput,
  runQuery,
} from './loadContext.js';
import { naiveQueries } from './queries.js';

export async function loadContextNaive(requester: FhirRequester, options: LoadOptions): Promise<AppContext> {
  const loader = loaderFor(requester, options);
  const queries = allowedQueries(
    naiveQueries(queryInput(options, requester.fhirBaseUrl)),
    options.grantedScope,
    loader.problems,
  );
  const results: QueryResult[] = [];
  let depth = 0;
  for (const query of queries) {
    const result = await runQuery(loader, query, depth);
    results.push(result);
    depth = result.depth;
  }
  const patientResult = results.find((r) => r.query.key === 'patient') as QueryResult;
  const practice = await practiceFor(loader, { ...patientResult, depth });
  const config = await configAt(
    loader,
    options,
    describePractice(practice.org).odsCode || undefined,
    practice.depth,
  );
  return finish(requester, options, loader, {
    results,
    ...(practice.org ? { practiceOrg: practice.org } : {}),
    config,
  });
}
