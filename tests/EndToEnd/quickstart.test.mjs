// The README's quick start as a script runs it: wait for /healthz, then run a task on `default` at once. Health
// answers 200 only once the local agent registered, so the cluster `default` exists by then.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { TEST_IMAGE, assertTestImage, dockerSkipReason, removeContainersOfTasks, startServer } from './harness.mjs';

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
    } finally {
      await server.dispose();
      await removeContainersOfTasks(started);
    }
  });
});
