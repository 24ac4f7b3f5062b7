/**
 * One rule's editor (every field of RuleSchema) with a live preview of the card, and the settings for
 * every rule (episodeGapDays, expectedDurations). Messages next to each field come from parseRules —
 * the same zod schema and checks as the CLI — run over the whole file with this rule in it; Save shows
 * them in an error summary too, and the hub checks again (422 → the same messages).
 */
import { type ReactNode, useMemo, useState } from 'react';
import { CONDITION_GROUP_IDS } from '../../domain/conditionGroups.js';
import { parseRules, type Rule, TEMPLATE_VARIABLES } from '../../domain/rules.js';
import { ErrorSummary, type SummaryProblem } from '../../provider/ui/ErrorSummary.js';
import { CardPreview } from './CardPreview.js';
import { describedBy, FieldErrors } from './fieldErrors.js';
import {
  conditionGroupTitle,
  EMPLOYMENT_LABELS,
  emptyRuleForm,
  formFromRule,
  INDICATOR_LABELS,
  problemsByField,
  RULE_EMPLOYMENT_STATUSES,
  type RuleField,
  type RuleForm,
  ruleFromForm,
  sampleValues,
  type Unit,
  VARIABLE_HELP,
  withRule,
} from './RulesModel.js';
import { go, type RulesData, type SaveResult } from './RulesPage.js';

interface EditorProps {
  data: RulesData;
  save(rules: unknown, note: string): Promise<SaveResult>;
  navigate(path: string): void;
}

const FIELD_ID: Record<RuleField, string> = {
  id: 'rule-id',
  title: 'rule-title',
  enabled: 'rule-enabled',
  when: 'rule-when',
  absence: 'rule-absence',
  notes: 'rule-notes',
  episodes: 'rule-episodes',
  conditionGroups: 'rule-conditionGroups',
  employmentStatus: 'rule-employmentStatus',
  ageRange: 'rule-ageMin',
  mayBeFitOnly: 'rule-mayBeFitOnly',
  indicator: 'rule-indicator',
  providers: 'rule-providers',
  summary: 'rule-summary',
  detail: 'rule-detail',
  sourceLabel: 'rule-sourceLabel',
  sourceUrl: 'rule-sourceUrl',
  supersedes: 'rule-supersedes',
  repeat: 'rule-repeat',
};

function Group(props: { errors?: string[]; children: ReactNode; className?: string }) {
  const bad = props.errors !== undefined && props.errors.length > 0;
  return (
    <div
      className={`nhsuk-form-group${bad ? ' nhsuk-form-group--error' : ''}${props.className ? ` ${props.className}` : ''}`}
    >
      {props.children}
    </div>
  );
}

/** One trigger's checkbox; what it needs (a number) is revealed under it while it is ticked. */
function TriggerItem(props: {
  id: string;
  label: string;
  checked: boolean;
  onChange: (on: boolean) => void;
  children?: ReactNode;
}) {
  return (
    <>
      <div className="nhsuk-checkboxes__item">
        <input
          className="nhsuk-checkboxes__input"
          id={props.id}
          type="checkbox"
          checked={props.checked}
          onChange={(e) => props.onChange(e.target.checked)}
        />
        <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={props.id}>
          {props.label}
        </label>
      </div>
      {props.checked && props.children && (
        <div className="nhsuk-checkboxes__conditional ad-conditional">{props.children}</div>
      )}
    </>
  );
}

/** A trigger's number, with its message; `children` sit beside the box (the threshold's unit). */
function TriggerNumber(props: {
  id: string;
  label: string;
  value: string;
  messages: string[] | undefined;
  onChange: (value: string) => void;
  children?: ReactNode;
}) {
  const input = (
    <input
      className={`nhsuk-input nhsuk-input--width-4${props.messages ? ' nhsuk-input--error' : ''}`}
      id={props.id}
      inputMode="numeric"
      value={props.value}
      aria-describedby={describedBy(props.id, false, props.messages)}
      onChange={(e) => props.onChange(e.target.value)}
    />
  );
  return (
    <>
      <label className="nhsuk-label" htmlFor={props.id}>
        {props.label}
      </label>
      <FieldErrors id={props.id} messages={props.messages} />
      {props.children ? (
        <div className="ad-inline-fields">
          {input}
          {props.children}
        </div>
      ) : (
        input
      )}
    </>
  );
}

