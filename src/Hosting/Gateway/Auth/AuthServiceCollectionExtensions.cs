using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Actors.Hosting.Gateway.Auth;

public static class AuthServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="CredentialStore"/> (loaded now, so a bad key configuration stops the host at start-up)
    /// and a <see cref="SigV4Verifier"/> for service "ecs" over it. <paramref name="requiredRegion"/> null accepts any
    /// region in the credential scope. <paramref name="withLocalAgentKey"/>: the store also holds the local agent's own key.
    /// </summary>
    public static IServiceCollection AddSigV4Authentication(
        this IServiceCollection services, IConfiguration configuration, string dataDirectory, string? requiredRegion = null,
        bool withLocalAgentKey = false)
    {
        var store = CredentialStore.Load(configuration, dataDirectory, withLocalAgentKey: withLocalAgentKey);
        services.AddSingleton(store);
        services.AddSingleton(new SigV4Verifier(store.FindSecret, "ecs", requiredRegion));
        return services;
    }
}
