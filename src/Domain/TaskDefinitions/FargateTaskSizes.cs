namespace Actors.Domain.TaskDefinitions;

/// <summary>The task sizes Fargate offers: each cpu value (units) with the memory values (MiB) it may be paired with.</summary>
public static class FargateTaskSizes
{
    private static readonly IReadOnlyDictionary<int, IReadOnlyList<int>> MemoryByCpu = new Dictionary<int, IReadOnlyList<int>>
    {
        [256] = [512, 1024, 2048],
        [512] = Steps(1024, 4096, 1024),
        [1024] = Steps(2048, 8192, 1024),
        [2048] = Steps(4096, 16384, 1024),
        [4096] = Steps(8192, 30720, 1024),
        [8192] = Steps(16384, 61440, 4096),
        [16384] = Steps(32768, 122880, 8192),
    };

    public static bool IsOffered(int cpuUnits, int memoryMiB) =>
        MemoryByCpu.TryGetValue(cpuUnits, out var memories) && memories.Contains(memoryMiB);

    private static int[] Steps(int from, int to, int step) =>
        Enumerable.Range(0, (to - from) / step + 1).Select(i => from + i * step).ToArray();
}
