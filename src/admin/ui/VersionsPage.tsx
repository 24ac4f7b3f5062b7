import type { PageProps } from './App.js';

export function VersionsPage(_props: PageProps) {
  return <h1>Versions</h1>;
}
