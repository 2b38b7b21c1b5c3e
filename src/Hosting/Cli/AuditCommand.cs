using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Actors.Hosting.Audit;
using Actors.Hosting.Gateway.Auth;
using Actors.Nodes.Agent;
using Actors.Nodes.Protocol;

namespace Actors.Hosting.Cli;

/// <summary>
/// <c>actors audit</c>: reads a journal directly (a data directory's SQLite files, of a stopped or running node, or a
/// PostgreSQL journal) with plain SQL (see <see cref="Audit.AuditJournal"/>); no node needs to run. Its flags are its own, not configuration keys.
/// </summary>
public static class AuditCommand
{
    public const string Options = """
        Usage: actors audit <events|state|explain|verify> [options]

          events                  The timeline, oldest first: a table, or JSON Lines with --json; --follow waits for new events.
                                  Filters: --cluster NAME, --service NAME|cluster/NAME|ARN, --task ID|ARN,
                                  --container-instance ID|ARN, --family NAME, --type EVENT (TaskPlaced...), --principal KEY,
                                  --request-id ID, --since TIME, --until TIME (ISO 8601, UTC unless it says otherwise)
          state ARN --at TIME     The cluster, container instance, task, service or task definition as it was at TIME,
                                  as the Describe* action answers it
          explain TASK-ARN|REQUEST-ID
                                  Why a task went where it did and why it stopped; for a request id, what its launches
                                  placed and why the rest could not be placed
          verify                  Gapless sequence numbers, every event readable, the hash chain intact, recorded
                                  placements chosen again; exit code 1 names each problem (persistence id and sequence nr)
            --endpoint URL[,URL]  and every entity replayed equals what the live cluster's gateway answers for it
                                  (signed with ACTORS_ACCESS_KEY_ID / ACTORS_SECRET_ACCESS_KEY; --region, default us-east-1)

        Journal (one of):
          --data-dir DIR          The SQLite journal of "actors serve --data-dir DIR" (default ./data)
          --postgres CONNECTION   A PostgreSQL journal ("Host=...;Database=...;Username=...;Password=...")
          --json                  JSON Lines (events, verify) or one-line JSON (state, explain)
        """;

    private static readonly HashSet<string> Switches = ["--json", "--follow"];

