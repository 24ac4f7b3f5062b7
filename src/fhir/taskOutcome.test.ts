import type { Task } from '@medplum/fhirtypes';
import { CODE_SYSTEM } from '../domain/codes.js';
import { parseProviderAction, planProviderAction, type ReferralOutcome } from '../domain/outcome.js';
import { listExamples } from './profiles.js';
import { actionFromTask, outcomeToTask, REPORT_ID, taskStatusElements } from './taskOutcome.js';

const outcome: ReferralOutcome = {
  returnToWorkGoal: 'different-role-same-employer',
  adjustments: [
    { code: 'phased-return', text: 'Four-hour days for two weeks, then full days' },
    { code: 'amended-duties', text: 'No lifting over 10 kg' },
  ],
  report: {
    title: 'Case management: closing summary',
    text: 'Seen three times. Ready to return — with “adjustments”.',
  },
};

const task = (extra: Partial<Task>): Task => ({
  resourceType: 'Task',
  intent: 'order',
  status: 'requested',
  ...extra,
});

/** What the hub stores after a provider action (the domain's plan). */
function stored(json: unknown, from: 'requested' | 'accepted' = 'requested') {
  const parsed = parseProviderAction(json);
  if (!parsed.ok) throw new Error(parsed.problems.join(' '));
  const plan = planProviderAction(from, parsed.value);
  if (!plan.ok) throw new Error(plan.problem);
  return plan.change;
}

describe('a referral’s state as Task elements and back (round trips)', () => {
  it.each<[string, unknown, 'requested' | 'accepted']>([
    ['accept', { action: 'accept' }, 'requested'],
    ['decline, coded', { action: 'decline', reason: 'outside-area' }, 'requested'],
    ['decline with text', { action: 'decline', reason: 'other', text: 'Moved to Wales' }, 'requested'],
    ['contacted', { action: 'contacted' }, 'accepted'],
    ['scheduled with a date', { action: 'scheduled', date: '2026-12-01' }, 'accepted'],
    ['scheduled without a date', { action: 'scheduled' }, 'accepted'],
    ['did not attend', { action: 'did-not-attend' }, 'accepted'],
    ['complete', { action: 'complete', outcome }, 'accepted'],
  ])('%s: shown as a Task, read back as the same action', (_label, action, from) => {
    const elements = taskStatusElements(stored(action, from));
    const back = actionFromTask(task(elements as Partial<Task>));
    expect(back).toEqual({ ok: true, action });
  });
});

describe('taskStatusElements', () => {
  it('codes the decline reason and keeps the stored words as text', () => {
    expect(
      taskStatusElements({ status: 'rejected', statusReason: 'Another reason: Moved to Wales' }),
    ).toEqual({
      status: 'rejected',
      statusReason: {
        coding: [{ system: CODE_SYSTEM.referralDeclineReason, code: 'other', display: 'Another reason' }],
        text: 'Another reason: Moved to Wales',
      },
    });
  });

  it.each([
    [
      'a GP’s cancellation reason stays text only',
      { status: 'cancelled', statusReason: 'Patient back at work' },
    ],
    ['an unknown business status stays text only', { status: 'in-progress', businessStatus: 'waiting-list' }],
  ] as const)('%s', (_label, state) => {
    const elements = taskStatusElements(state);
    expect(JSON.stringify(elements)).not.toContain('"coding"');
  });

  it('puts the outcome in output, with the report contained as text/plain base64', () => {
    const { output, contained } = outcomeToTask(outcome);
    expect(output.map((o) => o.type?.coding?.[0]?.code)).toEqual([
      'return-to-work-goal',
      'adjustment',
      'adjustment',
      'report',
    ]);
    expect(output.every((o) => o.type?.coding?.[0]?.system === CODE_SYSTEM.referralOutcome)).toBe(true);
    expect(output[0]?.valueCodeableConcept?.coding?.[0]).toMatchObject({
      system: CODE_SYSTEM.returnToWorkGoal,
      code: 'different-role-same-employer',
    });
    expect(output[1]?.valueCodeableConcept).toMatchObject({
      coding: [{ system: CODE_SYSTEM.fitNoteAdvice, code: 'phased-return' }],
      text: 'Four-hour days for two weeks, then full days',
    });
    expect(output[3]?.valueReference?.reference).toBe(`#${REPORT_ID}`);
    const attachment = contained[0]?.content[0]?.attachment;
    expect(attachment?.contentType).toMatch(/^text\/plain/);
    expect(Buffer.from(attachment?.data ?? '', 'base64').toString('utf8')).toBe(outcome.report.text);
  });
});

