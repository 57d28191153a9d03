/**
 * `npm run plan -- --refresh-prices`: re-read every price of `prices.json` from the AWS Price List
 * API (GetProducts) and rewrite the file.
 *
 * For each key, the query of `price-queries.ts` runs (all pages), the products whose usage type and
 * attributes match are kept, and each gives its on-demand USD price: the first paid tier of its price
 * dimensions (zero-priced free tiers are not counted, as the file states). Exactly one distinct price
 * is written, with status `aws-price-list`, the query as its source and today's date; zero or several
 * distinct prices, an unexpected unit or a price more than {@link MAX_FACTOR} times away from the
 * recorded one leave the recorded line as it is and are reported. Lines are added for the base size
 * of every RDS and ElastiCache family the config accepts that has no line yet, when the API prices it.
 * Errors of the API itself (credentials, permissions, throttling) stop the run before anything is
 * written.
 */
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import type { PriceBook, PriceLine } from './types';
import { PriceQuery, baseSizeKeys, describeQuery, priceQuery, usagetypeMatches } from './price-queries';

/** `prices.json` as a whole: the price book and the fields around it. */
export type PriceFile = PriceBook & { readonly about?: string; readonly currency?: string } & Record<
    string,
    unknown
  >;

/** The status of a line read from the Price List API. */
export const AWS_PRICE_LIST_STATUS = 'aws-price-list';

/** The sentence the file's `about` carries for the status (added on the first refresh). */
export const ABOUT_AWS_PRICE_LIST =
  "'aws-price-list' lines were read from the AWS Price List API (GetProducts) by npm run plan -- --refresh-prices; their source names the query.";

/** A price that moved more than this factor is more likely a wrong product or unit than a price change. */
export const MAX_FACTOR = 3;

/** GetProducts' largest page. */
const PAGE_SIZE = 100;
/** Pages one query may take before the run stops (a query that broad is a wrong query). */
const MAX_PAGES = 50;

export interface RefreshResult {
  /** The file to write. */
  readonly file: PriceFile;
  /** Keys whose price changed, or that were added (`from` undefined). */
  readonly changed: readonly { readonly key: string; readonly from?: number; readonly to: number }[];
  /** Keys the API priced the same as recorded (their line now names the API as its source). */
  readonly unchanged: readonly string[];
  /** Keys the API did not price, with the reason; a recorded line is kept as it was. */
  readonly notPriced: readonly {
    readonly key: string;
    readonly recorded: boolean;
    readonly reason: string;
  }[];
}

/** One product of a GetProducts answer, as the refresh reads it. */
interface Product {
  readonly sku: string;
  readonly attributes: Record<string, string>;
  /** The first paid tier of its on-demand price dimensions, if any. */
  readonly price?: { readonly usd: number; readonly unit: string };
}

/** A query whose answer is too large to be one product's: its key is not priced, the run goes on. */
export class QueryTooBroad extends Error {}

/** Every product of a query, following NextToken through all pages. */
export async function getAllProducts(client: PricingClient, query: PriceQuery): Promise<unknown[]> {
  const products: unknown[] = [];
  let nextToken: string | undefined;
  for (let page = 0; ; page++) {
    if (page === MAX_PAGES) throw new QueryTooBroad(`more than ${MAX_PAGES} pages of products answered`);
    const out = await client.send(
      new GetProductsCommand({
        ServiceCode: query.serviceCode,
        Filters: query.filters.map((f) => ({ Type: 'TERM_MATCH', Field: f.field, Value: f.value })),
        FormatVersion: 'aws_v1',
        MaxResults: PAGE_SIZE,
        NextToken: nextToken,
      }),
    );
    products.push(...((out.PriceList as unknown[] | undefined) ?? []));
    nextToken = out.NextToken;
    if (!nextToken) return products;
  }
}

/** A PriceList entry: a JSON string (a lazy JSON wrapper in some SDK versions) or a parsed document. */
export function readProduct(entry: unknown): Product {
  const doc = (
    typeof entry === 'object' && entry !== null && 'product' in entry ? entry : JSON.parse(String(entry))
  ) as {
    product?: { sku?: string; attributes?: Record<string, string> };
    terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, PriceDimension> }> };
  };
  const dimensions = Object.values(doc.terms?.OnDemand ?? {}).flatMap((t) =>
    Object.values(t.priceDimensions ?? {}),
  );
  const paid = dimensions
    .map((d) => ({ usd: Number(d.pricePerUnit?.USD), unit: d.unit ?? '', begin: Number(d.beginRange ?? 0) }))
    .filter((d) => Number.isFinite(d.usd) && d.usd > 0)
    .sort((a, b) => a.begin - b.begin);
  return {
    sku: doc.product?.sku ?? '?',
    attributes: doc.product?.attributes ?? {},
    price: paid[0] ? { usd: paid[0].usd, unit: paid[0].unit } : undefined,
  };
}

interface PriceDimension {
  readonly unit?: string;
  readonly beginRange?: string;
  readonly pricePerUnit?: { readonly USD?: string };
}

