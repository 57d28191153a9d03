import { ecrRepositoryArn, looksLikeEcr, parseEcrImage } from '../../lib/config/image';

describe('private ECR images are recognized, with the repository their pull permissions name', () => {
  test.each([
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.0',
      'arn:aws:ecr:eu-west-1:123456789012:repository/app',
    ],
    [
      // another account's registry, a namespaced repository, a digest
      `210987654321.dkr.ecr.us-east-2.amazonaws.com/team/api@sha256:${'a'.repeat(64)}`,
      'arn:aws:ecr:us-east-2:210987654321:repository/team/api',
    ],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/app', 'arn:aws:ecr:eu-west-1:123456789012:repository/app'],
    [
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:v2',
      'arn:aws-cn:ecr:cn-north-1:123456789012:repository/app',
    ],
    [
      '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app:v2',
      'arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/app',
    ],
    [
      '123456789012.dkr-ecr.eu-central-1.on.aws/my.app_x-y:latest',
      'arn:aws:ecr:eu-central-1:123456789012:repository/my.app_x-y',
    ],
  ])('GIVEN %s THEN the repository is %s', (image, arn) => {
    const parsed = parseEcrImage(image);
    expect(parsed).toBeDefined();
    expect(ecrRepositoryArn(parsed!)).toBe(arn);
  });

  test.each([
    'public.ecr.aws/nginx/nginx:stable',
    'nginx:stable',
    'docker.io/library/nginx',
    'ghcr.io/org/app:1.0',
    'registry.example.com:5000/app:1.0',
  ])('GIVEN the public or non-ECR image %s THEN no ECR permissions are due', (image) => {
    expect(parseEcrImage(image)).toBeUndefined();
    expect(looksLikeEcr(image)).toBe(false);
  });

  test.each([
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/App:1.0',
    '12345.dkr.ecr.eu-west-1.amazonaws.com/app:1.0',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:bad tag',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:short',
  ])(
    'GIVEN the malformed ECR reference %s THEN it is flagged for the schema, not silently public',
    (image) => {
      expect(parseEcrImage(image)).toBeUndefined();
      expect(looksLikeEcr(image)).toBe(true);
    },
  );
});
