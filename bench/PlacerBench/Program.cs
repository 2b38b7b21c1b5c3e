// Placer throughput on one core: Place(count) over a cluster of N container instances, for a few strategy mixes.
// Figures only. The cluster does not change between calls (Place is pure), so every call does the same work; the seed
// changes per call so that random draws differ.
//
//   dotnet run -c Release --project bench/PlacerBench -- [--calls 2000] [--instances 1000] [--count 10] [--sorted]
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Attribute = Actors.Domain.ContainerInstances.Attribute;

var calls = Option("--calls", 2000);
var instances = Option("--instances", 1000);
var count = Option("--count", 10);

string[] zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
string[] groups = ["family:web", "family:batch", "service:cache", "family:api"];
var random = new Random(7);
var cluster = Enumerable.Range(0, instances).Select(i =>
{
    var registered = ImmutableList.Create(
        Resource.Integer(ResourceNames.Cpu, 2048),
        Resource.Integer(ResourceNames.Memory, 4096),
        Resource.StringSet(ResourceNames.Ports, ["22", "2375", "2376", "51678"]),
        Resource.StringSet(ResourceNames.UdpPorts, []));
    // Some existing tasks of a few groups, each holding 128 CPU / 256 MiB.
    var tasks = Enumerable.Range(0, random.Next(0, 4)).Select(_ => groups[random.Next(groups.Length)]).ToArray();
    var remaining = registered
        .SetItem(0, Resource.Integer(ResourceNames.Cpu, 2048 - 128 * tasks.Length))
        .SetItem(1, Resource.Integer(ResourceNames.Memory, 4096 - 256 * tasks.Length));
    // Random 32-hex-digit ids, like ECS's container instance ids.
    var id = string.Concat(Enumerable.Range(0, 32).Select(_ => "0123456789abcdef"[random.Next(16)]));
    var instance = ContainerInstanceState.Unregistered("bench", id) with
    {
        Ec2InstanceId = $"i-{i:x17}",
        Status = ContainerInstanceStatus.ACTIVE,
        AgentConnected = true,
        RegisteredResources = registered,
        RemainingResources = remaining,
        Attributes =
        [
            new Attribute("ecs.availability-zone", zones[i % zones.Length]),
            new Attribute("ecs.os-type", "linux"),
            new Attribute("ecs.instance-type", i % 2 == 0 ? "m5.large" : "c5.large"),
            new Attribute("tier", i % 4 == 0 ? "gold" : "silver"),
        ],
        RunningTasksCount = tasks.Length,
    };
    return PlacementCandidate.Of(instance, tasks);
}).OrderBy(_ => random.Next()).ToList();
// --sorted: hand the candidates over in instance-id order, as a scheduler keeping its own sorted view would.
if (args.Contains("--sorted")) cluster = [.. cluster.OrderBy(c => c.Instance.InstanceId, StringComparer.Ordinal)];

PlacementRequest Request(IEnumerable<PlacementStrategy> strategies, IEnumerable<PlacementConstraint>? constraints = null) =>
    new(ResourceDemand.Of(128, 256), [.. constraints ?? []], [.. strategies], count, "family:web", [], 0);

(string Name, PlacementRequest Request)[] scenarios =
[
    ("default (random)", Request([])),
    ("spread(instanceId)", Request([PlacementStrategy.SpreadOn("instanceId")])),
    ("spread(az) + binpack(memory)", Request([PlacementStrategy.SpreadOn("attribute:ecs.availability-zone"), PlacementStrategy.BinpackOn("memory")])),
    ("memberOf(tier == gold) + binpack(cpu)", Request([PlacementStrategy.BinpackOn("cpu")], [PlacementConstraint.Member("attribute:tier == gold")])),
];

Console.WriteLine($"Placer: {instances} candidates{(args.Contains("--sorted") ? " (sorted by id)" : "")}, count {count}, {calls} calls per scenario, one thread");
Console.WriteLine($"{"scenario",-40} {"calls/s",10} {"tasks/s",10} {"µs/task",9} {"KB/call",9}");
// Warm-up of every scenario before any is measured: tiered JIT recompiles hot methods in the background, which on a
// busy machine takes a while and would otherwise be charged to the first scenario.
foreach (var (_, request) in scenarios)
{
    var warming = Stopwatch.StartNew();
    while (warming.Elapsed < TimeSpan.FromSeconds(1)) Run(request, 10);
}
foreach (var (name, request) in scenarios)
{
    var allocated = GC.GetAllocatedBytesForCurrentThread();
    var watch = Stopwatch.StartNew();
    var placed = Run(request, calls);
    watch.Stop();
    allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
    var seconds = watch.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-40} {calls / seconds,10:F0} {placed / seconds,10:F0} {seconds * 1e6 / placed,9:F1} {allocated / 1024.0 / calls,9:F1}"));
}

long Run(PlacementRequest request, int n)
{
    long placed = 0;
    for (var call = 0; call < n; call++)
    {
        var result = Placer.Place(request with { Seed = call }, cluster);
        if (result.UnplacedCount != 0) throw new InvalidOperationException($"{result.UnplacedCount} tasks were not placed.");
        placed += request.Count;
    }
    return placed;
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