/** The one price the products of a query give for a key, or why there is none. */
export function selectPrice(
  query: PriceQuery,
  entries: readonly unknown[],
): { usd: number; unit: string; skus: string[] } | { reason: string } {
  const matching = entries
    .map(readProduct)
    .filter(
      (p) =>
        usagetypeMatches(p.attributes.usagetype ?? '', query.usagetype) &&
        Object.entries(query.attributes ?? {}).every(([k, v]) => p.attributes[k] === v),
    );
  const priced = matching.filter((p) => p.price);
  const distinct = new Map<string, { usd: number; unit: string; skus: string[] }>();
  for (const p of priced) {
    const id = `${p.price!.usd} ${p.price!.unit}`;
    const seen = distinct.get(id) ?? { ...p.price!, skus: [] };
    seen.skus.push(p.sku);
    distinct.set(id, seen);
  }
  if (distinct.size === 1) return [...distinct.values()][0];
  if (distinct.size === 0) {
    return {
      reason: `no priced product matched (${entries.length} returned, ${matching.length} with the usage type)`,
    };
  }
  return {
    reason: `ambiguous: ${[...distinct.values()].map((d) => `${d.usd} USD per ${d.unit} (SKU ${d.skus.join(', ')})`).join('; ')}`,
  };
}

/** The key's price from the API's price and unit, or why it cannot be used. */
function keyPrice(
  query: PriceQuery,
  found: { usd: number; unit: string },
  recorded: PriceLine | undefined,
): number | string {
  let usd = found.usd;
  if (query.perMillion) {
    if (/million|^1M/i.test(found.unit)) usd = found.usd;
    else if (/request/i.test(found.unit)) usd = found.usd * 1e6;
    else return `unexpected unit "${found.unit}" (expected requests)`;
  } else if (!recorded && !/^hrs?$/i.test(found.unit)) {
    return `unexpected unit "${found.unit}" for a new instance-hour line (expected Hrs)`;
  }
  usd = Number(usd.toPrecision(10));
  if (recorded && (usd > recorded.usd * MAX_FACTOR || usd < recorded.usd / MAX_FACTOR)) {
    return `the API's ${usd} USD (per ${found.unit}) is more than ${MAX_FACTOR}x away from the recorded ${recorded.usd}: a wrong product or unit is likelier than a price change, so the line is kept`;
  }
  return usd;
}

/** What a new base-size line is billed per and where AWS publishes it. */
function newLineTemplate(key: string): Pick<PriceLine, 'unit' | 'awsPage'> {
  return key.startsWith('rds.')
    ? { unit: 'instance-hour (Single-AZ)', awsPage: 'https://aws.amazon.com/rds/postgresql/pricing/' }
    : { unit: 'node-hour', awsPage: 'https://aws.amazon.com/elasticache/pricing/' };
}

/**
 * Re-read every price of `file` (and the base sizes it lacks) from the Price List API through
 * `client`. `today` (YYYY-MM-DD) dates the lines it writes. Pure apart from the API calls.
 */
export async function refreshPrices(
  file: PriceFile,
  client: PricingClient,
  today: string,
): Promise<RefreshResult> {
  const prices: Record<string, PriceLine> = { ...file.prices };
  const changed: { key: string; from?: number; to: number }[] = [];
  const unchanged: string[] = [];
  const notPriced: { key: string; recorded: boolean; reason: string }[] = [];
  const keys = [...Object.keys(file.prices), ...baseSizeKeys().filter((k) => !(k in file.prices))];
  for (const key of keys) {
    const recorded = file.prices[key];
    const skip = (reason: string) => notPriced.push({ key, recorded: recorded !== undefined, reason });
    const query = priceQuery(key, file.region);
    if (!query) {
      skip('no Price List query is known for this key');
      continue;
    }
    let products: unknown[];
    try {
      products = await getAllProducts(client, query);
    } catch (e) {
      if (!(e instanceof QueryTooBroad)) throw e;
      skip(e.message);
      continue;
    }
    const found = selectPrice(query, products);
    if ('reason' in found) {
      skip(found.reason);
      continue;
    }
    const usd = keyPrice(query, found, recorded);
    if (typeof usd === 'string') {
      skip(usd);
      continue;
    }
    const skus = found.skus.length === 1 ? `SKU ${found.skus[0]}` : `SKUs ${found.skus.join(', ')}`;
    prices[key] = {
      usd,
      unit: recorded?.unit ?? newLineTemplate(key).unit,
      status: AWS_PRICE_LIST_STATUS,
      source: `AWS Price List API GetProducts ${describeQuery(query)} (${skus}, ${found.usd} USD per ${found.unit})`,
      awsPage: recorded?.awsPage ?? newLineTemplate(key).awsPage,
      date: today,
    };
    if (recorded?.usd === usd) unchanged.push(key);
    else changed.push({ key, from: recorded?.usd, to: usd });
  }
  const priced = changed.length + unchanged.length > 0;
  const about =
    priced && file.about !== undefined && !file.about.includes(ABOUT_AWS_PRICE_LIST)
      ? `${file.about} ${ABOUT_AWS_PRICE_LIST}`
      : file.about;
  return {
    file: {
      ...file,
      ...(about !== undefined ? { about } : {}),
      recorded: priced ? today : file.recorded,
      prices,
    },
    changed,
    unchanged,
    notPriced,
  };
}

/** The file as `prices.json` holds it (two-space JSON and a final newline, as prettier keeps it). */
export function renderPriceFile(file: PriceFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The summary printed after a refresh. */
export function renderRefreshSummary(result: RefreshResult, fileName: string): string {
  const lines = [
    `Price List refresh of ${fileName}: ${result.changed.length} changed, ${result.unchanged.length} unchanged, ${result.notPriced.length} not priced.`,
    ...result.changed.map(
      (c) => `  changed  ${c.key}: ${c.from === undefined ? 'added at' : `${c.from} ->`} ${c.to} USD`,
    ),
    ...result.notPriced.map(
      (n) => `  not priced (${n.recorded ? 'line kept' : 'no line added'})  ${n.key}: ${n.reason}`,
    ),
  ];
  return lines.join('\n');
}
