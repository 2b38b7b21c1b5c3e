// Concurrent UpdateService calls on one service, each changing a different setting, all hold: the service merges each
// request into its own current state, so none overwrites another with a copy read before it (issue 17, "No lost updates").
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateClusterCommand, RegisterTaskDefinitionCommand, CreateServiceCommand, UpdateServiceCommand, DescribeServicesCommand,
} from '@aws-sdk/client-ecs';
import { serverFor, TEST_IMAGE } from './harness.mjs';

const CLUSTER = 'e2e-service-updates';
const SERVICES = ['one', 'two', 'three', 'four'];

/** Eight updates, each naming one setting only, and how each shows in DescribeServices. */
const UPDATES = [
  [{ taskDefinition: 'updated:2' }, (s) => assert.match(s.taskDefinition, /task-definition\/updated:2$/)],
  [{ placementStrategy: [{ type: 'spread', field: 'instanceId' }] }, (s) => assert.deepEqual(s.placementStrategy, [{ type: 'spread', field: 'instanceId' }])],
  [{ placementConstraints: [{ type: 'distinctInstance' }] }, (s) => assert.deepEqual(s.placementConstraints, [{ type: 'distinctInstance' }])],
  [{ desiredCount: 2 }, (s) => assert.equal(s.desiredCount, 2)],
  [{ healthCheckGracePeriodSeconds: 45 }, (s) => assert.equal(s.healthCheckGracePeriodSeconds, 45)],
  [{ deploymentConfiguration: { minimumHealthyPercent: 50 } }, (s) => assert.equal(s.deploymentConfiguration.minimumHealthyPercent, 50)],
  [{ deploymentConfiguration: { maximumPercent: 150 } }, (s) => assert.equal(s.deploymentConfiguration.maximumPercent, 150)],
  [{ enableExecuteCommand: true }, (s) => assert.equal(s.enableExecuteCommand, true)],
];

describe('concurrent UpdateService calls', { timeout: 180_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'service-updates' });
  let ecs;

  before(async () => {
    ecs = ctx.server.client();
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    for (let revision = 1; revision <= 2; revision += 1) {
      await ecs.send(new RegisterTaskDefinitionCommand({
        family: 'updated',
        containerDefinitions: [{ name: 'app', image: TEST_IMAGE, essential: true, memory: 16, command: ['sleep', `${revision}000`] }],
      }));
    }
    for (const serviceName of SERVICES) {
      await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName, taskDefinition: 'updated:1', desiredCount: 0 }));
    }
  });

  it('32 at once, eight per service each naming a different setting: every change is visible afterwards', async () => {
    const calls = SERVICES.flatMap((service) => UPDATES.map(([change]) =>
      ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service, ...change }))));
    assert.equal(calls.length, 32);
    await Promise.all(calls);

    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: SERVICES }));
    assert.equal(services.length, SERVICES.length);
    for (const service of services) {
      for (const [change, shows] of UPDATES) {
        try {
          shows(service);
        } catch (error) {
          throw new Error(`${service.serviceName} lost ${JSON.stringify(change)}: ${error.message}`);
        }
      }
    }
  });
});
