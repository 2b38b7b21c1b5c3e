using System.Diagnostics;
using Actors.Hosting.Cli;

var commandLine = CommandLine.Parse(args);
if (commandLine.AnswerWithoutRunning(Console.Out, Console.Error) is { } exitCode) return exitCode;

return commandLine.Command switch
{
    "serve" => await ServeCommand.Run(args, commandLine.Settings),
    "agent" => await AgentCommand.Run(commandLine.Settings),
    "cluster" => await ClusterCommand.Run(commandLine.Settings),
    "audit" => await AuditCommand.Run(args[1..], Console.Out, Console.Error, AuditCancellation()),
    _ => throw new UnreachableException($"CommandLine.Parse let an unknown command through: {commandLine.Command}"),
};

// Ctrl-C ends `audit events --follow` (and any long audit) cleanly.
static CancellationToken AuditCancellation()
{
    var cancellation = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancellation.Cancel();
    };
    return cancellation.Token;
}