describe('actionFromTask refusals name the element', () => {
  const complete = taskStatusElements({ status: 'completed', outcome }) as Task;
  const withOutput = (change: (t: Task) => void): Task => {
    const t = JSON.parse(JSON.stringify({ ...complete, resourceType: 'Task', intent: 'order' })) as Task;
    change(t);
    return t;
  };

  it.each<[string, Task, string, RegExp]>([
    [
      'rejected without a reason',
      task({ status: 'rejected' }),
      'Task.statusReason',
      /referral-decline-reason/,
    ],
    [
      'rejected with a reason from another system',
      task({ status: 'rejected', statusReason: { coding: [{ system: 'http://x', code: 'other' }] } }),
      'Task.statusReason',
      /needs statusReason/,
    ],
    [
      'in-progress without a business status',
      task({ status: 'in-progress' }),
      'Task.businessStatus',
      /contacted/,
    ],
    ['completed without output', task({ status: 'completed' }), 'Task.output', /return-to-work goal/],
    ['cancelled', task({ status: 'cancelled' }), 'Task.status', /Only the GP can cancel/],
    ['on-hold', task({ status: 'on-hold' }), 'Task.status', /not "on-hold"/],
    [
      'an output of unknown type',
      withOutput((t) => {
        (t.output as NonNullable<Task['output']>)[0] = { type: { text: 'goal' }, valueString: 'x' };
      }),
      'Task.output[0].type',
      /referral-outcome/,
    ],
    [
      'a goal outside the code system',
      withOutput((t) => {
        const first = (t.output as NonNullable<Task['output']>)[0];
        if (first?.valueCodeableConcept?.coding?.[0]) first.valueCodeableConcept.coding[0].code = 'retire';
      }),
      'Task.output[0].valueCodeableConcept',
      /same-role/,
    ],
    [
      'a report that is not contained',
      withOutput((t) => {
        t.contained = [];
      }),
      'Task.contained',
      /contained DocumentReference/,
    ],
    [
      'a report that is not base64',
      withOutput((t) => {
        const doc = t.contained?.[0] as { content: Array<{ attachment: { data: string } }> };
        (doc.content[0] as { attachment: { data: string } }).attachment.data = 'not base64!';
      }),
      'Task.contained',
      /not base64/,
    ],
    [
      'no report output',
      withOutput((t) => {
        t.output = t.output?.slice(0, 3);
      }),
      'Task.output',
      /report output/,
    ],
  ])('%s', (_label, input, expression, text) => {
    const result = actionFromTask(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.expression)).toContain(expression);
    expect(result.problems.map((p) => p.text).join(' ')).toMatch(text);
  });

  it('adjustment texts left out reach the domain check, which names the adjustment', () => {
    const t = withOutput((x) => {
      const adj = x.output?.[1]?.valueCodeableConcept;
      if (adj) delete adj.text;
    });
    const result = actionFromTask(t);
    expect(result.ok).toBe(true);
    const parsed = parseProviderAction(result.ok ? result.action : undefined);
    expect(parsed.ok ? '' : parsed.problems.join(' ')).toMatch(/Adjustment 1/);
  });

  it('status requested asks for nothing', () => {
    expect(actionFromTask(task({ status: 'requested' }))).toEqual({ ok: true, action: undefined });
  });
});

describe('the profiles’ completed-Task example', () => {
  it('reads as a complete action the domain accepts', () => {
    const example = listExamples().find((r) => r.id === 'task-referral-peter-completed') as Task;
    const result = actionFromTask(example);
    expect(result).toMatchObject({ ok: true, action: { action: 'complete' } });
    expect(parseProviderAction(result.ok ? result.action : undefined)).toMatchObject({
      ok: true,
      value: { outcome: { returnToWorkGoal: 'same-role', adjustments: [{ code: 'phased-return' }] } },
    });
  });
});
