using Akka.Hosting;
using Microsoft.Extensions.Logging.Console;

namespace Actors.Hosting.Configuration;

/// <summary>
/// One log format for the whole process: every line one line, with a UTC timestamp, the level and the category. Akka's
/// own log goes through Microsoft.Extensions.Logging too (categories such as <c>Akka.Cluster.Cluster</c>), so its lines
/// look like the gateway's and obey the same Logging:LogLevel settings.
/// </summary>
public static class ConsoleLogging
{
    public static void UseOneFormat(this ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.ColorBehavior = LoggerColorBehavior.Disabled;
        });
    }

    public static AkkaConfigurationBuilder LogThroughMicrosoftLogging(this AkkaConfigurationBuilder akka) =>
        akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = Akka.Event.LogLevel.InfoLevel;
                loggers.ClearLoggers();
                loggers.AddLogger<AkkaToMicrosoftLogger>();
            })
            // Akka's last lines, written once the logger above has stopped, come in its own format: only warnings and errors,
            // which must not be lost, are worth the odd line.
            .AddHocon("akka.stdout-loglevel = WARNING", HoconAddMode.Prepend);
}
