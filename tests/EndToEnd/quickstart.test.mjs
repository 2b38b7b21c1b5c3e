// The README's quick start as a script runs it: wait for /healthz, then run a task on `default` at once. Health
// answers 200 only once the local agent registered, so the cluster `default` exists by then.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListClustersCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { TEST_IMAGE, assertTestImage, dockerSkipReason, expectEcsError, removeContainersOfTasks, startServer } from './harness.mjs';

const skip = await dockerSkipReason();

describe('quick start', { skip, timeout: 180_000 }, () => {
  it('runs a task on default as soon as /healthz answers 200', async () => {
    await assertTestImage();
    const server = await startServer({ name: 'quickstart', localAgent: true }); // returns at the first 200 of /healthz
    const started = [];
    try {
      const ecs = server.client();
      await ecs.send(new RegisterTaskDefinitionCommand({
        family: 'quickstart',
        containerDefinitions: [{ name: 'main', image: TEST_IMAGE, memory: 32, stopTimeout: 2, command: ['sleep', '600'] }],
      }));
      const run = await ecs.send(new RunTaskCommand({ taskDefinition: 'quickstart' }));
      started.push(...run.tasks.map((t) => t.taskArn));
      assert.deepEqual(run.failures, []);
      assert.equal(run.tasks.length, 1);
      assert.match(run.tasks[0].clusterArn, /:cluster\/default$/);
      await ecs.send(new StopTaskCommand({ task: started[0], reason: 'quick start test done' }));

      // The local agent signed all that with an agent key of its own, generated beside the instance it remembers:
      // neither the user's key, nor one that may call ECS's user actions.
      const agentKey = JSON.parse(readFileSync(join(server.dataDir, 'agent', 'credentials.json'), 'utf8'));
      assert.equal(agentKey.Role, 'agent');
      assert.notEqual(agentKey.AccessKeyId, server.credentials.accessKeyId);
      const asAgent = server.client({ credentials: { accessKeyId: agentKey.AccessKeyId, secretAccessKey: agentKey.SecretAccessKey } });
      await expectEcsError(asAgent.send(new ListClustersCommand({})), 'AccessDeniedException');
    } finally {
      await server.dispose();
      await removeContainersOfTasks(started);
    }
  });
});
