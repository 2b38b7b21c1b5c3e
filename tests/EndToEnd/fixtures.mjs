// Inputs several test files share: what an ECS agent sends when it registers an instance.

/** RegisterContainerInstance input for a cluster, shaped like the real agent's (without instanceIdentityDocument). */
export function instanceRegistration(cluster, { instanceType = 't2.small', zone = 'us-east-1a', cpu = 2048, memory = 3936, extraAttributes = [] } = {}) {
  return {
    cluster,
    totalResources: [
      { name: 'CPU', type: 'INTEGER', integerValue: cpu },
      { name: 'MEMORY', type: 'INTEGER', integerValue: memory },
      { name: 'PORTS', type: 'STRINGSET', stringSetValue: ['22', '2375', '2376', '51678', '51679'] },
      { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: [] },
    ],
    versionInfo: { agentVersion: '1.87.0', agentHash: '0a1b2c3d', dockerVersion: 'DockerVersion: 25.0.3' },
    attributes: [
      { name: 'ecs.os-type', value: 'linux' },
      { name: 'ecs.cpu-architecture', value: 'x86_64' },
      { name: 'ecs.instance-type', value: instanceType },
      { name: 'ecs.availability-zone', value: zone },
      { name: 'ecs.capability.docker-remote-api.1.44' },
      ...extraAttributes,
    ],
  };
}

/** Resources as a name -> comparable value map, so order and unused value fields do not matter. */
export function resourceMap(resources = []) {
  return Object.fromEntries(resources.map((r) => [
    r.name,
    r.type === 'STRINGSET' ? [...(r.stringSetValue ?? [])].sort() : r.type === 'INTEGER' ? r.integerValue : r.type === 'LONG' ? r.longValue : r.doubleValue,
  ]));
}

/** Attributes as "name=value" strings (value may be absent), sorted. */
export function attributeList(attributes = []) {
  return attributes.map((a) => (a.value === undefined ? a.name : `${a.name}=${a.value}`)).sort();
}

/** The 32-hex id at the end of a container instance ARN. */
export const instanceId = (arn) => arn.split('/').pop();

/** Tags sorted by key: ECS does not promise an order. */
export function sortTags(tags = []) {
  return [...tags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
