/**
 * Shared building blocks of the configuration schemas: the `.meta()` documentation helper, number
 * helpers (`int`, `oneOf`, `range`), CloudWatch Logs retention values and ARN patterns used by
 * several tiers.
 */
import { z } from 'zod';

export interface FieldMeta {
  /** What the setting does, for the configuration reference. */
  readonly description: string;
  /** What a change on a live stack does: `in place`, or which resource it replaces or interrupts. */
  readonly onChange: string;
}

/** Attach reference documentation to a field. */
export function doc<T extends z.ZodType>(schema: T, meta: FieldMeta): T {
  return schema.meta({ ...meta }) as T;
}

export const IN_PLACE = 'in place';

export const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** A number from a fixed list, with a message that lists the allowed values. */
export function oneOf<const T extends readonly number[]>(values: T): z.ZodType<T[number]> {
  return z.number().refine((v) => values.includes(v), {
    message: `must be one of ${values.join(', ')}`,
  }) as unknown as z.ZodType<T[number]>;
}

/** Retention values that CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const logRetention = z.number().refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
  message: `must be one of the CloudWatch Logs retention values: ${LOG_RETENTION_DAYS.join(', ')}`,
});

export const ACM_CERTIFICATE_ARN =
  /^arn:aws(-cn|-us-gov)?:acm:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:certificate\/[0-9a-f-]{36}$/;

/** Complete secret ARN (with the 6-character suffix Secrets Manager appends), so IAM can name it exactly. */
export const SECRET_COMPLETE_ARN =
  /^arn:aws(-cn|-us-gov)?:secretsmanager:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

export function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/**
 * HTTP status codes as the load balancer and the smoke test take them: `200`, `200-299`, `200,204`;
 * every code between `min` and `max`, and a range from low to high.
 */
export function httpCodes(min: number, max: number, example: string) {
  return z
    .string()
    .regex(/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/, `must look like ${example}`)
    .refine(
      (spec) =>
        spec.split(',').every((part) => {
          const [low, high = low] = part.split('-').map(Number);
          return low >= min && high <= max && low <= high;
        }),
      { message: `every code must be between ${min} and ${max}, a range from low to high` },
    );
}
