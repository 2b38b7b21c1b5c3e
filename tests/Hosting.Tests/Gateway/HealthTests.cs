using Actors.Hosting.Gateway;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Actors.Hosting.Tests.Gateway;

public class HealthTests
{
    [Fact]
    public void A_node_that_has_begun_to_stop_is_not_ready_so_load_balancers_send_it_nothing_more()
    {
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var services = new ServiceCollection().AddSingleton<IHostApplicationLifetime>(lifetime).BuildServiceProvider();
        Assert.StartsWith("starting", Reason(services));

        lifetime.StopApplication();
        var answer = Assert.IsType<ContentHttpResult>(Health.Check(services));
        Assert.Equal(503, answer.StatusCode);
        Assert.Equal("stopping (answering the requests under way, then leaving the cluster)\n", answer.ResponseContent);
    }

    private static string Reason(IServiceProvider services) => Assert.IsType<ContentHttpResult>(Health.Check(services)).ResponseContent!;
}
