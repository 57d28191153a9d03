/**
 * `npm run plan -- --refresh-prices [--region <r>] [--prices-file <path>] [--json]`: rewrite the plan's
 * price file from the AWS Price List API (lib/plan/refresh.ts), with the default credential chain.
 * Nothing is written when the API fails (credentials, permissions, throttling) or nothing was priced.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PricingClient } from '@aws-sdk/client-pricing';
import { CliError, awsErrorKind, describeError, printJson, say } from './cli';
import { PriceFile, refreshPrices, renderPriceFile, renderRefreshSummary } from '../lib/plan/refresh';

export const DEFAULT_PRICES_FILE = path.join(__dirname, '..', 'lib', 'plan', 'prices.json');

/**
 * The regions that serve the Price List API (a global service with a few endpoints, not one per
 * region): us-east-1 and ap-south-1 for the Query API
 * (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html),
 * eu-central-1 too in the Billing guide's endpoint list
 * (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-ppslong.html).
 */
export const PRICE_LIST_REGIONS = ['us-east-1', 'eu-central-1', 'ap-south-1'] as const;

export interface RefreshOptions {
  /** The Price List API endpoint region (not the region the prices are for: the file says that). */
  readonly region?: string;
  readonly pricesFile?: string;
  readonly json?: boolean;
  /** YYYY-MM-DD written as the date of each refreshed line. */
  readonly today?: string;
  readonly client?: PricingClient;
}

export async function refreshPricesCommand(options: RefreshOptions, usage: string): Promise<number> {
  const region = options.region ?? 'us-east-1';
  if (!(PRICE_LIST_REGIONS as readonly string[]).includes(region)) {
    throw new CliError(
      `--region ${region}: the Price List API is served from ${PRICE_LIST_REGIONS.join(', ')} only (the prices are for the region the file names, whichever endpoint answers)\n\n${usage}`,
      2,
    );
  }
  const file = options.pricesFile ?? DEFAULT_PRICES_FILE;
  let book: PriceFile;
  try {
    book = JSON.parse(fs.readFileSync(file, 'utf8')) as PriceFile;
  } catch (e) {
    throw new CliError(`cannot read the price file ${file}: ${describeError(e)}`);
  }
  if (typeof book.region !== 'string' || typeof book.prices !== 'object' || book.prices === null) {
    throw new CliError(`${file} is not a price file (it needs "region" and "prices")`);
  }
  const client = options.client ?? new PricingClient({ region });
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  say(`Reading ${book.region} prices from the AWS Price List API (${region} endpoint)...`);
  let result;
  try {
    result = await refreshPrices(book, client, today);
  } catch (e) {
    throw explainPricingError(e);
  }
  const priced = result.changed.length + result.unchanged.length > 0;
  if (priced) {
    // Write beside the file and rename, so an interrupted run never leaves half a price file.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, renderPriceFile(result.file));
    fs.renameSync(tmp, file);
  }
  if (options.json) {
    printJson({
      file,
      written: priced,
      changed: result.changed,
      unchanged: result.unchanged,
      notPriced: result.notPriced,
    });
  } else {
    process.stdout.write(`${renderRefreshSummary(result, file)}\n`);
    if (!priced) process.stdout.write(`Nothing was priced, so ${file} was left as it was.\n`);
  }
  return 0;
}

/** The SDK's credential and permission errors as one line that says what to do. */
export function explainPricingError(e: unknown): unknown {
  if (e instanceof CliError) return e;
  const kind = awsErrorKind(e);
  if (kind === 'credentials') {
    return new CliError(
      'No AWS credentials found: --refresh-prices reads the AWS Price List API with the default credential chain. Configure credentials (aws configure, AWS_PROFILE=<profile>, or aws sso login) and try again.',
    );
  }
  if (kind === 'expired') {
    return new CliError(
      `Your AWS credentials have expired (${describeError(e)}). Refresh them and try again.`,
    );
  }
  if (kind === 'denied') {
    return new CliError(
      `Access denied by the Price List API: --refresh-prices needs pricing:GetProducts. ${describeError(e)}`,
    );
  }
  return e;
}
