#!/usr/bin/env node
/**
 * `npm run docs:config`: regenerate the configuration reference (`docs/configuration.md`) from the zod
 * schema (`lib/config/schema.ts`) and the presets, between
 * `<!-- config-reference:start -->` and `<!-- config-reference:end -->`.
 *
 * Every key's type and allowed values come from the schema's own checks (min/max, enums, regex and
 * refinement messages), its description and "on change" from `.meta()`, and its defaults from
 * `lib/config/presets.ts`, so the reference cannot drift: `test/config-docs.test.ts` fails when
 * `docs/configuration.md` differs from this output. The output is deterministic (schema and preset order only).
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { PRESETS } from '../lib/config/presets';
import { environmentSchema } from '../lib/config/schema';

export const START_MARKER = '<!-- config-reference:start -->';
export const END_MARKER = '<!-- config-reference:end -->';
/** The generated reference lives here; the README links to it. */
export const CONFIG_DOC_PATH = path.join(__dirname, '..', 'docs', 'configuration.md');

/** Minimal view of zod 4's introspection data (`schema._zod.def`). */
interface Def {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  innerType?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  entries?: Record<string, string | number>;
  shape?: Record<string, z.ZodType>;
  format?: string;
  error?: (issue: unknown) => unknown;
}
interface CheckDef {
  check: string;
  format?: string;
  value?: number | bigint;
  inclusive?: boolean;
  minimum?: number;
  maximum?: number;
  error?: (issue: unknown) => unknown;
}

const def = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

interface FieldMetaLike {
  description?: string;
  onChange?: string;
}

/** One documented key. */
export interface ReferenceRow {
  readonly key: string;
  readonly type: string;
  readonly allowed: string;
  readonly description: string;
  readonly onChange: string;
  readonly defaults: Record<string, string>;
}

/** Walk the schema: one row per leaf key (objects are flattened into dotted keys). */
export function referenceRows(): { section: string; description: string; rows: ReferenceRow[] }[] {
  const sections: { section: string; description: string; rows: ReferenceRow[] }[] = [];
  const general: ReferenceRow[] = [];
  for (const [key, field] of Object.entries(def(environmentSchema).shape ?? {})) {
    if (def(unwrap(field)).type === 'object') {
      const rows: ReferenceRow[] = [];
      collect(field, [key], rows);
      sections.push({ section: key, description: metaOf(field).description ?? '', rows });
    } else {
      collect(field, [key], general);
    }
  }
  return [
    { section: 'general', description: 'Where and how the environment deploys.', rows: general },
    ...sections,
  ];
}

function collect(field: z.ZodType, pathParts: string[], rows: ReferenceRow[]): void {
  const inner = unwrap(field);
  const d = def(inner);
  if (d.type === 'object') {
    for (const [key, child] of Object.entries(d.shape ?? {})) collect(child, [...pathParts, key], rows);
    return;
  }
  const meta = metaOf(field);
  if (!meta.description || !meta.onChange) {
    throw new Error(
      `${pathParts.join('.')}: every config key needs .meta({ description, onChange }) in lib/config/schema/`,
    );
  }
  const optional = def(field).type === 'optional';
  const defaults: Record<string, string> = {};
  for (const [env, preset] of Object.entries(PRESETS))
    defaults[env] = formatValue(valueAt(preset, pathParts));
  rows.push({
    key: pathParts.join('.'),
    type: typeName(inner) + (optional ? ' (optional)' : ''),
    allowed: allowedValues(inner),
    description: meta.description,
    onChange: meta.onChange,
    defaults,
  });
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (['optional', 'default', 'nullable'].includes(def(s).type) && def(s).innerType) s = def(s).innerType!;
  return s;
}

function metaOf(schema: z.ZodType): FieldMetaLike {
  return ((schema as unknown as { meta(): unknown }).meta() ?? {}) as FieldMetaLike;
}

function typeName(schema: z.ZodType): string {
  const d = def(schema);
  const integer = (d.checks ?? []).some(
    (c) => c._zod.def.check === 'number_format' && /int/.test(c._zod.def.format ?? ''),
  );
  switch (d.type) {
    case 'number':
      return integer ? 'integer' : 'number';
    case 'array':
      return `list of ${typeName(unwrap(d.element!))}`;
    case 'record':
      return `map of ${typeName(unwrap(d.keyType!))} to ${typeName(unwrap(d.valueType!))}`;
    case 'object':
      return `{ ${Object.keys(d.shape ?? {}).join(', ')} }`;
    case 'enum':
      return typeof Object.values(d.entries ?? {})[0] === 'number' ? 'number' : 'string';
    default:
      return d.type;
  }
}

