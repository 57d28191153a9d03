import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { allowVpcNetworkInterfaces } from '../function-defaults';
import { Network } from '../network';

/**
 * Where this app's own Lambda functions run: in the private subnets of the stack's VPC (governed
 * accounts require it: Control Tower CT.LAMBDA.PR.3), with a security group of their own that only
 * opens HTTPS out (AWS APIs through the NAT gateway), and the network-interface permissions Lambda
 * needs for it on the function's role
 * (docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions).
 * Spread the result into the function's props: `new NodejsFunction(this, 'Function', { ...,
 * ...privateFunctionNetwork(this, vpc, role) })`.
 */
export function privateFunctionNetwork(
  scope: Construct,
  vpc: ec2.IVpc,
  role: iam.Role,
): Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
  const securityGroup = new ec2.SecurityGroup(scope, 'FunctionSecurityGroup', {
    vpc,
    description: `${scope.node.path}: HTTPS out to AWS APIs only`,
    allowAllOutbound: false,
  });
  securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs');
  allowVpcNetworkInterfaces(role);
  return { vpc, vpcSubnets: { subnetGroupName: Network.PRIVATE }, securityGroups: [securityGroup] };
}
