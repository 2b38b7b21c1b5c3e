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

    [Theory]
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
}
