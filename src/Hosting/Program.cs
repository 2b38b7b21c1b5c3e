using System.Diagnostics;
using Actors.Hosting.Cli;

var commandLine = CommandLine.Parse(args);
if (commandLine.AnswerWithoutRunning(Console.Out, Console.Error) is { } exitCode) return exitCode;

return commandLine.Command switch
{
    "serve" => await ServeCommand.Run(args, commandLine.Settings),
    "agent" => await AgentCommand.Run(commandLine.Settings),
    "cluster" => await ClusterCommand.Run(commandLine.Settings),
    _ => throw new UnreachableException($"CommandLine.Parse let an unknown command through: {commandLine.Command}"),
};