function toggle<T>(list: readonly T[], item: T, on: boolean): T[] {
  return on ? (list.includes(item) ? [...list] : [...list, item]) : list.filter((x) => x !== item);
}

export function RuleEditor(props: EditorProps & { rule?: Rule }) {
  const { data } = props;
  const isNew = props.rule === undefined;
  const [form, setForm] = useState<RuleForm>(() => (props.rule ? formFromRule(props.rule) : emptyRuleForm()));
  const [note, setNote] = useState('');
  const [tried, setTried] = useState(false);
  const [serverProblems, setServerProblems] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof RuleForm>(key: K, value: RuleForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));

  const candidate = useMemo(() => ruleFromForm(form), [form]);
  const file = useMemo(
    () => withRule(data.file, props.rule?.id, candidate),
    [data.file, props.rule, candidate],
  );
  const position = (file.rules as unknown[]).indexOf(candidate);
  const providerIds = data.providers.map((p) => p.id);
  const problems = useMemo(() => {
    const parsed = parseRules(file, { providerIds });
    return parsed.ok ? [] : parsed.problems;
  }, [file, providerIds]);
  const placed = problemsByField([...problems, ...serverProblems], form.id.trim(), position);
  const byField = { ...placed.byField };
  // The time off is typed in weeks or days: say so in the unit the IT lead chose.
  if (byField.absence !== undefined && !/^[1-9]\d*$/.test(form.absence.trim()))
    byField.absence = [`Enter the time off work as a whole number of ${form.absenceUnit}, 1 or more.`];
  const shown = tried ? byField : {};
  const others = [...problems, ...serverProblems].filter((p) => !placed.mine.includes(p));

  const summaryProblems: SummaryProblem[] = tried
    ? [
        ...(Object.entries(byField) as Array<[RuleField, string[]]>).flatMap(([field, messages]) =>
          messages.map((text) => ({ text, href: `#${FIELD_ID[field]}` })),
        ),
        ...[...placed.unplaced, ...new Set(others)].map((text) => ({ text })),
      ]
    : [];

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setTried(true);
    setServerProblems([]);
    if (problems.length > 0) return;
    setSaving(true);
    const result = await props.save(
      file,
      note.trim() !== ''
        ? note.trim()
        : isNew
          ? `Added rule "${form.id.trim()}"`
          : `Changed rule "${form.id.trim()}"`,
    );
    setSaving(false);
    if (result.ok) props.navigate('rules');
    else setServerProblems(result.problems);
  };

  const values = sampleValues(candidate as Pick<Rule, 'when' | 'conditionGroups'>);
  const otherRules = data.file.rules.filter((r) => r.id !== props.rule?.id);

  return (
    <>
      <p className="ad-back">
        <a href="/admin/rules" onClick={go(props.navigate, 'rules')}>
          Back to the rules
        </a>
      </p>
      <h1>{isNew ? 'Add a rule' : `Rule: ${props.rule?.title}`}</h1>
      <ErrorSummary problems={summaryProblems} title="This rule cannot be saved yet" />
      <div className="ad-editor">
        <form className="ad-editor__form" onSubmit={(e) => void submit(e)} noValidate>
          <Group errors={shown.id}>
            <label className="nhsuk-label" htmlFor="rule-id">
              Rule id
            </label>
            <div className="nhsuk-hint" id="rule-id-hint">
              Lower-case letters, digits and hyphens, e.g. “eight-weeks-physio”. It names the rule in figures
              and versions{isNew ? '' : ', so it cannot be changed once saved'}.
            </div>
            <FieldErrors id="rule-id" messages={shown.id} />
            <input
              className={`nhsuk-input nhsuk-input--width-20${shown.id ? ' nhsuk-input--error' : ''}`}
              id="rule-id"
              value={form.id}
              readOnly={!isNew}
              aria-describedby={describedBy('rule-id', true, shown.id)}
              onChange={(e) => set('id', e.target.value)}
              spellCheck={false}
            />
          </Group>
          <Group errors={shown.title}>
            <label className="nhsuk-label" htmlFor="rule-title">
              Title
            </label>
            <FieldErrors id="rule-title" messages={shown.title} />
            <input
              className={`nhsuk-input${shown.title ? ' nhsuk-input--error' : ''}`}
              id="rule-title"
              value={form.title}
              aria-describedby={describedBy('rule-title', false, shown.title)}
              onChange={(e) => set('title', e.target.value)}
            />
          </Group>
          <div className="nhsuk-form-group">
            <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
              <div className="nhsuk-checkboxes__item">
                <input
                  className="nhsuk-checkboxes__input"
                  id="rule-enabled"
                  type="checkbox"
                  checked={form.enabled}
                  onChange={(e) => set('enabled', e.target.checked)}
                />
                <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="rule-enabled">
                  This rule is on (it can prompt GPs)
                </label>
              </div>
            </div>
          </div>

          <Group
            errors={[
              ...(shown.when ?? []),
              ...(shown.absence ?? []),
              ...(shown.notes ?? []),
              ...(shown.episodes ?? []),
            ]}
          >
            <fieldset
              className="nhsuk-fieldset"
              id="rule-when"
              aria-describedby="rule-when-hint"
              tabIndex={-1}
            >
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">When it prompts</legend>
              <div className="nhsuk-hint" id="rule-when-hint">
                Choose one or more: the rule prompts only when all the ones you choose hold.
              </div>
              <FieldErrors id="rule-when" messages={shown.when} />
              <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
                <TriggerItem
                  id="rule-absenceOn"
                  label="Off work for at least…"
                  checked={form.absenceOn}
                  onChange={(on) => set('absenceOn', on)}
                >
                  <TriggerNumber
                    id="rule-absence"
                    label="Time off work"
                    value={form.absence}
                    messages={shown.absence}
                    onChange={(v) => set('absence', v)}
                  >
                    <label className="nhsuk-u-visually-hidden" htmlFor="rule-absenceUnit">
                      Unit
                    </label>
                    <select
                      className="nhsuk-select"
                      id="rule-absenceUnit"
                      value={form.absenceUnit}
                      onChange={(e) => {
                        const unit = e.target.value as Unit;
                        const n = Number(form.absence);
                        // Keep the same length of time when the number converts exactly.
                        const absence =
                          form.absence.trim() !== '' && Number.isInteger(n)
                            ? unit === 'days'
                              ? String(n * 7)
                              : n % 7 === 0
                                ? String(n / 7)
                                : form.absence
                            : form.absence;
                        setForm((f) => ({ ...f, absenceUnit: unit, absence }));
                      }}
                    >
                      <option value="weeks">weeks</option>
                      <option value="days">days</option>
                    </select>
                  </TriggerNumber>
                </TriggerItem>
                <TriggerItem
                  id="rule-notesOn"
                  label="At least this many fit notes in one episode…"
                  checked={form.notesOn}
                  onChange={(on) => set('notesOn', on)}
                >
                  <TriggerNumber
                    id="rule-notes"
                    label="Fit notes"
                    value={form.notes}
                    messages={shown.notes}
                    onChange={(v) => set('notes', v)}
                  />
                </TriggerItem>
                <TriggerItem
                  id="rule-episodesOn"
                  label="At least this many episodes off work in 12 months…"
                  checked={form.episodesOn}
                  onChange={(on) => set('episodesOn', on)}
                >
                  <TriggerNumber
                    id="rule-episodes"
                    label="Episodes"
                    value={form.episodes}
                    messages={shown.episodes}
                    onChange={(v) => set('episodes', v)}
                  />
                </TriggerItem>
                <TriggerItem
                  id="rule-firstNote"
                  label="The first fit note of an episode"
                  checked={form.firstNote}
                  onChange={(on) => set('firstNote', on)}
                />
                <TriggerItem
                  id="rule-exceeds"
                  label="Off longer than expected for the condition (see the settings for every rule)"
                  checked={form.exceedsExpectedDuration}
                  onChange={(on) => set('exceedsExpectedDuration', on)}
                />
              </div>
            </fieldset>
          </Group>

          <Checkboxes
            id="rule-conditionGroups"
            legend="Conditions"
            hint="Leave all unticked to prompt for any condition."
            errors={shown.conditionGroups}
            options={CONDITION_GROUP_IDS.map((g) => ({ value: g, label: conditionGroupTitle(g) }))}
            selected={form.conditionGroups}
            onChange={(v) => set('conditionGroups', v as RuleForm['conditionGroups'])}
          />
          <Checkboxes
            id="rule-employmentStatus"
            legend="Employment status"
            hint="Leave all unticked to prompt whatever the patient’s employment status."
            errors={shown.employmentStatus}
            options={RULE_EMPLOYMENT_STATUSES.map((s) => ({ value: s, label: EMPLOYMENT_LABELS[s] }))}
            selected={form.employmentStatus}
            onChange={(v) => set('employmentStatus', v as RuleForm['employmentStatus'])}
          />

          <Group errors={shown.ageRange}>
            <fieldset
              className="nhsuk-fieldset"
              aria-describedby={describedBy('rule-age', true, shown.ageRange)}
            >
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Age range</legend>
              <div className="nhsuk-hint" id="rule-age-hint">
                In years. Leave blank for no limit.
              </div>
              <FieldErrors id="rule-age" messages={shown.ageRange} />
              <div className="ad-inline-fields">
                <div>
                  <label className="nhsuk-label" htmlFor="rule-ageMin">
                    From
                  </label>
                  <input
                    className={`nhsuk-input nhsuk-input--width-3${shown.ageRange ? ' nhsuk-input--error' : ''}`}
                    id="rule-ageMin"
                    inputMode="numeric"
                    value={form.ageMin}
                    onChange={(e) => set('ageMin', e.target.value)}
                  />
                </div>
                <div>
                  <label className="nhsuk-label" htmlFor="rule-ageMax">
                    To
                  </label>
                  <input
                    className={`nhsuk-input nhsuk-input--width-3${shown.ageRange ? ' nhsuk-input--error' : ''}`}
                    id="rule-ageMax"
                    inputMode="numeric"
                    value={form.ageMax}
                    onChange={(e) => set('ageMax', e.target.value)}
                  />
                </div>
              </div>
            </fieldset>
          </Group>

          <div className="nhsuk-form-group">
            <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
              <div className="nhsuk-checkboxes__item">
                <input
                  className="nhsuk-checkboxes__input"
                  id="rule-mayBeFitOnly"
                  type="checkbox"
                  checked={form.mayBeFitOnly}
                  onChange={(e) => set('mayBeFitOnly', e.target.checked)}
                />
                <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="rule-mayBeFitOnly">
                  Only when the latest fit note says “may be fit for work”
                </label>
              </div>
            </div>
          </div>

          <Group errors={shown.indicator}>
            <label className="nhsuk-label" htmlFor="rule-indicator">
              How urgent the prompt looks
            </label>
            <select
              className="nhsuk-select"
              id="rule-indicator"
              value={form.indicator}
              onChange={(e) => set('indicator', e.target.value as Rule['indicator'])}
            >
              {(Object.keys(INDICATOR_LABELS) as Array<Rule['indicator']>).map((k) => (
                <option key={k} value={k}>
                  {INDICATOR_LABELS[k]}
                </option>
              ))}
            </select>
          </Group>

          <Checkboxes
            id="rule-providers"
            legend="Providers offered"
            hint="From your provider directory. Paused and closed providers are kept on the rule but not offered to GPs."
            errors={shown.providers}
            options={[
              ...data.providers.map((p) => ({
                value: p.id,
                label: p.name,
                ...(p.status !== 'active' ? { tag: p.status === 'paused' ? 'Paused' : 'Closed' } : {}),
              })),
              ...form.providers
                .filter((id) => !data.providers.some((p) => p.id === id))
                .map((id) => ({ value: id, label: id, tag: 'Not in the directory' })),
            ]}
            selected={form.providers}
            onChange={(v) => set('providers', v)}
          />

          <Group errors={shown.summary}>
            <label className="nhsuk-label" htmlFor="rule-summary">
              What the prompt says (summary)
            </label>
            <div className="nhsuk-hint" id="rule-summary-hint">
              At most 140 characters once filled in. You can use:
              <ul className="ad-variables">
                {TEMPLATE_VARIABLES.map((v) => (
                  <li key={v}>
                    <code>{`{{${v}}}`}</code> {VARIABLE_HELP[v]}
                  </li>
                ))}
              </ul>
            </div>
            <FieldErrors id="rule-summary" messages={shown.summary} />
            <textarea
              className={`nhsuk-textarea${shown.summary ? ' nhsuk-textarea--error' : ''}`}
              id="rule-summary"
              rows={2}
              value={form.summary}
              aria-describedby={describedBy('rule-summary', true, shown.summary)}
              onChange={(e) => set('summary', e.target.value)}
            />
          </Group>
          <Group errors={shown.detail}>
            <label className="nhsuk-label" htmlFor="rule-detail">
              More detail for the GP (optional)
            </label>
            <FieldErrors id="rule-detail" messages={shown.detail} />
            <textarea
              className={`nhsuk-textarea${shown.detail ? ' nhsuk-textarea--error' : ''}`}
              id="rule-detail"
              rows={3}
              value={form.detail}
              aria-describedby={describedBy('rule-detail', false, shown.detail)}
              onChange={(e) => set('detail', e.target.value)}
            />
          </Group>
          <Group errors={shown.sourceLabel}>
            <label className="nhsuk-label" htmlFor="rule-sourceLabel">
              Where the threshold comes from (source)
            </label>
            <FieldErrors id="rule-sourceLabel" messages={shown.sourceLabel} />
            <input
              className={`nhsuk-input${shown.sourceLabel ? ' nhsuk-input--error' : ''}`}
              id="rule-sourceLabel"
              value={form.sourceLabel}
              aria-describedby={describedBy('rule-sourceLabel', false, shown.sourceLabel)}
              onChange={(e) => set('sourceLabel', e.target.value)}
            />
          </Group>
          <Group errors={shown.sourceUrl}>
            <label className="nhsuk-label" htmlFor="rule-sourceUrl">
              Link to the source (optional)
            </label>
            <FieldErrors id="rule-sourceUrl" messages={shown.sourceUrl} />
            <input
              className={`nhsuk-input${shown.sourceUrl ? ' nhsuk-input--error' : ''}`}
              id="rule-sourceUrl"
              type="url"
              value={form.sourceUrl}
              aria-describedby={describedBy('rule-sourceUrl', false, shown.sourceUrl)}
              onChange={(e) => set('sourceUrl', e.target.value)}
              spellCheck={false}
            />
          </Group>

          <Checkboxes
            id="rule-supersedes"
            legend="Replaces the prompts of these rules"
            hint="When both would prompt for the same episode, the GP sees only this one."
            errors={shown.supersedes}
            options={otherRules.map((r) => ({ value: r.id, label: r.title }))}
            selected={form.supersedes}
            onChange={(v) => set('supersedes', v)}
          />

          <Group errors={shown.repeat}>
            <fieldset className="nhsuk-fieldset">
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
                How often it prompts
              </legend>
              <div className="nhsuk-radios nhsuk-radios--small">
                {(
                  [
                    ['once-per-episode', 'Once per episode off work'],
                    ['each-note', 'Again after each new fit note'],
                  ] as const
                ).map(([value, label]) => (
                  <div className="nhsuk-radios__item" key={value}>
                    <input
                      className="nhsuk-radios__input"
                      id={value === 'once-per-episode' ? 'rule-repeat' : `rule-repeat-${value}`}
                      type="radio"
                      name="repeat"
                      checked={form.repeat === value}
                      onChange={() => set('repeat', value)}
                    />
                    <label
                      className="nhsuk-label nhsuk-radios__label"
                      htmlFor={value === 'once-per-episode' ? 'rule-repeat' : `rule-repeat-${value}`}
                    >
                      {label}
                    </label>
                  </div>
                ))}
              </div>
            </fieldset>
          </Group>

          <div className="nhsuk-form-group">
            <label className="nhsuk-label" htmlFor="rule-note">
              Note for the version history (optional)
            </label>
            <input
              className="nhsuk-input"
              id="rule-note"
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </div>
          <div className="ad-actions">
            <button type="submit" className="nhsuk-button ad-inline-button" disabled={saving}>
              Save as a draft
            </button>
            <a href="/admin/rules" onClick={go(props.navigate, 'rules')}>
              Cancel
            </a>
          </div>
        </form>
        <aside className="ad-editor__preview" aria-labelledby="preview-title">
          <h2 className="nhsuk-heading-s" id="preview-title">
            What the GP will see
          </h2>
          <CardPreview
            summary={form.summary}
            detail={form.detail}
            indicator={form.indicator}
            sourceLabel={form.sourceLabel}
            sourceUrl={form.sourceUrl}
            providers={form.providers}
            directory={data.providers}
            values={values}
          />
        </aside>
      </div>
    </>
  );
}

