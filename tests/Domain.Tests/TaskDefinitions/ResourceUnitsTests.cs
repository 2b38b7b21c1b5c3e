using Actors.Domain.TaskDefinitions;

namespace Actors.Domain.Tests.TaskDefinitions;

public class ResourceUnitsTests
{
    [Theory]
    [InlineData("256", 256)]
    [InlineData("1024", 1024)]
    [InlineData("1 vCPU", 1024)]
    [InlineData("1 vcpu", 1024)]
    [InlineData("0.25 vCPU", 256)]
    [InlineData("2vCPU", 2048)]
    [InlineData("0.3 vCPU", null)]
    [InlineData("one", null)]
    [InlineData("-1", null)]
    [InlineData("1 GB", null)]
    [InlineData("99999999999", null)]
    [InlineData("99999999999 vCPU", null)]
    public void Parses_cpu_as_units_or_vcpus(string text, int? expected) => Assert.Equal(expected, ResourceUnits.ParseCpu(text));

    [Theory]
    [InlineData("512", 512)]
    [InlineData("1 GB", 1024)]
    [InlineData("1GB", 1024)]
    [InlineData("0.5 gb", 512)]
    [InlineData("30 GB", 30720)]
    [InlineData("0.1 GB", null)]
    [InlineData("1 vCPU", null)]
    [InlineData("", null)]
    public void Parses_memory_as_mebibytes_or_gigabytes(string text, int? expected) => Assert.Equal(expected, ResourceUnits.ParseMemory(text));

    [Theory]
    [InlineData(256, 512, true)]
    [InlineData(256, 4096, false)]
    [InlineData(1024, 8192, true)]
    [InlineData(4096, 30720, true)]
    [InlineData(8192, 20480, true)]
    [InlineData(8192, 18432, false)]
    [InlineData(16384, 122880, true)]
    [InlineData(300, 1024, false)]
    public void Knows_the_fargate_task_sizes(int cpu, int memory, bool offered) => Assert.Equal(offered, FargateTaskSizes.IsOffered(cpu, memory));
}
