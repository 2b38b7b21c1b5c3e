#!/usr/bin/env bash
# Task start-up time on the local Docker engine, Actors beside Docker swarm: seconds from the request to 20
# busybox containers running. Prints both figures; it is not a test.
#
#   bench/startup.sh [--only actors|swarm]
#
# Needs a built actors.dll, tests/EndToEnd's node_modules and scripts/docker-setup's image.
#
# Actors: `actors serve` with its local agent, RunTask count 10 twice (concurrently), polled with DescribeTasks.
# Swarm: `docker service create --replicas 20` on a single-node swarm (initialised only if it was not active, and
# left again afterwards, so the engine ends as it was found), polled with `docker service ps`.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image="actors-test/busybox:latest"
replicas=20
timeout_seconds=180

die() { printf 'bench/startup.sh: %s\n' "$*" >&2; exit 2; }
only=""
case "${1:-}" in
  "") ;;
  --only) only="${2:-}"; [[ "$only" =~ ^(actors|swarm)$ ]] || die "--only takes actors or swarm" ;;
  *) die "unknown argument '$1' (try --only actors|swarm)" ;;
esac
timeout 10 docker info >/dev/null 2>&1 || die "no Docker engine answers (run scripts/docker-setup)"
docker image inspect "$image" >/dev/null 2>&1 || die "image $image missing (run scripts/docker-setup)"
[ -d "$root/tests/EndToEnd/node_modules" ] || die "run 'npm ci' in tests/EndToEnd first"

echo "startup benchmark: $replicas busybox containers on the local engine ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"

# ---------------------------------------------------------------- Actors
# The harness starts and stops the server (and with it the local agent); the figure is printed by node.
actors_code=0
[ "$only" = swarm ] || HARNESS="$root/tests/EndToEnd/harness.mjs" REPLICAS="$replicas" TIMEOUT_SECONDS="$timeout_seconds" \
  timeout $((timeout_seconds + 120)) node --input-type=module -e '
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
const h = await import(pathToFileURL(process.env.HARNESS).href);
const { ecs } = h;
const replicas = Number(process.env.REPLICAS);
const cluster = "bench-startup";
const server = await h.startServer({ name: "bench-startup", localAgent: true, cluster });
let arns = [];
try {
  const client = server.client({ maxAttempts: 3 });
  await h.waitForConnectedInstances(client, cluster, 1, { agents: [server], timeoutMs: 60_000 });
  await client.send(new ecs.RegisterTaskDefinitionCommand({
    family: "bench-startup",
    containerDefinitions: [{ name: "sleeper", image: h.TEST_IMAGE, essential: true, memory: 16, stopTimeout: 2, command: ["sleep", "3600"] }],
  }));
  const t0 = performance.now();
  const calls = [];
  for (let left = replicas; left > 0; left -= 10) calls.push(client.send(new ecs.RunTaskCommand({ cluster, taskDefinition: "bench-startup", count: Math.min(10, left) })));
  for (const answer of await Promise.all(calls)) {
    if (answer.failures.length) throw new Error(`RunTask failures: ${JSON.stringify(answer.failures)}`);
    arns.push(...answer.tasks.map((t) => t.taskArn));
  }
  const placed = (performance.now() - t0) / 1000;
  const deadline = Date.now() + Number(process.env.TIMEOUT_SECONDS) * 1000;
  let running = 0;
  while (Date.now() < deadline) {
    const { tasks } = await client.send(new ecs.DescribeTasksCommand({ cluster, tasks: arns }));
    const stopped = tasks.filter((t) => t.lastStatus === "STOPPED");
    if (stopped.length) throw new Error(`a task stopped: ${h.taskSummary(stopped[0])}`);
    running = tasks.filter((t) => t.lastStatus === "RUNNING").length;
    if (running === arns.length) break;
    await h.sleep(100);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (running !== arns.length) throw new Error(`only ${running} of ${arns.length} RUNNING after ${seconds.toFixed(0)} s`);
  console.log(`actors: ${arns.length} tasks RUNNING ${seconds.toFixed(2)} s after RunTask (placed in ${placed.toFixed(2)} s)`);
} finally {
  // Stop the tasks so the agent removes their containers, then make sure none is left.
  try {
    const client = server.client({ maxAttempts: 3 });
    for (const arn of arns) await client.send(new ecs.StopTaskCommand({ cluster, task: arn, reason: "benchmark done" }));
    if (arns.length) await h.waitTasksStopped(client, cluster, arns, { maxWaitTime: 90 });
  } catch (error) {
    console.log(`cleanup: ${error.message.split("\n")[0]}`);
  }
  await server.dispose();
  await h.removeContainersOfTasks(arns);
}
' || actors_code=$?
[ "$actors_code" -eq 0 ] || echo "actors: failed (exit $actors_code)"

# ---------------------------------------------------------------- Docker swarm
swarm_code=0
[ "$only" = actors ] && exit "$actors_code"
swarm_state="$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)"
we_initialised=0
service="actors-bench-startup-$$"
cleanup_swarm() {
  docker service rm "$service" >/dev/null 2>&1
  if [ "$we_initialised" -eq 1 ]; then docker swarm leave --force >/dev/null 2>&1 && echo "swarm: left again (it was $swarm_state)"; fi
}
trap cleanup_swarm EXIT

if [ "$swarm_state" != "active" ]; then
  if docker swarm init --advertise-addr 127.0.0.1 >/dev/null 2>&1; then
    we_initialised=1
  else
    echo "swarm: could not initialise a swarm (state was '$swarm_state'); no figure"
    swarm_code=1
  fi
fi

if [ "$swarm_code" -eq 0 ]; then
  start=$EPOCHREALTIME
  # --no-resolve-image: there is no registry to ask for a digest; the image is only local.
  if ! docker service create --detach --no-resolve-image --replicas "$replicas" --name "$service" \
       --stop-grace-period 2s "$image" sleep 3600 >/dev/null; then
    echo "swarm: docker service create failed; no figure"
    swarm_code=1
  else
    running=0
    deadline=$((SECONDS + timeout_seconds))
    while [ "$SECONDS" -lt "$deadline" ]; do
      running="$(docker service ps "$service" --filter desired-state=running --format '{{.CurrentState}}' 2>/dev/null | grep -c '^Running')"
      [ "$running" -ge "$replicas" ] && break
      sleep 0.1
    done
    seconds="$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')"
    if [ "$running" -ge "$replicas" ]; then
      echo "swarm:  $replicas tasks Running ${seconds} s after docker service create"
    else
      echo "swarm:  only $running of $replicas Running after ${seconds} s"
      swarm_code=1
    fi
  fi
fi
cleanup_swarm
trap - EXIT

[ "$actors_code" -eq 0 ] && [ "$swarm_code" -eq 0 ]
