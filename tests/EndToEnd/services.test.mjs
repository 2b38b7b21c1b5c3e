// Services on a real Docker engine: one `actors serve` with its local agent for the whole file, busybox sleepers from
// the locally built test image, and the SDK's own ServicesStable waiter. The tests run in order and share the service
// `web`: created, rolled to a new revision, healed after a container is removed from outside, rolled back by its
// circuit breaker and by StopServiceDeployment, scaled to 0 and deleted.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RegisterTaskDefinitionCommand, CreateClusterCommand, DeleteClusterCommand, CreateServiceCommand, UpdateServiceCommand,
  DeleteServiceCommand, DescribeServicesCommand, ListServicesCommand, ListServicesByNamespaceCommand, ListTasksCommand,
  ListServiceDeploymentsCommand, DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand, StopServiceDeploymentCommand,
  TagResourceCommand, UntagResourceCommand, ListTagsForResourceCommand,
} from '@aws-sdk/client-ecs';
import {
  serverFor, dockerSkipReason, assertTestImage, waitForConnectedInstances, waitTasksStopped, describeTasks, taskSummary,
  docker, containersOfTask, eventually, expectEcsError, listAll, waitServiceSteady, TEST_IMAGE,
} from './harness.mjs';
import { sortTags } from './fixtures.mjs';

const CLUSTER = 'e2e-services';
const EMPTY_CLUSTER = 'e2e-services-empty';
const skip = await dockerSkipReason();

const sleeper = (seconds) => ({
  name: 'app',
  image: TEST_IMAGE,
  essential: true,
  memory: 16,
  // PID 1 ignores SIGTERM in a container: a short stopTimeout keeps each stop from waiting ECS's default 30 s.
  stopTimeout: 2,
  command: ['sleep', String(seconds)],
});