function Checkboxes(props: {
  id: string;
  legend: string;
  hint?: string;
  errors?: string[];
  options: Array<{ value: string; label: string; tag?: string }>;
  selected: readonly string[];
  onChange(values: string[]): void;
}) {
  return (
    <Group errors={props.errors}>
      <fieldset
        className="nhsuk-fieldset"
        id={props.id}
        tabIndex={-1}
        aria-describedby={describedBy(props.id, props.hint !== undefined, props.errors)}
      >
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{props.legend}</legend>
        {props.hint && (
          <div className="nhsuk-hint" id={`${props.id}-hint`}>
            {props.hint}
          </div>
        )}
        <FieldErrors id={props.id} messages={props.errors} />
        {props.options.length === 0 && <p>There are none to choose from.</p>}
        <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
          {props.options.map((o) => (
            <div className="nhsuk-checkboxes__item" key={o.value}>
              <input
                className="nhsuk-checkboxes__input"
                id={`${props.id}-${o.value}`}
                type="checkbox"
                checked={props.selected.includes(o.value)}
                onChange={(e) => props.onChange(toggle(props.selected, o.value, e.target.checked))}
              />
              <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`${props.id}-${o.value}`}>
                {o.label}{' '}
                {o.tag && <strong className="nhsuk-tag nhsuk-tag--grey ad-small-tag">{o.tag}</strong>}
              </label>
            </div>
          ))}
        </div>
      </fieldset>
    </Group>
  );
}

