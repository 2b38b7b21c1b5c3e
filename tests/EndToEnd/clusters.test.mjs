import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateClusterCommand, DescribeClustersCommand, ListClustersCommand, UpdateClusterCommand,
  UpdateClusterSettingsCommand, DeleteClusterCommand, ListContainerInstancesCommand, paginateListClusters,
} from '@aws-sdk/client-ecs';
import { serverFor, expectEcsError } from './harness.mjs';
import { sortTags } from './fixtures.mjs';

// A region and account other than the defaults, so the ARNs prove the flags are honoured.
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

describe('clusters', { timeout: 180_000 }, () => {
  const ctx = serverFor({ before, after }, { region: REGION, accountId: ACCOUNT, name: 'clusters' });
  let ecs;
  before(() => { ecs = ctx.server.client(); });
  const clusterArn = (name) => `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${name}`;

  // First, while the server holds exactly these clusters, so the pages can be checked exactly.
  it('lists clusters across pages of 2 with the SDK paginator', async () => {
    const names = ['page-a', 'page-b', 'page-c', 'page-d', 'page-e'];
    for (const clusterName of names) await ecs.send(new CreateClusterCommand({ clusterName }));

    const pages = [];
    for await (const page of paginateListClusters({ client: ecs, pageSize: 2 }, {})) pages.push(page.clusterArns);

    assert.deepEqual(pages.map((p) => p.length), [2, 2, 1]);
    const listed = pages.flat();
    assert.equal(new Set(listed).size, listed.length, 'no cluster twice across pages');
    assert.deepEqual([...listed].sort(), names.map(clusterArn).sort());

    const unpaged = await ecs.send(new ListClustersCommand({}));
    assert.deepEqual([...unpaged.clusterArns].sort(), names.map(clusterArn).sort());
    assert.equal(unpaged.nextToken, undefined);
  });

  it('creates a cluster and describes it with TAGS, SETTINGS and STATISTICS', async () => {
    const tags = [{ key: 'team', value: 'core' }, { key: 'env', value: 'test' }];
    const created = await ecs.send(new CreateClusterCommand({
      clusterName: 'described',
      tags,
      settings: [{ name: 'containerInsights', value: 'enabled' }],
    }));
    assert.ok(created.$metadata.requestId, 'x-amzn-RequestId on success');
    assert.equal(created.cluster.clusterArn, clusterArn('described'));
    assert.equal(created.cluster.clusterName, 'described');
    assert.equal(created.cluster.status, 'ACTIVE');
    assert.equal(created.cluster.registeredContainerInstancesCount, 0);
    assert.equal(created.cluster.runningTasksCount, 0);
    assert.equal(created.cluster.pendingTasksCount, 0);
    assert.equal(created.cluster.activeServicesCount, 0);

    const full = await ecs.send(new DescribeClustersCommand({ clusters: ['described'], include: ['TAGS', 'SETTINGS', 'STATISTICS'] }));
    assert.deepEqual(full.failures, []);
    assert.equal(full.clusters.length, 1);
    const cluster = full.clusters[0];
    assert.equal(cluster.clusterArn, clusterArn('described'));
    assert.equal(cluster.status, 'ACTIVE');
    assert.deepEqual(sortTags(cluster.tags), sortTags(tags));
    assert.deepEqual(cluster.settings, [{ name: 'containerInsights', value: 'enabled' }]);
    assert.ok(Array.isArray(cluster.statistics), 'statistics included on request');
    for (const stat of cluster.statistics) {
      assert.equal(typeof stat.name, 'string');
      assert.equal(typeof stat.value, 'string');
    }

    // Without include, tags are not part of the answer.
    const plain = await ecs.send(new DescribeClustersCommand({ clusters: [clusterArn('described')] }));
    assert.equal(plain.clusters[0].clusterName, 'described');
    assert.deepEqual(plain.clusters[0].tags ?? [], []);
  });

  it('creates idempotently: the same name twice is one cluster', async () => {
    const first = await ecs.send(new CreateClusterCommand({ clusterName: 'twice' }));
    const second = await ecs.send(new CreateClusterCommand({ clusterName: 'twice' }));
    assert.equal(second.cluster.clusterArn, first.cluster.clusterArn);
    assert.equal(second.cluster.status, 'ACTIVE');
    const listed = await ecs.send(new ListClustersCommand({}));
    assert.equal(listed.clusterArns.filter((arn) => arn === clusterArn('twice')).length, 1);
  });

  it('names a cluster created without a name "default"', async () => {
    const created = await ecs.send(new CreateClusterCommand({}));
    assert.equal(created.cluster.clusterName, 'default');
    assert.equal(created.cluster.clusterArn, clusterArn('default'));
  });

  it('updates the containerInsights setting', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'insights' }));
    const updated = await ecs.send(new UpdateClusterSettingsCommand({
      cluster: 'insights',
      settings: [{ name: 'containerInsights', value: 'enabled' }],
    }));
    assert.equal(updated.cluster.clusterArn, clusterArn('insights'));
    assert.deepEqual(updated.cluster.settings, [{ name: 'containerInsights', value: 'enabled' }]);

    await ecs.send(new UpdateClusterSettingsCommand({ cluster: clusterArn('insights'), settings: [{ name: 'containerInsights', value: 'disabled' }] }));
    const described = await ecs.send(new DescribeClustersCommand({ clusters: ['insights'], include: ['SETTINGS'] }));
    assert.deepEqual(described.clusters[0].settings, [{ name: 'containerInsights', value: 'disabled' }]);
  });

  it('refuses an unknown setting value with InvalidParameterException', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'bad-setting' }));
    await expectEcsError(
      ecs.send(new UpdateClusterSettingsCommand({ cluster: 'bad-setting', settings: [{ name: 'containerInsights', value: 'sometimes' }] })),
      'InvalidParameterException',
    );
  });

  it('updates the execute command configuration', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'configured' }));
    const configuration = {
      executeCommandConfiguration: {
        kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/abcd',
        logging: 'OVERRIDE',
        logConfiguration: {
          cloudWatchLogGroupName: '/ecs/exec',
          cloudWatchEncryptionEnabled: true,
          s3BucketName: 'exec-logs',
          s3EncryptionEnabled: false,
          s3KeyPrefix: 'sessions/',
        },
      },
    };
    const updated = await ecs.send(new UpdateClusterCommand({ cluster: 'configured', configuration }));
    assert.equal(updated.cluster.clusterArn, clusterArn('configured'));
    assert.deepEqual(updated.cluster.configuration, configuration);

    const described = await ecs.send(new DescribeClustersCommand({ clusters: ['configured'], include: ['CONFIGURATIONS'] }));
    assert.deepEqual(described.clusters[0].configuration, configuration);
  });

  it('deletes a cluster, which then describes as INACTIVE', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'doomed' }));
    const deleted = await ecs.send(new DeleteClusterCommand({ cluster: 'doomed' }));
    assert.equal(deleted.cluster.clusterArn, clusterArn('doomed'));
    assert.equal(deleted.cluster.status, 'INACTIVE');

    const described = await ecs.send(new DescribeClustersCommand({ clusters: ['doomed'] }));
    assert.deepEqual(described.failures, []);
    assert.equal(described.clusters.length, 1);
    assert.equal(described.clusters[0].clusterArn, clusterArn('doomed'));
    assert.equal(described.clusters[0].status, 'INACTIVE');
  });

  it('reports a missing cluster as a MISSING failure in DescribeClusters', async () => {
    const described = await ecs.send(new DescribeClustersCommand({ clusters: ['described', 'nowhere'] }));
    assert.deepEqual(described.clusters.map((c) => c.clusterName), ['described']);
    assert.equal(described.failures.length, 1);
    assert.equal(described.failures[0].arn, clusterArn('nowhere'));
    assert.equal(described.failures[0].reason, 'MISSING');
  });

  it('answers ClusterNotFoundException for a missing cluster everywhere else', async () => {
    await expectEcsError(ecs.send(new UpdateClusterSettingsCommand({ cluster: 'nowhere', settings: [{ name: 'containerInsights', value: 'enabled' }] })), 'ClusterNotFoundException');
    await expectEcsError(ecs.send(new UpdateClusterCommand({ cluster: 'nowhere', settings: [{ name: 'containerInsights', value: 'enabled' }] })), 'ClusterNotFoundException');
    await expectEcsError(ecs.send(new DeleteClusterCommand({ cluster: 'nowhere' })), 'ClusterNotFoundException');
    await expectEcsError(ecs.send(new ListContainerInstancesCommand({ cluster: 'nowhere' })), 'ClusterNotFoundException');
  });
});
