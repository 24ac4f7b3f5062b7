export function AuditPage(props: { route: string[]; navigate(path: string): void }) {
  void props;
  return (
    <div>
      <h1 className="nhsuk-heading-l">Loading…</h1>
    </div>
  );
}
