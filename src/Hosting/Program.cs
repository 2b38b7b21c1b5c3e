using Actors.Hosting.Cli;

var commandLine = CommandLine.Parse(args);
if (commandLine.Errors.Count > 0)
{
    foreach (var error in commandLine.Errors) Console.Error.WriteLine(error);
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

return commandLine.Command switch
{
    "serve" => await ServeCommand.Run(args, commandLine.Settings),
    "agent" => await AgentCommand.Run(commandLine.Settings),
    _ => PrintUsage(),
};

static int PrintUsage()
{
    Console.WriteLine(CommandLine.Usage);
    return 0;
}