describe('services on Docker', { skip, timeout: 900_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'services', localAgent: true, cluster: CLUSTER });
  let ecs;
  const deploymentIds = {}; // the deployments of `web`, by what they deployed

  before(async () => {
    await assertTestImage();
    ecs = ctx.server.client();
    await waitForConnectedInstances(ecs, CLUSTER, 1, { agents: [ctx.server], timeoutMs: 60_000 });
    for (const seconds of [3600, 3601]) {
      await ecs.send(new RegisterTaskDefinitionCommand({ family: 'svc-sleeper', networkMode: 'bridge', containerDefinitions: [sleeper(seconds)] }));
    }
    // A command that does not exist: Docker cannot start the container, so its tasks never run, not even for a moment.
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'svc-unstartable',
      networkMode: 'bridge',
      containerDefinitions: [{ ...sleeper(0), command: ['/no/such/command'] }],
    }));
    // A container that exits right after it starts: its tasks may be seen RUNNING for a moment.
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'svc-crasher',
      networkMode: 'bridge',
      containerDefinitions: [{ ...sleeper(0), command: ['sh', '-c', 'exit 1'] }],
    }));
    // More memory than any host has: a deployment of it never places a task and stays IN_PROGRESS.
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'svc-huge',
      networkMode: 'bridge',
      containerDefinitions: [{ ...sleeper(3600), memory: 10_000_000 }],
    }));
  });

  after(async () => {
    // Whatever a failed test left: the services are deleted with force, then every container of this cluster removed.
    if (ecs) {
      for (const service of ['web', 'idle']) {
        await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service, force: true })).catch(() => {});
      }
    }
    for (const cluster of [CLUSTER, ctx.server?.arn(`cluster/${CLUSTER}`)]) {
      const ids = await docker(['ps', '-aq', '--filter', `label=com.amazonaws.ecs.cluster=${cluster}`]).catch(() => '');
      if (ids) await docker(['rm', '-f', ...ids.split('\n')]).catch(() => {});
    }
  });

  async function describeService(name, { include } = {}) {
    const answer = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [name], include }));
    assert.deepEqual(answer.failures, [], `DescribeServices failures: ${JSON.stringify(answer.failures)}`);
    return answer.services[0];
  }

  /** A service as one line for assertion messages. */
  const summary = (s) => `${s.serviceName} ${s.status} desired=${s.desiredCount} running=${s.runningCount} pending=${s.pendingCount} `
    + `td=${s.taskDefinition} deployments=${JSON.stringify(s.deployments.map((d) => [d.id, d.status, d.rolloutState, d.runningCount, d.pendingCount, d.failedTasks]))} `
    + `events=${JSON.stringify(s.events.slice(0, 6).map((e) => e.message))}`;

  const waitStable = (name) => waitServiceSteady(ecs, CLUSTER, name, { describe: summary });

  /** The service's RUNNING-desired tasks, described. */
  async function serviceTasks(name) {
    const arns = await listAll(ecs, ListTasksCommand, { cluster: CLUSTER, serviceName: name }, 'taskArns');
    return arns.length ? describeTasks(ecs, CLUSTER, arns) : [];
  }

  it('refuses what Actors does not have, and names what does not exist', async () => {
    const base = { cluster: CLUSTER, serviceName: 'refused', taskDefinition: 'svc-sleeper:1', desiredCount: 1 };
    const refusals = [
      [{ loadBalancers: [{ targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/x/1', containerName: 'app', containerPort: 80 }] }, /load balancers/],
      [{ launchType: 'FARGATE' }, /launchType FARGATE/],
      [{ deploymentController: { type: 'CODE_DEPLOY' } }, /deploymentController type CODE_DEPLOY/],
      [{ networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } } }, /awsvpc/],
      [{ deploymentConfiguration: { strategy: 'BLUE_GREEN' } }, /ROLLING/],
      [{ deploymentConfiguration: { alarms: { alarmNames: ['a'], enable: true, rollback: true } } }, /alarms/],
      [{ serviceRegistries: [{ registryArn: 'arn:aws:servicediscovery:us-east-1:000000000000:service/srv-1' }] }, /service discovery/],
      [{ clientToken: 'x'.repeat(37) }, /clientToken/],
      [{ serviceName: 'no/slashes' }, /Service name/],
      [{ schedulingStrategy: 'DAEMON', placementStrategy: [{ type: 'spread', field: 'instanceId' }] }, /DAEMON/],
    ];
    for (const [change, message] of refusals) {
      const error = await expectEcsError(ecs.send(new CreateServiceCommand({ ...base, ...change })), 'InvalidParameterException');
      assert.match(error.message, message, JSON.stringify(change));
    }
    assert.deepEqual((await ecs.send(new ListServicesCommand({ cluster: CLUSTER }))).serviceArns, [], 'nothing was created');

    await expectEcsError(ecs.send(new CreateServiceCommand({ ...base, cluster: 'no-such-cluster' })), 'ClusterNotFoundException');
    await expectEcsError(ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'ghost', desiredCount: 1 })), 'ServiceNotFoundException');
    await expectEcsError(ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: 'ghost' })), 'ServiceNotFoundException');
    const ghostArn = ctx.server.arn(`service/${CLUSTER}/ghost`);
    const missing = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['ghost', ghostArn] }));
    assert.deepEqual(missing.services, []);
    assert.deepEqual(missing.failures.map((f) => [f.arn, f.reason]), [[ghostArn, 'MISSING'], [ghostArn, 'MISSING']]);
    assert.deepEqual((await ecs.send(new ListServicesByNamespaceCommand({ namespace: 'anything' }))).serviceArns, []);
  });

  it('creates a 3-task service that reaches a steady state', async () => {
    const created = await ecs.send(new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: 'web',
      taskDefinition: 'svc-sleeper:1',
      desiredCount: 3,
      deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 200, deploymentCircuitBreaker: { enable: true, rollback: true } },
      tags: [{ key: 'team', value: 'e2e' }],
    }));
    const service = created.service;
    assert.equal(service.serviceArn, ctx.server.arn(`service/${CLUSTER}/web`));
    assert.equal(service.clusterArn, ctx.server.arn(`cluster/${CLUSTER}`));
    assert.equal(service.status, 'ACTIVE');
    assert.equal(service.desiredCount, 3);
    assert.equal(service.schedulingStrategy, 'REPLICA');
    assert.equal(service.launchType, 'EC2');
    assert.equal(service.taskDefinition, ctx.server.arn('task-definition/svc-sleeper:1'));
    assert.deepEqual(service.deploymentConfiguration.deploymentCircuitBreaker, { enable: true, rollback: true });
    assert.equal(service.deploymentController.type, 'ECS');
    assert.deepEqual(service.tags, [{ key: 'team', value: 'e2e' }]);
    assert.ok(service.createdAt instanceof Date);
    assert.equal(service.deployments.length, 1);
    const [deployment] = service.deployments;
    assert.match(deployment.id, /^ecs-svc\/\d{19}$/);
    assert.equal(deployment.status, 'PRIMARY');
    assert.equal(deployment.rolloutState, 'IN_PROGRESS');
    deploymentIds.first = deployment.id;

    const stable = await waitStable('web');
    assert.equal(stable.runningCount, 3, summary(stable));
    assert.equal(stable.pendingCount, 0, summary(stable));
    assert.equal(stable.deployments.length, 1, summary(stable));
    assert.equal(stable.deployments[0].rolloutState, 'COMPLETED', summary(stable));
    assert.equal(stable.deployments[0].runningCount, 3);
    assert.ok(stable.events.some((e) => e.message === '(service web) has reached a steady state.'), summary(stable));
    assert.ok(stable.events.some((e) => e.message === `(service web) (deployment ${deploymentIds.first}) deployment completed.`), summary(stable));
    assert.ok(stable.events.every((e, i) => i === 0 || e.createdAt <= stable.events[i - 1].createdAt), 'events newest first');
    assert.equal(stable.tags, undefined, 'tags only with include TAGS');
    assert.equal(stable.currentServiceDeployment, ctx.server.arn(`service-deployment/${CLUSTER}/web/${deploymentIds.first.slice('ecs-svc/'.length)}`));

    const tasks = await serviceTasks('web');
    assert.equal(tasks.length, 3);
    for (const task of tasks) {
      assert.equal(task.lastStatus, 'RUNNING', taskSummary(task));
      assert.equal(task.group, 'service:web');
      assert.equal(task.startedBy, deploymentIds.first);
      assert.equal(task.taskDefinitionArn, ctx.server.arn('task-definition/svc-sleeper:1'));
    }
  });

  it('answers a CreateService retried with the same clientToken, lists services and takes tags on the service ARN', async () => {
    const input = { cluster: CLUSTER, serviceName: 'idle', taskDefinition: 'svc-sleeper:1', desiredCount: 0, clientToken: 'idle-token-1' };
    const first = await ecs.send(new CreateServiceCommand(input));
    const again = await ecs.send(new CreateServiceCommand(input));
    assert.equal(again.service.serviceArn, first.service.serviceArn);
    assert.equal(again.service.deployments[0].id, first.service.deployments[0].id, 'the same service, not a second one');
    const changed = await expectEcsError(ecs.send(new CreateServiceCommand({ ...input, desiredCount: 1 })), 'InvalidParameterException');
    assert.match(changed.message, /not idempotent/);

    const all = await listAll(ecs, ListServicesCommand, { cluster: CLUSTER, maxResults: 1 }, 'serviceArns');
    assert.deepEqual(all.sort(), [ctx.server.arn(`service/${CLUSTER}/idle`), ctx.server.arn(`service/${CLUSTER}/web`)]);
    assert.equal((await ecs.send(new ListServicesCommand({ cluster: CLUSTER, schedulingStrategy: 'DAEMON' }))).serviceArns.length, 0);
    assert.equal((await ecs.send(new ListServicesCommand({ cluster: CLUSTER, launchType: 'EC2' }))).serviceArns.length, 2);
    assert.equal((await ecs.send(new ListServicesCommand({ cluster: CLUSTER, launchType: 'FARGATE' }))).serviceArns.length, 0);

    const arn = first.service.serviceArn;
    const tagsOf = async () => sortTags((await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags);
    await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'tier', value: 'idle' }, { key: 'owner', value: 'e2e' }] }));
    assert.deepEqual(await tagsOf(), [{ key: 'owner', value: 'e2e' }, { key: 'tier', value: 'idle' }]);
    await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['owner'] }));
    assert.deepEqual(await tagsOf(), [{ key: 'tier', value: 'idle' }]);
    assert.deepEqual((await describeService('idle', { include: ['TAGS'] })).tags, [{ key: 'tier', value: 'idle' }]);
    // ListTagsForResource's model has no not-found error of its own: a missing service is an InvalidParameterException.
    await expectEcsError(ecs.send(new ListTagsForResourceCommand({ resourceArn: ctx.server.arn(`service/${CLUSTER}/ghost`) })), 'InvalidParameterException');

    const stable = await waitStable('idle');
    assert.equal(stable.runningCount, 0);
    await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: 'idle' }));
  });

  it('refuses to delete a cluster with an ACTIVE service', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: EMPTY_CLUSTER }));
    await ecs.send(new CreateServiceCommand({ cluster: EMPTY_CLUSTER, serviceName: 'placeholder', taskDefinition: 'svc-sleeper:1', desiredCount: 0 }));
    await expectEcsError(ecs.send(new DeleteClusterCommand({ cluster: EMPTY_CLUSTER })), 'ClusterContainsServicesException');

    const deleted = await ecs.send(new DeleteServiceCommand({ cluster: EMPTY_CLUSTER, service: 'placeholder' }));
    assert.equal(deleted.service.status, 'DRAINING');
    await eventually('placeholder INACTIVE', async () => {
      const { services } = await ecs.send(new DescribeServicesCommand({ cluster: EMPTY_CLUSTER, services: ['placeholder'] }));
      return services[0]?.status === 'INACTIVE';
    }, { timeoutMs: 30_000 });
    await eventually('the cluster can be deleted once its service is INACTIVE', async () => {
      const { cluster } = await ecs.send(new DeleteClusterCommand({ cluster: EMPTY_CLUSTER }));
      return cluster.status === 'INACTIVE';
    }, { timeoutMs: 30_000 });
  });

  it('rolls the service to a new revision: the old tasks are gone, the new ones carry the new deployment', async () => {
    const oldTasks = (await serviceTasks('web')).map((t) => t.taskArn);
    const updated = await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web', taskDefinition: 'svc-sleeper:2' }));
    const [primary, old] = updated.service.deployments;
    assert.equal(primary.status, 'PRIMARY');
    assert.equal(primary.taskDefinition, ctx.server.arn('task-definition/svc-sleeper:2'));
    assert.equal(old.id, deploymentIds.first);
    assert.equal(old.status, 'ACTIVE');
    deploymentIds.second = primary.id;

    const stable = await waitStable('web');
    assert.equal(stable.taskDefinition, ctx.server.arn('task-definition/svc-sleeper:2'), summary(stable));
    assert.deepEqual(stable.deployments.map((d) => [d.id, d.rolloutState]), [[deploymentIds.second, 'COMPLETED']], summary(stable));
    assert.equal(stable.runningCount, 3, summary(stable));

    const tasks = await serviceTasks('web');
    assert.equal(tasks.length, 3, tasks.map(taskSummary).join('\n'));
    for (const task of tasks) {
      assert.equal(task.startedBy, deploymentIds.second, taskSummary(task));
      assert.equal(task.group, 'service:web');
      assert.equal(task.taskDefinitionArn, ctx.server.arn('task-definition/svc-sleeper:2'));
      assert.ok(!oldTasks.includes(task.taskArn));
    }
    await waitTasksStopped(ecs, CLUSTER, oldTasks);
    for (const task of await describeTasks(ecs, CLUSTER, oldTasks)) assert.equal(task.stopCode, 'ServiceSchedulerInitiated', taskSummary(task));
  });

  it('replaces a container removed from outside', async () => {
    const [victim] = await serviceTasks('web');
    const ids = await containersOfTask(victim.taskArn);
    assert.equal(ids.length, 1);
    await docker(['rm', '-f', ids[0]]);
    await waitTasksStopped(ecs, CLUSTER, [victim.taskArn], { maxWaitTime: 90 });
    const [stopped] = await describeTasks(ecs, CLUSTER, [victim.taskArn]);
    assert.equal(stopped.stopCode, 'EssentialContainerExited', taskSummary(stopped));

    // The service hears of it a moment later: until then it still counts the task, so wait for the replacement first.
    const tasks = await eventually('a replacement runs', async () => {
      const now = await serviceTasks('web');
      return now.length === 3 && now.every((t) => t.lastStatus === 'RUNNING') && !now.some((t) => t.taskArn === victim.taskArn) ? now : false;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    assert.ok(tasks.every((t) => t.startedBy === deploymentIds.second), tasks.map(taskSummary).join('\n'));
    const stable = await waitStable('web');
    assert.equal(stable.runningCount, 3, summary(stable));
    assert.ok(stable.events.some((e) => /^\(service web\) has started 1 tasks: \(task [0-9a-f]{32}\)\.$/.test(e.message)), summary(stable));
  });

  it('trips the circuit breaker on a container that cannot start and rolls back to the previous revision', async () => {
    const updated = await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web', taskDefinition: 'svc-unstartable' }));
    deploymentIds.failing = updated.service.deployments[0].id;
    assert.equal(updated.service.deployments[0].taskDefinition, ctx.server.arn('task-definition/svc-unstartable:1'));

    const failedEvent = `(service web) (deployment ${deploymentIds.failing}) deployment failed: tasks failed to start.`;
    const rolledBack = await eventually('the breaker trips and the service runs svc-sleeper:2 again', async () => {
      const service = await describeService('web');
      return service.events.some((e) => e.message.startsWith(failedEvent))
        && service.taskDefinition === ctx.server.arn('task-definition/svc-sleeper:2') ? service : false;
    }, { timeoutMs: 300_000, intervalMs: 1_000 });
    assert.notEqual(rolledBack.deployments[0].id, deploymentIds.failing);
    deploymentIds.rollback = rolledBack.deployments[0].id;

    const stable = await waitStable('web');
    assert.deepEqual(stable.deployments.map((d) => [d.id, d.taskDefinition, d.rolloutState]),
      [[deploymentIds.rollback, ctx.server.arn('task-definition/svc-sleeper:2'), 'COMPLETED']], summary(stable));
    assert.equal(stable.runningCount, 3);
    const tasks = await serviceTasks('web');
    assert.equal(tasks.length, 3);
    assert.ok(tasks.every((t) => t.taskDefinitionArn === ctx.server.arn('task-definition/svc-sleeper:2')), tasks.map(taskSummary).join('\n'));

    // The deployment history tells the story: the failed deployment was rolled back by the breaker.
    const { serviceDeployments } = await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: 'web' }));
    const serviceDeploymentArn = (id) => ctx.server.arn(`service-deployment/${CLUSTER}/web/${id.slice('ecs-svc/'.length)}`);
    const revisionArn = (id) => ctx.server.arn(`service-revision/${CLUSTER}/web/${id.slice('ecs-svc/'.length)}`);
    assert.deepEqual(serviceDeployments.map((d) => [d.serviceDeploymentArn, d.status]), [
      [serviceDeploymentArn(deploymentIds.failing), 'ROLLBACK_SUCCESSFUL'],
      [serviceDeploymentArn(deploymentIds.second), 'SUCCESSFUL'],
      [serviceDeploymentArn(deploymentIds.first), 'SUCCESSFUL'],
    ]);
    const failedOnly = await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: 'web', status: ['ROLLBACK_SUCCESSFUL'] }));
    assert.deepEqual(failedOnly.serviceDeployments.map((d) => d.serviceDeploymentArn), [serviceDeploymentArn(deploymentIds.failing)]);
    const paged = await listAll(ecs, ListServiceDeploymentsCommand, { cluster: CLUSTER, service: 'web', maxResults: 1 }, 'serviceDeployments');
    assert.deepEqual(paged.map((d) => d.serviceDeploymentArn), serviceDeployments.map((d) => d.serviceDeploymentArn));

    const described = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [serviceDeploymentArn(deploymentIds.failing)] }));
    assert.deepEqual(described.failures, []);
    const [failed] = described.serviceDeployments;
    assert.equal(failed.status, 'ROLLBACK_SUCCESSFUL');
    assert.match(failed.statusReason, /circuit breaker/);
    assert.equal(failed.deploymentCircuitBreaker.status, 'TRIGGERED');
    assert.equal(failed.deploymentCircuitBreaker.threshold, 3);
    assert.ok(failed.deploymentCircuitBreaker.failureCount >= 3, JSON.stringify(failed.deploymentCircuitBreaker));
    assert.equal(failed.targetServiceRevision.arn, revisionArn(deploymentIds.failing));
    assert.deepEqual(failed.sourceServiceRevisions.map((r) => r.arn), [revisionArn(deploymentIds.second)]);
    assert.equal(failed.rollback.serviceRevisionArn, revisionArn(deploymentIds.rollback));
    assert.ok(failed.finishedAt instanceof Date && failed.finishedAt >= failed.startedAt);

    const revisions = await ecs.send(new DescribeServiceRevisionsCommand({
      serviceRevisionArns: [failed.targetServiceRevision.arn, failed.rollback.serviceRevisionArn],
    }));
    assert.deepEqual(revisions.failures, []);
    assert.deepEqual(revisions.serviceRevisions.map((r) => [r.serviceRevisionArn, r.taskDefinition]), [
      [revisionArn(deploymentIds.failing), ctx.server.arn('task-definition/svc-unstartable:1')],
      [revisionArn(deploymentIds.rollback), ctx.server.arn('task-definition/svc-sleeper:2')],
    ]);
    assert.deepEqual(revisions.serviceRevisions[0].containerImages, [{ containerName: 'app', image: TEST_IMAGE }]);

    const unknown = ctx.server.arn(`service-deployment/${CLUSTER}/web/0000000000000000000`);
    const notThere = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [unknown] }));
    assert.deepEqual(notThere.failures.map((f) => [f.arn, f.reason]), [[unknown, 'MISSING']]);
  });

  it('rolls back an in-progress deployment with StopServiceDeployment', async () => {
    // A revision no host has the memory for stays IN_PROGRESS, with the old tasks still serving.
    const updated = await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web', taskDefinition: 'svc-huge' }));
    const stuck = updated.service.deployments[0].id;
    const stuckArn = ctx.server.arn(`service-deployment/${CLUSTER}/web/${stuck.slice('ecs-svc/'.length)}`);
    await eventually('a placement failure is reported', async () => {
      const service = await describeService('web');
      return service.events.some((e) => e.message.startsWith('(service web) was unable to place a task')) ? service : false;
    }, { timeoutMs: 60_000, intervalMs: 500 });

    const stopped = await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: stuckArn, stopType: 'ROLLBACK' }));
    assert.equal(stopped.serviceDeploymentArn, stuckArn);
    const stable = await waitStable('web');
    assert.equal(stable.taskDefinition, ctx.server.arn('task-definition/svc-sleeper:2'), summary(stable));
    assert.equal(stable.runningCount, 3);
    const [story] = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [stuckArn] }))).serviceDeployments;
    assert.equal(story.status, 'ROLLBACK_SUCCESSFUL');
    assert.equal(story.deploymentCircuitBreaker.status, 'MONITORING_COMPLETE');

    await expectEcsError(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: stuckArn })), 'ConflictException');
    await expectEcsError(ecs.send(new StopServiceDeploymentCommand({
      serviceDeploymentArn: ctx.server.arn(`service-deployment/${CLUSTER}/web/0000000000000000000`),
    })), 'ServiceDeploymentNotFoundException');
  });

  it('rolls back from a container that exits right after it starts, the old tasks serving throughout', async () => {
    const sleeper2 = ctx.server.arn('task-definition/svc-sleeper:2');
    const updated = await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web', taskDefinition: 'svc-crasher' }));
    const crashing = updated.service.deployments[0].id;
    const failedEvent = `(service web) (deployment ${crashing}) deployment failed: tasks failed to start.`;
    let fewestServing = Infinity;
    await eventually('the breaker trips and the service runs svc-sleeper:2 again', async () => {
      const serving = (await serviceTasks('web')).filter((t) => t.taskDefinitionArn === sleeper2 && t.lastStatus === 'RUNNING');
      fewestServing = Math.min(fewestServing, serving.length);
      const service = await describeService('web');
      return service.events.some((e) => e.message.startsWith(failedEvent)) && service.taskDefinition === sleeper2 ? service : false;
    }, { timeoutMs: 300_000, intervalMs: 1_000 });
    // A task counts healthy only once it ran 10 s: the crashing ones never did, so no old task beyond what
    // minimumHealthyPercent allows (50 % of 3, rounded up: 2 stay) was stopped for them.
    assert.ok(fewestServing >= 2, `only ${fewestServing} task(s) of svc-sleeper:2 were running at one point`);

    const stable = await waitStable('web');
    assert.deepEqual(stable.deployments.map((d) => [d.taskDefinition, d.rolloutState]), [[sleeper2, 'COMPLETED']], summary(stable));
    assert.equal(stable.runningCount, 3);
    const arn = ctx.server.arn(`service-deployment/${CLUSTER}/web/${crashing.slice('ecs-svc/'.length)}`);
    const [story] = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments;
    assert.equal(story.status, 'ROLLBACK_SUCCESSFUL');
    assert.equal(story.deploymentCircuitBreaker.status, 'TRIGGERED');
    assert.ok(story.deploymentCircuitBreaker.failureCount >= 3, JSON.stringify(story.deploymentCircuitBreaker));
  });

  it('keeps the old tasks serving when a deployment fails without rollback: rolloutState FAILED, the breaker TRIGGERED', async () => {
    const updated = await ecs.send(new UpdateServiceCommand({
      cluster: CLUSTER,
      service: 'web',
      taskDefinition: 'svc-unstartable',
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
    }));
    const failing = updated.service.deployments[0].id;
    assert.deepEqual(updated.service.deploymentConfiguration.deploymentCircuitBreaker, { enable: true, rollback: false });

    const failed = await eventually('the deployment is FAILED', async () => {
      const service = await describeService('web');
      return service.deployments[0]?.id === failing && service.deployments[0].rolloutState === 'FAILED' ? service : false;
    }, { timeoutMs: 300_000, intervalMs: 1_000 });
    const [primary, old] = failed.deployments;
    assert.equal(failed.deployments.length, 2, `the failed deployment and the one still serving: ${summary(failed)}\n${(await serviceTasks('web')).map(taskSummary).join('\n')}`);
    assert.equal(primary.status, 'PRIMARY', summary(failed));
    assert.match(primary.rolloutStateReason, /circuit breaker/);
    assert.equal(failed.taskDefinition, ctx.server.arn('task-definition/svc-unstartable:1'));
    assert.equal(old.status, 'ACTIVE', summary(failed));
    assert.equal(old.taskDefinition, ctx.server.arn('task-definition/svc-sleeper:2'));
    assert.ok(failed.events.some((e) => e.message.startsWith(`(service web) (deployment ${failing}) deployment failed: tasks failed to start.`)), summary(failed));

    // Nothing replaces the old tasks: at least minimumHealthyPercent (50 % of 3, rounded up) of them keep running.
    const serving = await serviceTasks('web');
    assert.ok(serving.length >= 2, serving.map(taskSummary).join('\n'));
    assert.ok(serving.every((t) => t.taskDefinitionArn === ctx.server.arn('task-definition/svc-sleeper:2') && t.lastStatus === 'RUNNING'),
      serving.map(taskSummary).join('\n'));
    const arn = ctx.server.arn(`service-deployment/${CLUSTER}/web/${failing.slice('ecs-svc/'.length)}`);
    const [story] = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments;
    assert.equal(story.status, 'STOPPED');
    assert.equal(story.deploymentCircuitBreaker.status, 'TRIGGERED');
    assert.equal(story.rollback, undefined);
    assert.ok(story.stoppedAt instanceof Date);
  });

  it('scales to 0, then drains to INACTIVE once deleted', async () => {
    const running = (await serviceTasks('web')).map((t) => t.taskArn);
    await expectEcsError(ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: 'web' })), 'InvalidParameterException');

    await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web', desiredCount: 0 }));
    const scaled = await waitStable('web');
    assert.equal(scaled.desiredCount, 0);
    assert.equal(scaled.runningCount, 0, summary(scaled));
    await waitTasksStopped(ecs, CLUSTER, running);
    assert.deepEqual(await serviceTasks('web'), []);

    const deleted = await ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: 'web' }));
    assert.equal(deleted.service.status, 'DRAINING');
    const inactive = await eventually('web INACTIVE', async () => {
      const service = await describeService('web');
      return service.status === 'INACTIVE' ? service : false;
    }, { timeoutMs: 60_000 });
    assert.equal(inactive.desiredCount, 0);
    assert.ok(!(await ecs.send(new ListServicesCommand({ cluster: CLUSTER }))).serviceArns.includes(inactive.serviceArn));
    await expectEcsError(ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'web', desiredCount: 1 })), 'ServiceNotActiveException');
  });
});