/** Allowed values from the schema's checks, in the words of its own error messages. */
function allowedValues(schema: z.ZodType): string {
  const d = def(schema);
  const parts: string[] = [];
  if (d.type === 'enum')
    parts.push(
      Object.values(d.entries ?? {})
        .map((v) => `\`${v}\``)
        .join(', '),
    );
  if (d.type === 'boolean') parts.push('`true`, `false`');
  if (d.type === 'string' && d.format && d.format !== 'regex')
    parts.push(d.format === 'email' ? 'an e-mail address' : d.format);
  let min: string | undefined;
  let max: string | undefined;
  let minLength: number | undefined;
  let maxLength: number | undefined;
  for (const { _zod } of d.checks ?? []) {
    const c = _zod.def;
    switch (c.check) {
      case 'greater_than':
        min = `${c.inclusive ? '≥' : '>'} ${String(c.value)}`;
        break;
      case 'less_than':
        max = `${c.inclusive ? '≤' : '<'} ${String(c.value)}`;
        break;
      case 'min_length':
        minLength = c.minimum;
        break;
      case 'max_length':
        maxLength = c.maximum;
        break;
      case 'string_format':
      case 'custom': {
        const message = typeof c.error === 'function' ? c.error({}) : undefined;
        if (typeof message === 'string') parts.push(message);
        break;
      }
    }
  }
  if (min && max && min.startsWith('≥') && max.startsWith('≤'))
    parts.unshift(`${min.slice(2)} to ${max.slice(2)}`);
  else if (min || max) parts.unshift([min, max].filter(Boolean).join(', '));
  const unit = d.type === 'array' ? 'items' : 'characters';
  if (minLength !== undefined && maxLength !== undefined) parts.push(`${minLength} to ${maxLength} ${unit}`);
  else if (minLength !== undefined) parts.push(`at least ${minLength} ${unit}`);
  else if (maxLength !== undefined) parts.push(`at most ${maxLength} ${unit}`);
  if (d.type === 'array') {
    const element = allowedValues(unwrap(d.element!));
    if (element) parts.push(`each: ${element}`);
  }
  if (d.type === 'object') {
    for (const [key, field] of Object.entries(d.shape ?? {})) {
      const allowed = allowedValues(unwrap(field));
      if (allowed) parts.push(`${key} ${allowed}${def(field).type === 'optional' ? ' (optional)' : ''}`);
    }
  }
  if (d.type === 'record') {
    const key = allowedValues(unwrap(d.keyType!));
    const value = allowedValues(unwrap(d.valueType!));
    if (key) parts.push(`keys: ${key}`);
    if (value) parts.push(`values: ${value}`);
  }
  return parts.join('; ');
}

function valueAt(obj: unknown, pathParts: string[]): unknown {
  return pathParts.reduce<unknown>(
    (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
    obj,
  );
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'unset';
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0)
    return '`{}`';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

/** Markdown table cells: no raw pipes or line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The generated reference (without the markers). */
export function renderConfigReference(): string {
  const envs = Object.keys(PRESETS);
  const lines: string[] = [
    '<!-- Generated by `npm run docs:config` from lib/config/schema.ts and lib/config/presets.ts. -->',
    '<!-- Do not edit by hand. -->',
    '',
    `Every key, its type and allowed values, its default in each preset (${envs.map((e) => `\`${e}\``).join(', ')}),`,
    'and what changing it on a live stack does. Rules that involve two keys (for example',
    '`service.scaling.scaleInCpuPercent` below `scaleOutCpuPercent`) are checked at synth and named in the error.',
    '',
    '<!-- prettier-ignore-start -->',
  ];
  for (const { section, description, rows } of referenceRows()) {
    lines.push('', `## \`${section}\``, '', description, '');
    lines.push(`| Key | Description | Type | Allowed | ${envs.join(' | ')} | On change |`);
    lines.push(`|---|---|---|---|${envs.map(() => '---|').join('')}---|`);
    for (const r of rows) {
      lines.push(
        `| \`${r.key}\` | ${cell(r.description)} | ${cell(r.type)} | ${cell(r.allowed || 'any')} | ${envs
          .map((e) => cell(r.defaults[e]))
          .join(' | ')} | ${cell(r.onChange)} |`,
      );
    }
  }
  lines.push('', '<!-- prettier-ignore-end -->');
  return lines.join('\n');
}

/** The document with the reference section replaced; throws when the markers are missing. */
export function withReference(readme: string, reference: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) {
    throw new Error(
      `docs/configuration.md needs the markers ${START_MARKER} and ${END_MARKER} (in that order)`,
    );
  }
  return `${readme.slice(0, start + START_MARKER.length)}\n${reference}\n${readme.slice(end)}`;
}

/** The reference section currently in the document (between the markers, trimmed). */
export function currentReference(readme: string): string | undefined {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start + START_MARKER.length, end).trim();
}

if (require.main === module) {
  const doc = fs.readFileSync(CONFIG_DOC_PATH, 'utf8');
  const updated = withReference(doc, renderConfigReference());
  if (updated === doc) {
    console.log('docs/configuration.md is up to date');
  } else {
    fs.writeFileSync(CONFIG_DOC_PATH, updated);
    console.log('docs/configuration.md regenerated');
  }
}
