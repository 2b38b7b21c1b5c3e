using System.Reflection;

namespace Actors.Hosting.Cli;

/// <summary>
/// The stable command line users script against. Flags become configuration keys, so every flag can also be set in
/// appsettings.json or as an ACTORS__* environment variable; flags win.
/// </summary>
/// <param name="HelpTopic">With Command "help": the command whose options were asked for (<c>actors serve --help</c>), else null.</param>
public sealed record CommandLine(string Command, IReadOnlyDictionary<string, string?> Settings, IReadOnlyList<string> Errors, string? HelpTopic = null)
{
    private const string Commands = """
        Usage: actors <command> [options]

        Commands:
          serve      Start a node with every role: gateway, orchestrator and the local agent.
          agent      Run a container agent for this host against a gateway (or N simulated hosts).
          cluster status
                     Show the control plane's members, roles, reachability and where shards live.
          audit      Read the journal: the timeline, an entity at a past time, why a task is where it is, integrity.
          help       Show this text (also --help, -h; "actors <command> --help" for one command).
          version    Show the version (also --version).
        """;

    private const string ServeOptions = """
        Options of serve:
          --data-dir DIR      SQLite journal, snapshots and generated keys (default ./data)
          --http URL          Gateway address (default http://127.0.0.1:8080)
          --no-agent          Do not run the local agent
          --cluster NAME      Cluster the local agent registers into (default "default")
          --region REGION     Region named in ARNs (default us-east-1)
          --account-id ID     12-digit account named in ARNs (default 000000000000)

        Options of serve for a multi-node cluster:
          --postgres CONN     Npgsql connection string of the journal the nodes share (default: SQLite in --data-dir)
          --node-address HOST:PORT
                              Where this node's cluster transport listens and is reached (PORT+1: its bootstrap endpoint)
          --peers HOST:PORT[,HOST:PORT...]
                              Every control-plane node's --node-address, this one's included
          --roles ROLE[,ROLE] gateway (answers the API), orchestrator (hosts entities); default both
        """;

    private const string AgentOptions = """
        Options of agent (an agent key from ACTORS_AGENT_ACCESS_KEY_ID / ACTORS_AGENT_SECRET_ACCESS_KEY):
          --endpoint URL[,URL...]  Gateways to talk to, tried in order when one fails
          --cluster NAME           Cluster to register into (default "default")
          --region REGION          Region the gateway answers for (default us-east-1)
          --data-dir DIR           Where the agent remembers its container instance (default ./data)
          --hollow N               Register N simulated hosts whose runtime only pretends (tests, benchmarks)
        """;

    private const string ClusterOptions = """
        Options of cluster status (a user key from ACTORS_ACCESS_KEY_ID / ACTORS_SECRET_ACCESS_KEY):
          --endpoint URL[,URL...]  Gateways to ask, tried in order when one fails
          --entity KIND/ID[,...]   Also say which node hosts these entities (e.g. service/default/web)
          --region REGION          Region the gateway answers for (default us-east-1)
          --json                   Print the answer as JSON
        """;

    public static readonly string Usage = $"{Commands}\n{ServeOptions}\n{AgentOptions}\n{ClusterOptions}\n{AuditCommand.Options}";

    private static readonly string[] HelpFlags = ["--help", "-h"];
    private static readonly string[] VersionFlags = ["--version", "version"];

    /// <summary>The usage of one command, or of all of them when <paramref name="topic"/> is null.</summary>
    public static string HelpText(string? topic) => topic switch
    {
        "serve" => $"Usage: actors serve [options]\n\n{ServeOptions}",
        "agent" => $"Usage: actors agent [options]\n\n{AgentOptions}",
        "cluster" => $"Usage: actors cluster status [options]\n\n{ClusterOptions}",
        "audit" => AuditCommand.Options,
        _ => Usage,
    };

