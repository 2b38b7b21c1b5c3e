// Terraform's AWS provider (5.100.0, from the machine's local plugin mirror) against `actors serve` with its local
// agent: a cluster, a task definition and a service with a deployment circuit breaker, applied with
// wait_for_steady_state, planned again with no changes, rolled to a new revision, and destroyed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DescribeServicesCommand, ListTasksCommand, DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { serverFor, dockerSkipReason, assertTestImage, waitForConnectedInstances, TEST_IMAGE } from './harness.mjs';

const CLUSTER = 'e2e-terraform';
const PLUGIN_MIRROR = process.env.ACTORS_TF_PLUGIN_MIRROR || '/opt/tf-plugins';
const dockerSkip = await dockerSkipReason();
const terraformSkip = !existsSync(PLUGIN_MIRROR) ? `no Terraform plugin mirror at ${PLUGIN_MIRROR}` : await which('terraform') ? null : 'terraform is not on PATH';
const skip = dockerSkip || terraformSkip || false;

async function which(command) {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** Runs terraform in dir; resolves with { code, output } (the exit code is the caller's to judge). */
function terraform(dir, args, env, { timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`terraform ${args.join(' ')} timed out:\n${output}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}

function configuration({ endpoint, region, credentials, command }) {
  return `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region                      = "${region}"
  access_key                  = "${credentials.accessKeyId}"
  secret_key                  = "${credentials.secretAccessKey}"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    ecs = "${endpoint}"
  }
}

resource "aws_ecs_cluster" "main" {
  name = "${CLUSTER}"
}

resource "aws_ecs_task_definition" "web" {
  family = "tf-web"
  container_definitions = jsonencode([{
    name        = "web"
    image       = "${TEST_IMAGE}"
    essential   = true
    memory      = 32
    stopTimeout = 2
    command     = ${JSON.stringify(command)}
  }])
}

resource "aws_ecs_service" "web" {
  name                  = "tf-web"
  cluster               = aws_ecs_cluster.main.id
  task_definition       = aws_ecs_task_definition.web.arn
  desired_count         = 2
  wait_for_steady_state = true

  deployment_minimum_healthy_percent = 50
  deployment_maximum_percent         = 200
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}
`;
}

describe('Terraform', { skip, timeout: 900_000 }, () => {
  const ctx = serverFor({ before, after }, { name: 'terraform', localAgent: true, cluster: CLUSTER });
  let dir;
  let env;
  let ecs;

  before(async () => {
    await assertTestImage();
    ecs = ctx.server.client();
    await waitForConnectedInstances(ecs, CLUSTER, 1, { agents: [ctx.server], timeoutMs: 60_000 });
    dir = mkdtempSync(join(tmpdir(), 'actors-tf-'));
    writeFileSync(join(dir, 'cli.tfrc'), `provider_installation {\n  filesystem_mirror {\n    path = "${PLUGIN_MIRROR}"\n  }\n}\n`);
    env = { TF_CLI_CONFIG_FILE: join(dir, 'cli.tfrc'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_INPUT: '0' };
  });

  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  const write = (command) => writeFileSync(join(dir, 'main.tf'), configuration({
    endpoint: ctx.server.endpoint, region: ctx.server.region, credentials: ctx.server.credentials, command,
  }));

  async function service() {
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['tf-web'] }));
    return services[0];
  }

  it('applies a service to a steady state, plans no changes, rolls a new revision and destroys it', async () => {
    write(['sleep', '3600']);
    const init = await terraform(dir, ['init', '-no-color'], env);
    assert.equal(init.code, 0, init.output);

    const apply = await terraform(dir, ['apply', '-auto-approve', '-no-color'], env);
    assert.equal(apply.code, 0, apply.output);
    let web = await service();
    assert.equal(web.status, 'ACTIVE');
    assert.equal(web.runningCount, 2);
    assert.deepEqual(web.deploymentConfiguration.deploymentCircuitBreaker, { enable: true, rollback: true });
    assert.equal(web.deployments.length, 1);

    const plan = await terraform(dir, ['plan', '-detailed-exitcode', '-no-color'], env);
    assert.equal(plan.code, 0, `a plan right after apply should have no changes:\n${plan.output}`);

    write(['sleep', '3601']);
    const roll = await terraform(dir, ['apply', '-auto-approve', '-no-color'], env);
    assert.equal(roll.code, 0, roll.output);
    web = await service();
    assert.match(web.taskDefinition, /task-definition\/tf-web:2$/);
    assert.equal(web.runningCount, 2);
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: 'tf-web' }));
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }));
    assert.equal(tasks.length, 2);
    for (const task of tasks) assert.match(task.taskDefinitionArn, /tf-web:2$/);

    // The cluster keeps the local agent's instance (DeleteCluster refuses it), so only the service and its definition go.
    const destroy = await terraform(dir, ['destroy', '-auto-approve', '-no-color', '-target=aws_ecs_service.web', '-target=aws_ecs_task_definition.web'], env);
    assert.equal(destroy.code, 0, destroy.output);
    web = await service();
    assert.ok(!web || web.status === 'INACTIVE', `the service should be gone, found ${web?.status}`);
  });
});
