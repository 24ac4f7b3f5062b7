import type { PageProps } from './App.js';

export function RulesPage(_props: PageProps) {
  return <h1>Rules</h1>;
}
