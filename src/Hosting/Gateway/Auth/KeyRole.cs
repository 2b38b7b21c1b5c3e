namespace Actors.Hosting.Gateway.Auth;

/// <summary>
/// What a key may call. User keys call ECS's API; agent keys call what a container agent needs - the agent protocol,
/// RegisterContainerInstance, and CreateCluster for the cluster it is told to join - and nothing more. Flags, so that an
/// action names every role allowed to call it.
/// </summary>
[Flags]
public enum KeyRole
{
    User = 1,
    Agent = 2,
}

public static class KeyRoles
{
    /// <summary>The role as configuration and key files spell it: "user" or "agent".</summary>
    public static string Name(KeyRole role) => role switch
    {
        KeyRole.User => "user",
        KeyRole.Agent => "agent",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "A key has exactly one role."),
    };

    /// <summary>A configured role, case-insensitive; absent is "user", which keys configured before roles existed are.</summary>
    /// <param name="where">Names the setting in the error, so a bad configuration stops the start with where to look.</param>
    public static KeyRole Parse(string? text, string where) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "user" => KeyRole.User,
        "agent" => KeyRole.Agent,
        _ => throw new InvalidOperationException($"{where}: Role must be \"user\" or \"agent\", not \"{text}\"."),
    };
}
