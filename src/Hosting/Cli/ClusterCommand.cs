using System.Text.Json;
using Actors.Hosting.Configuration;
using Actors.Hosting.Gateway.Actions;
using Actors.Hosting.Gateway.Auth;
using Actors.Nodes.Agent;
using Actors.Nodes.Protocol;
using Actors.Nodes.Sharding;

namespace Actors.Hosting.Cli;

/// <summary><c>actors cluster status</c>: asks a gateway (signed with a user key) for the control plane's members and shards.</summary>
public static class ClusterCommand
{
    public static async Task<int> Run(IReadOnlyDictionary<string, string?> flagSettings)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables("ACTORS__")
            .AddInMemoryCollection(flagSettings)
            .Build();
        var options = configuration.GetSection(ActorsOptions.Section).Get<ActorsOptions>() ?? new ActorsOptions();
        var endpoints = List(options.ClusterStatus.Endpoints).Select(e => Uri.TryCreate(e, UriKind.Absolute, out var uri) ? uri : null).ToList();
        if (endpoints.Count == 0 || endpoints.Any(e => e is null))
        {
            await Console.Error.WriteLineAsync("actors cluster status needs --endpoint URL[,URL...] with absolute http(s) URLs of gateways.");
            return 2;
        }
        var accessKeyId = Environment.GetEnvironmentVariable(CredentialStore.AccessKeyIdVariable);
        var secret = Environment.GetEnvironmentVariable(CredentialStore.SecretAccessKeyVariable);
        if (string.IsNullOrEmpty(accessKeyId) || string.IsNullOrEmpty(secret))
        {
            await Console.Error.WriteLineAsync(
                $"actors cluster status signs its call with a user key: set {CredentialStore.AccessKeyIdVariable} and {CredentialStore.SecretAccessKeyVariable}.");
            return 2;
        }

        using var gateway = new GatewayClient(new GatewayConnection(endpoints!, accessKeyId, secret, options.Region), TimeSpan.FromSeconds(30));
        ControlPlaneStatus status;
        try
        {
            status = await gateway.Send<ControlPlaneStatus>(ControlPlaneActions.DescribeTarget,
                new ControlPlaneActions.DescribeControlPlaneRequest(List(options.ClusterStatus.Entities)), CancellationToken.None);
        }
        catch (Exception e) when (e is GatewayError or HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"actors cluster status: {e.Message}");
            return 1;
        }
        Console.WriteLine(options.ClusterStatus.Json
            ? JsonSerializer.Serialize(status, new JsonSerializerOptions(WireJson.Options) { WriteIndented = true })
            : Text(status));
        return 0;
    }

    /// <summary>Members, then each kind's shards per node, then the entities asked for.</summary>
    public static string Text(ControlPlaneStatus status)
    {
        var lines = new List<string> { $"Members ({status.Members.Count}):" };
        lines.AddRange(status.Members.Select(m =>
            $"  {m.Address,-24} {m.Status,-8} {string.Join(',', m.Roles),-22} {(m.Reachable ? "reachable" : "UNREACHABLE")}" +
            (m.Leader ? "  leader" : "") + (m.Self ? "  (answered)" : "")));
        lines.Add("Shards:");
        lines.AddRange(status.Shards.Select(s =>
            $"  {s.Kind,-24} {s.Node,-24} {s.EntitiesByShard.Count} shards, {s.EntitiesByShard.Values.Sum()} entities"));
        if (status.Entities.Count > 0)
        {
            lines.Add("Entities:");
            lines.AddRange(status.Entities.Select(e => $"  {e.Kind}/{e.EntityId}  shard {e.ShardId}  on {e.Node ?? "no node now"}"));
        }
        return string.Join(Environment.NewLine, lines);
    }

    private static List<string> List(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
