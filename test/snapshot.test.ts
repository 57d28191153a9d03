import { presets } from './helpers';

// GIVEN every preset as `cdk synth` produces it (asset hashes normalized by the serializer in
// test/setup/asset-hash-serializer.ts)
const { templates } = presets();

describe('whole-template snapshots', () => {
  // THEN any change to the infrastructure shows up in review as a snapshot diff
  test.each(['dev', 'prod', 'local'] as const)('%s', (env) => {
    expect(templates[env].toJSON()).toMatchSnapshot();
  });
});