interface DurationRow {
  label: string;
  conditionGroup: string;
  days: string;
  /** Kept as they are: a specific code (system + code) instead of a group. */
  system?: string;
  code?: string;
}

/** Settings for every rule: the gap that ends an episode, and the expected durations table. */
export function SettingsEditor(props: EditorProps) {
  const { data } = props;
  const [gap, setGap] = useState(String(data.file.episodeGapDays));
  const [rows, setRows] = useState<DurationRow[]>(() =>
    (data.file.expectedDurations ?? []).map((d) => ({
      label: d.label,
      conditionGroup: d.conditionGroup ?? '',
      days: String(d.days),
      ...(d.system !== undefined ? { system: d.system } : {}),
      ...(d.code !== undefined ? { code: d.code } : {}),
    })),
  );
  const [tried, setTried] = useState(false);
  const [serverProblems, setServerProblems] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);

  const num = (t: string): number | string => (/^\d+$/.test(t.trim()) ? Number(t.trim()) : t);
  const file = {
    ...data.file,
    episodeGapDays: num(gap),
    expectedDurations: rows.map((r) => ({
      label: r.label,
      ...(r.conditionGroup !== '' ? { conditionGroup: r.conditionGroup } : {}),
      ...(r.system !== undefined && r.conditionGroup === '' ? { system: r.system, code: r.code } : {}),
      days: num(r.days),
    })),
  };
  if (rows.length === 0) delete (file as { expectedDurations?: unknown }).expectedDurations;
  const parsed = parseRules(file, { providerIds: data.providers.map((p) => p.id) });
  const problems = parsed.ok ? [] : parsed.problems;
  const gapProblems = problems.filter((p) => p.startsWith('episodeGapDays'));
  const rowProblems = (i: number) =>
    problems
      .filter((p) => p.startsWith(`Expected duration ${i + 1}:`))
      .map((p) => p.replace(/^Expected duration \d+: /, ''));

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setTried(true);
    setServerProblems([]);
    if (problems.length > 0) return;
    setSaving(true);
    const result = await props.save(file, 'Changed the settings for every rule');
    setSaving(false);
    if (result.ok) props.navigate('rules');
    else setServerProblems(result.problems);
  };

  return (
    <>
      <p className="ad-back">
        <a href="/admin/rules" onClick={go(props.navigate, 'rules')}>
          Back to the rules
        </a>
      </p>
      <h1>Settings for every rule</h1>
      <ErrorSummary
        problems={tried ? [...problems, ...serverProblems] : []}
        title="These settings cannot be saved yet"
      />
      <form onSubmit={(e) => void submit(e)} noValidate className="ad-settings">
        <Group errors={tried ? gapProblems : undefined}>
          <label className="nhsuk-label" htmlFor="file-gap">
            Days back at work that end an episode
          </label>
          <div className="nhsuk-hint" id="file-gap-hint">
            Fit notes less than this many days apart count as one episode off work (0 to 60).
          </div>
          <FieldErrors id="file-gap" messages={tried ? gapProblems : undefined} />
          <input
            className={`nhsuk-input nhsuk-input--width-3${tried && gapProblems.length ? ' nhsuk-input--error' : ''}`}
            id="file-gap"
            inputMode="numeric"
            value={gap}
            aria-describedby={describedBy('file-gap', true, tried ? gapProblems : undefined)}
            onChange={(e) => setGap(e.target.value)}
          />
        </Group>
        <h2 className="nhsuk-heading-m">Expected time off work</h2>
        <p>Used by rules that prompt when someone is off longer than expected for their condition.</p>
        {rows.map((row, i) => {
          const errs = tried ? rowProblems(i) : [];
          const upd = (patch: Partial<DurationRow>) =>
            setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no id; their order is their identity
            <Group key={i} errors={errs} className="ad-duration">
              <fieldset className="nhsuk-fieldset">
                <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
                  Expected duration {i + 1}
                </legend>
                <FieldErrors id={`dur-${i}`} messages={errs} />
                <label className="nhsuk-label" htmlFor={`dur-${i}-label`}>
                  Description
                </label>
                <input
                  className="nhsuk-input"
                  id={`dur-${i}-label`}
                  value={row.label}
                  onChange={(e) => upd({ label: e.target.value })}
                />
                <div className="ad-inline-fields">
                  <div>
                    <label className="nhsuk-label" htmlFor={`dur-${i}-group`}>
                      Conditions
                    </label>
                    <select
                      className="nhsuk-select"
                      id={`dur-${i}-group`}
                      value={row.conditionGroup}
                      onChange={(e) => upd({ conditionGroup: e.target.value })}
                    >
                      {row.system !== undefined && <option value="">Code {row.code}</option>}
                      {row.system === undefined && row.conditionGroup === '' && (
                        <option value="">Choose…</option>
                      )}
                      {CONDITION_GROUP_IDS.map((g) => (
                        <option key={g} value={g}>
                          {conditionGroupTitle(g)}
                        </option>
                      ))}
                    </select>
                  </div>
                  <div>
                    <label className="nhsuk-label" htmlFor={`dur-${i}-days`}>
                      Days
                    </label>
                    <input
                      className="nhsuk-input nhsuk-input--width-4"
                      id={`dur-${i}-days`}
                      inputMode="numeric"
                      value={row.days}
                      onChange={(e) => upd({ days: e.target.value })}
                    />
                  </div>
                </div>
                <button
                  type="button"
                  className="ad-link-button"
                  onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}
                >
                  Remove expected duration {i + 1}
                </button>
              </fieldset>
            </Group>
          );
        })}
        <p>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
            onClick={() => setRows((rs) => [...rs, { label: '', conditionGroup: 'msk', days: '' }])}
          >
            Add an expected duration
          </button>
        </p>
        <div className="ad-actions">
          <button type="submit" className="nhsuk-button ad-inline-button" disabled={saving}>
            Save as a draft
          </button>
          <a href="/admin/rules" onClick={go(props.navigate, 'rules')}>
            Cancel
          </a>
        </div>
      </form>
    </>
  );
}
