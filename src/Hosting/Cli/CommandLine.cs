namespace Actors.Hosting.Cli;

/// <summary>
/// The stable command line users script against. Flags become configuration keys, so every flag can also be set in
/// appsettings.json or as an ACTORS__* environment variable; flags win.
/// </summary>
public sealed record CommandLine(string Command, IReadOnlyDictionary<string, string?> Settings, IReadOnlyList<string> Errors)
{
    public const string Usage = """
        Usage: actors <command> [options]

        Commands:
          serve      Start a node with every role: gateway, orchestrator and the local agent.
          agent      Run a container agent for this host against a gateway (or N simulated hosts).
          help       Show this text.

        Options of serve:
          --data-dir DIR      SQLite journal, snapshots and generated keys (default ./data)
          --http URL          Gateway address (default http://127.0.0.1:8080)
          --no-agent          Do not run the local agent
          --cluster NAME      Cluster the local agent registers into (default "default")
          --region REGION     Region named in ARNs (default us-east-1)
          --account-id ID     12-digit account named in ARNs (default 000000000000)

        Options of agent (keys from ACTORS_ACCESS_KEY_ID / ACTORS_SECRET_ACCESS_KEY):
          --endpoint URL[,URL...]  Gateways to talk to, tried in order when one fails
          --cluster NAME           Cluster to register into (default "default")
          --region REGION          Region the gateway answers for (default us-east-1)
          --data-dir DIR           Where the agent remembers its container instance (default ./data)
          --hollow N               Register N simulated hosts whose runtime only pretends (tests, benchmarks)
        """;

    private static readonly Dictionary<string, Dictionary<string, string>> ValueFlags = new()
    {
        ["serve"] = new()
        {
            ["--data-dir"] = "Actors:DataDir",
            ["--http"] = "Actors:Http",
            ["--cluster"] = "Actors:Agent:Cluster",
            ["--region"] = "Actors:Region",
            ["--account-id"] = "Actors:AccountId",
        },
        ["agent"] = new()
        {
            ["--endpoint"] = "Actors:Agent:Endpoints",
            ["--cluster"] = "Actors:Agent:Cluster",
            ["--region"] = "Actors:Region",
            ["--data-dir"] = "Actors:DataDir",
            ["--hollow"] = "Actors:Agent:Hollow:Count",
        },
        ["help"] = new(),
    };

    private static readonly Dictionary<string, Dictionary<string, (string Key, string Value)>> SwitchFlags = new()
    {
        ["serve"] = new() { ["--no-agent"] = ("Actors:Agent:Enabled", "false") },
    };

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var command = args.Count == 0 || args[0] is "-h" or "--help" ? "help" : args[0];
        var settings = new Dictionary<string, string?>();
        var errors = new List<string>();
        var valueFlags = ValueFlags.GetValueOrDefault(command) ?? [];
        var switchFlags = SwitchFlags.GetValueOrDefault(command) ?? [];
        for (var i = 1; i < args.Count; i++)
        {
            var (flag, inlineValue) = SplitInline(args[i]);
            if (switchFlags.TryGetValue(flag, out var setting) && inlineValue is null)
                settings[setting.Key] = setting.Value;
            else if (valueFlags.TryGetValue(flag, out var key))
            {
                var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : null);
                if (string.IsNullOrEmpty(value)) errors.Add($"{flag} needs a value.");
                else settings[key] = value;
            }
            else errors.Add($"Unknown option {args[i]}.");
        }
        if (!ValueFlags.ContainsKey(command)) errors.Add($"Unknown command {command}.");
        return new CommandLine(command, settings, errors);
    }

    private static (string Flag, string? Value) SplitInline(string arg)
    {
        var equals = arg.IndexOf('=');
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }
}
