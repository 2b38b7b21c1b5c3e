using Actors.Hosting.Cli;

namespace Actors.Hosting.Tests.Cli;

public class CommandLineTests
{
    [Fact]
    public void Serve_flags_become_configuration_keys()
    {
        var parsed = CommandLine.Parse(["serve", "--data-dir", "/var/lib/actors", "--http=http://0.0.0.0:9000", "--no-agent",
            "--cluster", "edge", "--region", "eu-west-1", "--account-id", "123456789012"]);
        Assert.Empty(parsed.Errors);
        Assert.Equal("serve", parsed.Command);
        Assert.Equal(new Dictionary<string, string?>
        {
            ["Actors:DataDir"] = "/var/lib/actors",
            ["Actors:Http"] = "http://0.0.0.0:9000",
            ["Actors:Agent:Enabled"] = "false",
            ["Actors:Agent:Cluster"] = "edge",
            ["Actors:Region"] = "eu-west-1",
            ["Actors:AccountId"] = "123456789012",
        }, parsed.Settings);
    }

    [Fact]
    public void Multi_node_flags_become_configuration_keys()
    {
        var parsed = CommandLine.Parse(["serve", "--postgres", "Host=db;Database=actors", "--node-address", "node1:4053",
            "--peers", "node1:4053,node2:4053,node3:4053", "--roles", "gateway"]);
        Assert.Empty(parsed.Errors);
        Assert.Equal(new Dictionary<string, string?>
        {
            ["Actors:Journal:Postgres"] = "Host=db;Database=actors",
            ["Actors:Node:Address"] = "node1:4053",
            ["Actors:Node:Peers"] = "node1:4053,node2:4053,node3:4053",
            ["Actors:Node:Roles"] = "gateway",
        }, parsed.Settings);
    }

    [Fact]
    public void Cluster_status_takes_its_subcommand_and_flags()
    {
        var parsed = CommandLine.Parse(["cluster", "status", "--endpoint", "http://a:8080,http://b:8080", "--entity", "service/default/web", "--json"]);
        Assert.Empty(parsed.Errors);
        Assert.Equal("cluster", parsed.Command);
        Assert.Equal("http://a:8080,http://b:8080", parsed.Settings["Actors:ClusterStatus:Endpoints"]);
        Assert.Equal("service/default/web", parsed.Settings["Actors:ClusterStatus:Entities"]);
        Assert.Equal("true", parsed.Settings["Actors:ClusterStatus:Json"]);
    }

    [Theory]
    [InlineData(new[] { "cluster" }, "actors cluster needs a subcommand: status.")]
    [InlineData(new[] { "cluster", "members" }, "actors cluster needs a subcommand: status.")]
    [InlineData(new[] { "serve", "--bogus" }, "Unknown option --bogus.")]
    [InlineData(new[] { "serve", "--data-dir" }, "--data-dir needs a value.")]
    [InlineData(new[] { "launch" }, "Unknown command launch.")]
    [InlineData(new[] { "serve", "--no-agent=yes" }, "Unknown option --no-agent=yes.")]
    public void Mistakes_are_named(string[] args, string expected) => Assert.Contains(expected, CommandLine.Parse(args).Errors);

    [Theory]
    [InlineData("")]
    [InlineData("--help")]
    [InlineData("help")]
    public void No_command_or_help_shows_usage(string arg) =>
        Assert.Equal("help", CommandLine.Parse(arg.Length == 0 ? [] : [arg]).Command);

    [Theory]
    [InlineData(new[] { "--help" }, null)]
    [InlineData(new[] { "-h" }, null)]
    [InlineData(new[] { "serve", "--help" }, "serve")]
    [InlineData(new[] { "serve", "--data-dir", "/tmp/x", "-h" }, "serve")]
    [InlineData(new[] { "agent", "--help" }, "agent")]
    [InlineData(new[] { "help", "agent" }, "agent")]
    public void Help_flags_print_help_and_exit_0(string[] args, string? topic)
    {
        var parsed = CommandLine.Parse(args);
        var (exitCode, output, error) = Answer(parsed);

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Equal(topic, parsed.HelpTopic);
        Assert.Equal(CommandLine.HelpText(topic) + Environment.NewLine, output);
    }

    [Fact]
    public void Help_of_one_command_shows_its_options_only()
    {
        Assert.Contains("--no-agent", CommandLine.HelpText("serve"));
        Assert.DoesNotContain("--endpoint", CommandLine.HelpText("serve"));
        Assert.Contains("--endpoint", CommandLine.HelpText("agent"));
        Assert.DoesNotContain("--no-agent", CommandLine.HelpText("agent"));
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("version")]
    public void Version_prints_the_version_and_exits_0(string arg)
    {
        var (exitCode, output, error) = Answer(CommandLine.Parse([arg]));

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Matches(@"^actors \d+\.\d+", output);
    }

    [Fact]
    public void A_mistake_prints_it_with_the_commands_usage_and_exits_2()
    {
        var (exitCode, output, error) = Answer(CommandLine.Parse(["agent", "--bogus"]));

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("Unknown option --bogus.", error);
        Assert.Contains("--endpoint", error);
    }

    [Fact]
    public void A_command_to_run_is_not_answered()
    {
        var (exitCode, output, error) = Answer(CommandLine.Parse(["serve", "--no-agent"]));

        Assert.Null(exitCode);
        Assert.Equal("", output + error);
    }

    private static (int? ExitCode, string Output, string Error) Answer(CommandLine commandLine)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = commandLine.AnswerWithoutRunning(output, error);
        return (exitCode, output.ToString(), error.ToString());
    }
}
