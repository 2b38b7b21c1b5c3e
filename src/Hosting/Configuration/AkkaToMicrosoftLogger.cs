using System.Collections.Concurrent;
using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Dispatch;
using Akka.Event;
using MicrosoftLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Actors.Hosting.Configuration;

/// <summary>
/// Akka's log sink writing to the host's ILoggerFactory with the logging class as category and the log source in the
/// message: Akka.Hosting's own sink passes Akka's whole formatted line (level, timestamp, thread) as the message, so
/// every line would carry two timestamps in two formats.
/// </summary>
public sealed class AkkaToMicrosoftLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly ConcurrentDictionary<Type, ILogger> loggers = new();

    public AkkaToMicrosoftLogger()
    {
        var factory = DependencyResolver.For(Context.System).Resolver.GetService<ILoggerFactory>();
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(log =>
        {
            // Sources given as strings (remoting, cluster) come with a placeholder class: "Akka" names them better.
            var logger = loggers.GetOrAdd(log.LogClass, type =>
                factory.CreateLogger(type == typeof(DummyClassForStringSources) ? "Akka" : type.FullName ?? type.Name));
            logger.Log(LevelOf(log.LogLevel()), log.Cause, "[{LogSource}] {Message}", log.LogSource, Text(log.Message));
        });
    }

    private static string? Text(object message)
    {
        try
        {
            return message is LogMessage formatted ? formatted.ToString() : message?.ToString();
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return $"(unformattable log message: {e.Message})";
        }
    }

    private static MicrosoftLogLevel LevelOf(Akka.Event.LogLevel level) => level switch
    {
        Akka.Event.LogLevel.DebugLevel => MicrosoftLogLevel.Debug,
        Akka.Event.LogLevel.InfoLevel => MicrosoftLogLevel.Information,
        Akka.Event.LogLevel.WarningLevel => MicrosoftLogLevel.Warning,
        _ => MicrosoftLogLevel.Error,
    };
}
