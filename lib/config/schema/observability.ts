/** Schema of the alarms, the dashboard and the scaling advisor (`observability`). */
import { z } from 'zod';
import { IN_PLACE, doc, int } from './common';

export const observabilitySchema = z.strictObject({
  alarmEmail: doc(z.email().optional(), {
    description: 'E-mail address subscribed to the alarm topic (confirm the subscription mail).',
    onChange: IN_PLACE,
  }),
  p95ResponseTimeSeconds: doc(z.number().positive().max(60), {
    description: 'Alarm when ALB target response time p95 stays above this (seconds).',
    onChange: IN_PLACE,
  }),
  errorRatePercent: doc(z.number().positive().max(100), {
    description: 'Alarm when 5xx responses exceed this share of requests (%).',
    onChange: IN_PLACE,
  }),
  errorRateMinRequestsPerMinute: doc(int(0, 1_000_000), {
    description:
      'Requests per minute below which the 5xx-rate alarm stays quiet (a few night-time errors do not page).',
    onChange: IN_PLACE,
  }),
  serviceCpuPercent: doc(int(1, 100), {
    description: 'Alarm when service CPU stays above this (%).',
    onChange: IN_PLACE,
  }),
  serviceMemoryPercent: doc(int(1, 100), {
    description: 'Alarm when service memory stays above this (%).',
    onChange: IN_PLACE,
  }),
  dbCpuPercent: doc(int(1, 100), {
    description: 'Alarm on primary (and replica) CPU (%).',
    onChange: IN_PLACE,
  }),
  dbFreeableMemoryMiB: doc(int(1, 1_000_000), {
    description: 'Alarm when the primary’s freeable memory falls below this (MiB).',
    onChange: IN_PLACE,
  }),
  dbFreeStorageGiB: doc(int(1, 65536), {
    description: 'Alarm when free storage falls below this (GiB).',
    onChange: IN_PLACE,
  }),
  dbConnectionsPercent: doc(int(1, 100), {
    description: 'Alarm when database or proxy connections exceed this share of the limit (%).',
    onChange: IN_PLACE,
  }),
  dbMaxConnections: doc(int(6, 262_143).optional(), {
    description:
      'max_connections of the primary, when you set it in a parameter group or want the exact `SHOW max_connections` value. Unset: computed from the instance class memory (LEAST(memory/9531392, 5000)), which is an upper bound.',
    onChange: IN_PLACE,
  }),
  dbLatencyMs: doc(z.number().positive().max(10_000), {
    description: 'Alarm on primary read/write latency and proxy query latency (ms).',
    onChange: IN_PLACE,
  }),
  replicaLagSeconds: doc(z.number().positive().max(86_400), {
    description: 'Alarm when a replica lags the primary by more than this (seconds).',
    onChange: IN_PLACE,
  }),
  cacheCpuPercent: doc(int(1, 100), { description: 'Alarm on cache engine CPU (%).', onChange: IN_PLACE }),
  cacheMemoryPercent: doc(int(1, 100), {
    description: 'Alarm on cache memory usage (%).',
    onChange: IN_PLACE,
  }),
  cacheEvictionsPerMinute: doc(int(0, 10_000_000), {
    description: 'Alarm when evictions per minute exceed this.',
    onChange: IN_PLACE,
  }),
  cacheHitRatePercent: doc(int(0, 100), {
    description: 'Alarm when the cache hit rate falls below this floor (%).',
    onChange: IN_PLACE,
  }),
  cacheHitRateMinLookupsPerMinute: doc(int(0, 10_000_000), {
    description:
      'Cache lookups (hits + misses) per minute below which the hit-rate alarm stays quiet (a handful of cold lookups does not page).',
    onChange: IN_PLACE,
  }),
  cacheReplicationLagSeconds: doc(z.number().positive().max(3600), {
    description: 'Alarm on cache replication lag (seconds).',
    onChange: IN_PLACE,
  }),
  wafBlockedRequestsPerMinute: doc(int(1, 10_000_000), {
    description:
      'Alarm when AWS WAF blocks more requests than this per minute in 3 of 5 minutes (an attack, or a client or deploy that WAF now rejects). Only with `service.waf.enabled`.',
    onChange: IN_PLACE,
  }),
  advisorScheduleMinutes: doc(int(1, 1440), {
    description: 'How often the scaling advisor runs (minutes).',
    onChange: IN_PLACE,
  }),
  advisorWindowMinutes: doc(int(5, 1440), {
    description: 'How much metric history the advisor reads per run (minutes).',
    onChange: IN_PLACE,
  }),
});
