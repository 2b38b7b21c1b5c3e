using Actors.Domain.Services;
using Actors.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace Actors.Hosting.Tests.Configuration;

public class ServiceSettingsTests
{
    private static ActorsOptions Bound(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build()
            .GetSection(ActorsOptions.Section).Get<ActorsOptions>() ?? new ActorsOptions();

    [Fact]
    public void Unset_keys_give_the_scheduler_its_defaults_10_s_and_90_days()
    {
        var (options, problem) = Bound().Services.Read();

        Assert.Null(problem);
        Assert.Equal(ServiceSchedulerSettings.Default, options!.Scheduler);
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromDays(90)), (options.MinimumHealthyTime, options.DeploymentHistoryRetention));
    }

    [Fact]
    public void The_configuration_keys_reach_the_service_options()
    {
        var (options, problem) = Bound(("Actors:Services:MinHealthySeconds", "3"), ("Actors:Services:DeploymentHistoryRetention", "7.00:00:00")).Services.Read();

        Assert.Null(problem);
        Assert.Equal(new ServiceSchedulerSettings(TimeSpan.FromSeconds(3), TimeSpan.FromDays(7)), options!.Scheduler);
    }

    [Theory]
    [InlineData("Actors:Services:MinHealthySeconds", "-1", "MinHealthySeconds must be 0 or more")]
    [InlineData("Actors:Services:DeploymentHistoryRetention", "00:00:00", "DeploymentHistoryRetention must be positive")]
    public void Values_out_of_range_are_refused_with_the_key_named(string key, string value, string problem)
    {
        var (options, said) = Bound((key, value)).Services.Read();

        Assert.Null(options);
        Assert.Contains(problem, said);
    }
}
