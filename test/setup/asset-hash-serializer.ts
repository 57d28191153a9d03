/**
 * Jest snapshot serializer: replaces asset hashes (64 hex chars, in S3 keys, image tags and asset
 * parameter names) with a placeholder, so whole-template snapshots change when the infrastructure
 * does, not when a Lambda's source does.
 */
const ASSET_HASH = /[0-9a-f]{64}/;

module.exports = {
  test: (value: unknown): boolean => typeof value === 'string' && ASSET_HASH.test(value),
  print: (value: unknown): string =>
    JSON.stringify(String(value).replace(new RegExp(ASSET_HASH, 'g'), '[ASSET-HASH]')),
};
