using Actors.Domain.Launches;
using Actors.Domain.Clusters;
using Actors.Domain.ContainerInstances;
using Actors.Domain.Placement;
using Actors.Domain.Services;

namespace Actors.Domain.Tests.Services;

public class PlacementFailureSentenceTests
{
    private static readonly LaunchFailure[] Named =
    [
        new("i-1", ResourceFailureReasons.Memory, null),
        new("i-2", ResourceFailureReasons.Ports, null),
        new("i-3", ResourceFailureReasons.Memory, null),
        new("i-4", PlacementFailureReasons.Inactive, null),
    ];

    [Fact]
    public void Keeps_ECS_sentence_naming_the_closest_instance_and_counts_the_named_failures_by_requirement()
    {
        var sentence = PlacementFailureSentence.Of(Named);

        Assert.StartsWith("was unable to place a task because no container instance met all of its requirements. "
                          + "The closest matching (container-instance i-1) has insufficient memory available.", sentence);
        Assert.EndsWith("Of the instances checked: 2 lack memory, 1 are DRAINING or not ACTIVE, 1 have a required port taken.", sentence);
    }

    [Fact]
    public void Counts_every_instance_checked_when_the_counts_are_given_beyond_the_failures_named()
    {
        var counts = new Dictionary<string, int>
        {
            [ResourceFailureReasons.Memory] = 740, [ResourceFailureReasons.Ports] = 212, [PlacementFailureReasons.Inactive] = 48,
        };

        var sentence = PlacementFailureSentence.Of(Named, counts);

        Assert.Contains("(container-instance i-1)", sentence);
        Assert.EndsWith("Of the instances checked: 740 lack memory, 212 have a required port taken, 48 are DRAINING or not ACTIVE.", sentence);
    }

    [Fact]
    public void Without_failures_says_only_the_opening()
    {
        Assert.Equal(PlacementFailureSentence.Opening, PlacementFailureSentence.Of([]));
    }
}