    public static async Task<int> Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            var (positional, flags) = Parse(args);
            if (positional.Count == 0) throw new AuditException("audit needs a command: events, state, explain or verify.");
            var source = flags.TryGetValue("--postgres", out var postgres)
                ? AuditSource.Postgres(postgres)
                : AuditSource.DataDirectory(flags.GetValueOrDefault("--data-dir") ?? "data");
            var json = flags.ContainsKey("--json");
            await using var system = await AuditSystem.Start(source);
            var journal = system.Journal;
            switch (positional[0])
            {
                case "events":
                    Expect(positional, 1, "audit events takes no argument besides its options.");
                    var filter = Filter(flags);
                    var progress = Progress(error, "events read");
                    long read = 0;
                    if (!json) output.WriteLine(AuditEvents.TableHeader);
                    await foreach (var described in AuditEvents.Read(journal, filter, flags.ContainsKey("--follow"), cancellationToken))
                    {
                        output.WriteLine(json ? described.ToJsonString() : AuditEvents.TableLine(described));
                        if ((++read & 0x3FFF) == 0) progress?.Report(read);
                    }
                    return 0;
                case "state":
                    Expect(positional, 2, "audit state takes one ARN: actors audit state ARN --at TIME.");
                    var at = flags.TryGetValue("--at", out var atText) ? Time("--at", atText) : DateTimeOffset.MaxValue;
                    Write(output, await AuditState.At(journal, positional[1], at, cancellationToken), json);
                    return 0;
                case "explain":
                    Expect(positional, 2, "audit explain takes one task ARN or request id.");
                    Write(output, await AuditExplain.Explain(journal, positional[1], cancellationToken), json);
                    return 0;
                case "verify":
                    Expect(positional, 1, "audit verify takes no argument besides its options.");
                    using (var gateway = flags.TryGetValue("--endpoint", out var endpoints) ? Gateway(endpoints, flags.GetValueOrDefault("--region")) : null)
                    {
                        var live = gateway is null ? null : new AuditLive(journal, gateway);
                        var result = await AuditVerify.Run(journal, live, Progress(error, "events verified"), cancellationToken);
                        if (json)
                        {
                            foreach (var problem in result.Problems) output.WriteLine(problem.ToJson().ToJsonString());
                            output.WriteLine(result.ToJson().ToJsonString());
                        }
                        else
                        {
                            foreach (var problem in result.Problems) output.WriteLine(problem);
                            var compared = result.EntitiesComparedLive is { } count ? $", {count} compared with the live cluster" : "";
                            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                                $"{(result.Passed ? "passed" : $"FAILED: {result.Problems.Count} problem(s)")}: {result.Events} events of {result.Entities} entities ({result.ChainedEvents} chained, {result.PlacementsReplayed} placements replayed{compared}) in {result.Elapsed.TotalSeconds:0.00} s, {result.EventsPerSecond:0} events/s"));
                        }
                        return result.Passed ? 0 : 1;
                    }
                default:
                    throw new AuditException($"Unknown audit command {positional[0]}: events, state, explain or verify.");
            }
        }
        catch (AuditException mistake)
        {
            error.WriteLine($"actors audit: {mistake.Message}");
            return 2;
        }
        catch (Exception failure) when (failure is GatewayError or HttpRequestException || failure is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            error.WriteLine($"actors audit: the live cluster did not answer: {failure.Message}");
            return 2;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
    }

    private static (List<string> Positional, Dictionary<string, string> Flags) Parse(IReadOnlyList<string> args)
    {
        var positional = new List<string>();
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal)) positional.Add(arg);
            else if (Switches.Contains(arg)) flags[arg] = "";
            else
            {
                var equals = arg.IndexOf('=');
                if (equals > 0) flags[arg[..equals]] = arg[(equals + 1)..];
                else if (i + 1 < args.Count) flags[arg] = args[++i];
                else throw new AuditException($"{arg} needs a value.");
            }
        }
        var known = new HashSet<string>(["--data-dir", "--postgres", "--json", "--follow", "--at", "--endpoint", "--region", .. FilterFlags]);
        if (flags.Keys.FirstOrDefault(f => !known.Contains(f)) is { } unknown) throw new AuditException($"Unknown option {unknown}.");
        return (positional, flags);
    }

    private static readonly string[] FilterFlags =
        ["--cluster", "--service", "--task", "--container-instance", "--family", "--type", "--principal", "--request-id", "--since", "--until"];

    /// <summary>The filter of `audit events` from its flags (the HTTP endpoint takes the same names as query parameters).</summary>
    public static AuditFilter Filter(IReadOnlyDictionary<string, string> flags) => new()
    {
        Cluster = flags.GetValueOrDefault("--cluster"),
        Service = flags.GetValueOrDefault("--service"),
        Task = flags.GetValueOrDefault("--task"),
        ContainerInstance = flags.GetValueOrDefault("--container-instance"),
        Family = flags.GetValueOrDefault("--family"),
        Type = flags.GetValueOrDefault("--type"),
        Principal = flags.GetValueOrDefault("--principal"),
        RequestId = flags.GetValueOrDefault("--request-id"),
        Since = flags.TryGetValue("--since", out var since) ? Time("--since", since) : null,
        Until = flags.TryGetValue("--until", out var until) ? Time("--until", until) : null,
    };

    /// <summary>A signed client of the gateways <c>--endpoint</c> names, with the user key of <c>actors cluster status</c>.</summary>
    private static GatewayClient Gateway(string endpoints, string? region)
    {
        var uris = endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(e => Uri.TryCreate(e, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null).ToList();
        if (uris.Count == 0 || uris.Any(u => u is null))
            throw new AuditException("--endpoint takes absolute http(s) URLs of gateways, separated by commas.");
        var accessKeyId = Environment.GetEnvironmentVariable(CredentialStore.AccessKeyIdVariable);
        var secret = Environment.GetEnvironmentVariable(CredentialStore.SecretAccessKeyVariable);
        if (string.IsNullOrEmpty(accessKeyId) || string.IsNullOrEmpty(secret))
            throw new AuditException($"verify --endpoint signs its calls with a user key: set {CredentialStore.AccessKeyIdVariable} and {CredentialStore.SecretAccessKeyVariable}.");
        return new GatewayClient(new GatewayConnection(uris!, accessKeyId, secret, region ?? "us-east-1"), TimeSpan.FromSeconds(30));
    }

    public static DateTimeOffset Time(string flag, string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new AuditException($"{flag} takes a time such as 2026-01-31T12:00:00Z, not '{text}'.");

    private static void Expect(List<string> positional, int count, string message)
    {
        if (positional.Count != count) throw new AuditException(message);
    }

    private static void Write(TextWriter output, JsonObject answer, bool oneLine) =>
        output.WriteLine(oneLine ? answer.ToJsonString() : answer.ToJsonString(new JsonSerializerOptions(WireJson.Options) { WriteIndented = true }));

    /// <summary>Progress on stderr, only when it is a terminal (scripts and pipes read clean output).</summary>
    private static IProgress<long>? Progress(TextWriter error, string what)
    {
        if (Console.IsErrorRedirected) return null;
        var started = DateTime.UtcNow;
        return new SynchronousProgress(count =>
        {
            var seconds = Math.Max((DateTime.UtcNow - started).TotalSeconds, 0.001);
            error.Write(string.Create(CultureInfo.InvariantCulture, $"\r{count:N0} {what} ({count / seconds:N0}/s)   "));
        });
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