    /// <summary>"actors " and the informational version the build stamped (with its source revision when there is one).</summary>
    public static string VersionText =>
        "actors " + (typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                     ?? typeof(CommandLine).Assembly.GetName().Version?.ToString() ?? "unknown");

    /// <summary>
    /// Answers what needs no command to run (help, version, mistakes) and returns the exit code: 0 for help and
    /// version, 2 for mistakes. Null when <see cref="Command"/> is to be run.
    /// </summary>
    public int? AnswerWithoutRunning(TextWriter output, TextWriter error)
    {
        if (Errors.Count > 0)
        {
            foreach (var message in Errors) error.WriteLine(message);
            error.WriteLine(HelpText(ValueFlags.ContainsKey(Command) ? Command : null));
            return 2;
        }
        switch (Command)
        {
            case "help":
                output.WriteLine(HelpText(HelpTopic));
                return 0;
            case "version":
                output.WriteLine(VersionText);
                return 0;
            default:
                return null;
        }
    }

    private static readonly Dictionary<string, Dictionary<string, string>> ValueFlags = new()
    {
        ["serve"] = new()
        {
            ["--data-dir"] = "Actors:DataDir",
            ["--http"] = "Actors:Http",
            ["--cluster"] = "Actors:Agent:Cluster",
            ["--region"] = "Actors:Region",
            ["--account-id"] = "Actors:AccountId",
            ["--postgres"] = "Actors:Journal:Postgres",
            ["--node-address"] = "Actors:Node:Address",
            ["--peers"] = "Actors:Node:Peers",
            ["--roles"] = "Actors:Node:Roles",
        },
        ["agent"] = new()
        {
            ["--endpoint"] = "Actors:Agent:Endpoints",
            ["--cluster"] = "Actors:Agent:Cluster",
            ["--region"] = "Actors:Region",
            ["--data-dir"] = "Actors:DataDir",
            ["--hollow"] = "Actors:Agent:Hollow:Count",
        },
        ["cluster"] = new()
        {
            ["--endpoint"] = "Actors:ClusterStatus:Endpoints",
            ["--entity"] = "Actors:ClusterStatus:Entities",
            ["--region"] = "Actors:Region",
        },
        // audit reads its own arguments (AuditCommand): they are queries, not configuration keys.
        ["audit"] = new(),
        ["help"] = new(),
        ["version"] = new(),
    };

    private static readonly Dictionary<string, Dictionary<string, (string Key, string Value)>> SwitchFlags = new()
    {
        ["serve"] = new() { ["--no-agent"] = ("Actors:Agent:Enabled", "false") },
        ["cluster"] = new() { ["--json"] = ("Actors:ClusterStatus:Json", "true") },
    };

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var command = args.Count == 0 || HelpFlags.Contains(args[0]) ? "help" : VersionFlags.Contains(args[0]) ? "version" : args[0];
        // "actors serve --help" asks for serve's options, whatever else is on the line.
        if (ValueFlags.ContainsKey(command) && args.Skip(1).Any(HelpFlags.Contains))
            return new CommandLine("help", new Dictionary<string, string?>(), [], command is "help" or "version" ? null : command);
        // "actors help serve" too.
        if (command == "help" && args.Count == 2 && args[0] == "help" && args[1] is "serve" or "agent" or "cluster" or "audit")
            return new CommandLine("help", new Dictionary<string, string?>(), [], args[1]);
        if (command == "audit") return new CommandLine(command, new Dictionary<string, string?>(), []);
        var settings = new Dictionary<string, string?>();
        var errors = new List<string>();
        var valueFlags = ValueFlags.GetValueOrDefault(command) ?? [];
        var switchFlags = SwitchFlags.GetValueOrDefault(command) ?? [];
        // "cluster" has one subcommand today; the word keeps room for more.
        var firstFlag = 1;
        if (command == "cluster")
        {
            if (args.Count < 2 || args[1] != "status") errors.Add("actors cluster needs a subcommand: status.");
            else firstFlag = 2;
        }
        for (var i = firstFlag; i < args.Count; i++)
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
