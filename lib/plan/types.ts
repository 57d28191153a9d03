/**
 * The shapes the cost model shares: a price line and the price book, the usage assumptions and a
 * cost line. In a file of their own so the pricers and the class-price derivation need not import
 * the model that uses them.
 */

export interface PriceLine {
  readonly usd: number;
  readonly unit: string;
  /**
   * `third-party` (a stored page citing the AWS rate), `unverified` (not found on a stored page) or
   * `aws-price-list` (read from the AWS Price List API by `npm run plan -- --refresh-prices`).
   */
  readonly status: string;
  readonly source: string;
  readonly awsPage: string;
  readonly date: string;
}

export interface PriceBook {
  readonly region: string;
  readonly recorded: string;
  readonly hoursPerMonth: number;
  readonly prices: Record<string, PriceLine>;
  readonly vcpus: Record<string, number | string>;
}

/** Usage the estimate cannot read from a template; printed next to the numbers. */
export interface UsageAssumptions {
  /** Average load balancer capacity units at the minimum task count; scales with the task count. */
  readonly albLcuAtMinTasks: number;
  /** GB through all NAT gateways per month (image pulls, AWS APIs, outbound calls). */
  readonly natGbPerMonth: number;
  /** GB of VPC flow log records per flow log per month. */
  readonly flowLogGbPerMonth: number;
  /** Million requests a WAF web ACL inspects per month. */
  readonly wafMillionRequestsPerMonth: number;
  /** Seconds one scheduled function invocation runs. */
  readonly lambdaSecondsPerInvocation: number;
}

export interface CostLine {
  /** What is billed, e.g. `RDS primary db.r7g.large (Multi-AZ)`. */
  readonly item: string;
  /** How the quantity was derived, e.g. `2 x 730 h`. */
  readonly quantity: string;
  readonly atMinTasks: number;
  readonly atMaxTasks: number;
  /** Keys of `prices.json` used, so every figure traces back to its source line. */
  readonly prices: readonly string[];
}
