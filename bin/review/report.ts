import { formatDifferences, FormatStream } from '@aws-cdk/cloudformation-diff';
import { Review, StackReview, StatefulChange } from './classify';

/** What was compared with what, for the report's first lines. */
export interface ReviewSubject {
  /** e.g. "origin/main (3f2a1c9, merge base with origin/main)". */
  readonly base: string;
  /** e.g. "the working tree". */
  readonly head: string;
  /** The `-c key=value` pairs both sides were synthesized with. */
  readonly context: readonly string[];
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Remove terminal colours (the diff engine colours its output when stdout is a terminal). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** The full `cdk diff` text of one stack, rendered by the same formatter the CLI uses. */
export function diffText(stack: StackReview, columns = 150): string {
  const chunks: string[] = [];
  const stream = { columns, write: (chunk: string) => chunks.push(String(chunk)) > 0 };
  formatDifferences(stream as unknown as FormatStream, stack.diff);
  return chunks.join('');
}

/** One line per stack: status, resource counts, IAM and security-group changes. */
export function summaryLine(stack: StackReview): string {
  if (stack.status === 'unchanged') return `${stack.stackName}: no differences`;
  const c = stack.counts;
  const resources = `${c.added} added, ${c.removed} removed, ${c.replaced} replaced, ${c.modified} modified`;
  const status = stack.status === 'changed' ? 'changed' : `${stack.status} stack`;
  return `${stack.stackName}: ${status}; resources ${resources}; IAM ${iamSummary(stack)}; security groups ${sgSummary(stack)}`;
}

function iamSummary(stack: StackReview): string {
  const s = stack.security;
  const parts: string[] = [];
  if (s.iamStatementsAdded || s.iamStatementsRemoved) {
    parts.push(`statements +${s.iamStatementsAdded}/-${s.iamStatementsRemoved}`);
  }
  if (s.managedPoliciesAdded || s.managedPoliciesRemoved) {
    parts.push(`managed policies +${s.managedPoliciesAdded}/-${s.managedPoliciesRemoved}`);
  }
  if (!parts.length) return 'no changes';
  return parts.join(', ') + (s.permissionsBroadened ? ' (broadens permissions)' : '');
}

function sgSummary(stack: StackReview): string {
  const s = stack.security;
  if (!s.securityGroupRulesAdded && !s.securityGroupRulesRemoved) return 'no changes';
  return `rules +${s.securityGroupRulesAdded}/-${s.securityGroupRulesRemoved}`;
}

/** "would be replaced: DBName requires replacement" and the other actions in words. */
export function describeLoss(change: StatefulChange): string {
  switch (change.action) {
    case 'replace':
    case 'may-replace': {
      const verb = change.action === 'replace' ? 'would be replaced' : 'may be replaced';
      const why = change.replacingProperties.length
        ? change.replacingProperties
            .map((p) => `${p.name} ${p.certainty === 'requires' ? 'requires' : 'may cause'} replacement`)
            .join(', ')
        : 'the diff names no single property';
      return `${verb}: ${why}`;
    }
    case 'destroy':
      return 'would be removed and deleted';
    case 'orphan':
      return 'would be removed from the stack (its DeletionPolicy keeps it in the account, unmanaged)';
    case 'conflict':
      return `would be created while ${change.otherLogicalId} still holds the same ${change.detail}: CloudFormation creates before it deletes, so the update fails (create-before-delete conflict)`;
    case 'network-replaced':
      return `stays while its network changes: ${change.detail}; an existing instance cannot move to new subnets or another VPC, so the update fails`;
    case 'credential-change':
      return `credential change: ${change.detail}`;
  }
}

function changeLine(change: StatefulChange): string {
  return `${change.stackName} ${change.logicalId} (${change.resourceType}, ${change.kind}) ${describeLoss(change)}`;
}

/** How to proceed deliberately: one `--allow-replace` per blocked resource. */
export function acknowledgeHint(review: Review): string {
  const ids = [...new Set(review.blocked.map((c) => c.logicalId))];
  return (
    'If this is deliberate (the data is backed up or disposable), acknowledge each resource: ' +
    ids.map((id) => `--allow-replace ${id}`).join(' ') +
    ' (use Stack/LogicalId to acknowledge it in one stack only).'
  );
}

/** The gate's verdict as lines of text; empty when it has no finding. */
export function gateLines(review: Review): string[] {
  const lines: string[] = [];
  for (const c of review.statefulChanges.filter((s) => s.acknowledged)) {
    lines.push(`acknowledged: ${changeLine(c)}`);
  }
  for (const c of review.blocked) lines.push(`BLOCKED: ${changeLine(c)}`);
  if (review.blocked.length) lines.push(acknowledgeHint(review));
  for (const a of review.unusedAllowances) {
    lines.push(`note: --allow-replace ${a} matches no replaced or removed stateful resource`);
  }
  return lines;
}

/** The plain-text report: summary per stack, the full diff of each changed stack, the gate. */
export function renderText(review: Review, subject: ReviewSubject): string {
  const out: string[] = [
    `Base: ${subject.base}`,
    `Change: ${subject.head}`,
    `Context: ${subject.context.length ? subject.context.join(' ') : '(none)'}`,
    '',
  ];
  if (!review.hasDifferences) {
    out.push(
      `There are no differences: ${review.stacks.length} stack(s) synthesize identically (${review.stacks
        .map((s) => s.stackName)
        .join(', ')}).`,
    );
  } else {
    out.push('Summary', ...review.stacks.map((s) => `  ${summaryLine(s)}`));
    for (const stack of review.stacks.filter((s) => s.status !== 'unchanged')) {
      out.push('', `Stack ${stack.stackName}${stack.status === 'changed' ? '' : ` (${stack.status})`}`);
      out.push(diffText(stack).trimEnd());
    }
  }
  out.push('');
  const gate = gateLines(review);
  out.push(
    review.blocked.length
      ? `Data-safety gate: BLOCKED (${review.blocked.length} finding(s): stateful resources replaced or removed, create-before-delete conflicts, network or credential changes)`
      : 'Data-safety gate: passed (no stateful resource is replaced or removed, and no conflict, network or credential change, without acknowledgement)',
    ...gate.map((l) => `  ${l}`),
  );
  return `${out.join('\n')}\n`;
}

function fence(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  return '`'.repeat(longest + 1);
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/**
 * The same report as Markdown for a pull-request comment or a job summary: the summary table first,
 * the gate, then each stack's full diff folded in `<details>`.
 */
export function renderMarkdown(review: Review, subject: ReviewSubject): string {
  const out: string[] = [
    `## Infrastructure review: ${review.blocked.length ? 'data-safety gate BLOCKED' : 'data-safety gate passed'}`,
    '',
    `Base: ${cell(subject.base)} · change: ${cell(subject.head)} · context: ${
      subject.context.length ? subject.context.map((c) => `\`${c}\``).join(' ') : '(none)'
    }`,
    '',
  ];
  if (!review.stacks.length) out.push('No stacks were synthesized.');
  else {
    out.push(
      '| Stack | Status | Added | Removed | Replaced | Modified | IAM | Security groups |',
      '| --- | --- | ---: | ---: | ---: | ---: | --- | --- |',
      ...review.stacks.map((s) => {
        const c = s.counts;
        return `| ${s.stackName} | ${s.status} | ${c.added} | ${c.removed} | ${c.replaced} | ${c.modified} | ${cell(
          iamSummary(s),
        )} | ${cell(sgSummary(s))} |`;
      }),
    );
  }
  out.push('');
  if (review.statefulChanges.length) {
    out.push('### Stateful resources replaced or removed, conflicts, network and credential changes', '');
    for (const c of review.statefulChanges) {
      const mark = c.acknowledged ? 'acknowledged' : '**BLOCKED**';
      out.push(
        `- ${mark}: ${c.stackName} \`${c.logicalId}\` (\`${c.resourceType}\`, ${c.kind}) ${describeLoss(c)}`,
      );
    }
    out.push('');
    if (review.blocked.length) out.push(acknowledgeHint(review), '');
  }
  for (const a of review.unusedAllowances) {
    out.push(`Note: \`--allow-replace ${a}\` matches no replaced or removed stateful resource.`, '');
  }
  if (!review.hasDifferences) out.push('There are no differences.', '');
  for (const stack of review.stacks.filter((s) => s.status !== 'unchanged')) {
    const text = stripAnsi(diffText(stack)).trimEnd();
    const f = fence(text);
    out.push(
      `<details><summary>Full diff: ${stack.stackName} (${stack.status})</summary>`,
      '',
      `${f}text`,
      text,
      f,
      '',
      '</details>',
      '',
    );
  }
  return out.join('\n');
}
