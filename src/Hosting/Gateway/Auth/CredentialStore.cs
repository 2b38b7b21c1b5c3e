using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Actors.Hosting.Gateway.Auth;

/// <summary>An access key id and its secret, as AWS clients are configured with them, and what the key may call.</summary>
public sealed record AccessKeyPair(string AccessKeyId, string SecretAccessKey, KeyRole Role = KeyRole.User);

/// <summary>
/// The key pairs the gateway accepts: user keys from ACTORS_ACCESS_KEY_ID / ACTORS_SECRET_ACCESS_KEY, agent keys from
/// ACTORS_AGENT_ACCESS_KEY_ID / ACTORS_AGENT_SECRET_ACCESS_KEY (the variables <c>actors agent</c> reads), and the array
/// in configuration section Actors:Credentials, each entry a user key unless it says <c>"Role": "agent"</c>. When no
/// user key is configured, a pair is generated once into &lt;data-dir&gt;/credentials.json (mode 0600) and reused on
/// every later start. The local agent of <c>serve</c> gets an agent key of its own, generated the same way into
/// &lt;data-dir&gt;/agent/credentials.json beside the instance it remembers. Immutable once loaded, so lookups are
/// thread-safe.
/// </summary>
public sealed class CredentialStore
{
    public const string AccessKeyIdVariable = "ACTORS_ACCESS_KEY_ID";
    public const string SecretAccessKeyVariable = "ACTORS_SECRET_ACCESS_KEY";
    public const string AgentAccessKeyIdVariable = "ACTORS_AGENT_ACCESS_KEY_ID";
    public const string AgentSecretAccessKeyVariable = "ACTORS_AGENT_SECRET_ACCESS_KEY";
    public const string ConfigurationSection = "Actors:Credentials";
    public const string GeneratedFileName = "credentials.json";
    /// <summary>The local agent's key pair, in the directory where that agent remembers its container instance.</summary>
    public static readonly string LocalAgentKeyFile = Path.Combine(Configuration.LocalAgent.StateDirectoryName, GeneratedFileName);

    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    // Written with the names of an Actors:Credentials entry, so the file's contents can be pasted into configuration;
    // read case-insensitively, so files written in the earlier camelCase form (accessKeyId) still load.
    private static readonly JsonSerializerOptions FileJson = new() { WriteIndented = true, PropertyNameCaseInsensitive = true };

    private readonly FrozenDictionary<string, AccessKeyPair> keysById;

    private CredentialStore(IEnumerable<AccessKeyPair> pairs, string? generatedKeyFile, bool generatedOnThisStart, AccessKeyPair? localAgentKey)
    {
        var byId = new Dictionary<string, AccessKeyPair>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            if (byId.TryGetValue(pair.AccessKeyId, out var known) && known.SecretAccessKey != pair.SecretAccessKey)
                throw new InvalidOperationException($"Access key id {pair.AccessKeyId} is configured twice with different secrets.");
            if (known is not null && known.Role != pair.Role)
                throw new InvalidOperationException($"Access key id {pair.AccessKeyId} is configured twice with different roles.");
            byId[pair.AccessKeyId] = pair;
        }
        keysById = byId.ToFrozenDictionary(StringComparer.Ordinal);
        GeneratedKeyFile = generatedKeyFile;
        GeneratedOnThisStart = generatedOnThisStart;
        LocalAgentKey = localAgentKey;
    }

    /// <summary>The file the user key came from when none was configured; null when user keys are configured.</summary>
    public string? GeneratedKeyFile { get; }

    /// <summary>True when this start created <see cref="GeneratedKeyFile"/> (false when it reused one).</summary>
    public bool GeneratedOnThisStart { get; }

    /// <summary>What the host should print at start-up about generated keys; null when keys are configured.</summary>
    public string? StartupNotice => GeneratedKeyFile is null
        ? null
        : GeneratedOnThisStart
            ? $"No keys configured: generated a key pair in {GeneratedKeyFile}"
            : $"No keys configured: using the key pair generated earlier in {GeneratedKeyFile}";

    /// <summary>The key pair the local agent of <c>serve</c> signs with; null when it was not asked for.</summary>
    public AccessKeyPair? LocalAgentKey { get; }

    public IReadOnlyCollection<string> AccessKeyIds => keysById.Keys;

    /// <summary>The secret of an access key id, or null when the key is unknown. Matches <see cref="SigV4Verifier"/>'s lookup.</summary>
    public string? FindSecret(string accessKeyId) => keysById.GetValueOrDefault(accessKeyId)?.SecretAccessKey;

    /// <summary>The role of an access key id, or null when the key is unknown.</summary>
    public KeyRole? RoleOf(string accessKeyId) => keysById.GetValueOrDefault(accessKeyId)?.Role;

    /// <summary>A store over explicit pairs (tests, embedding).</summary>
    public static CredentialStore FromPairs(IEnumerable<AccessKeyPair> pairs) => new(pairs, null, false, null);

    /// <param name="readEnvironment">Reads an environment variable; defaults to the process environment.</param>
    /// <param name="withLocalAgentKey">Also read (or generate) the local agent's key pair (<see cref="LocalAgentKey"/>).</param>
    public static CredentialStore Load(
        IConfiguration configuration, string dataDirectory, Func<string, string?>? readEnvironment = null, bool withLocalAgentKey = false)
    {
        var pairs = ConfiguredPairs(configuration, readEnvironment ?? Environment.GetEnvironmentVariable);
        string? generatedFile = null;
        var generated = false;
        if (!pairs.Exists(pair => pair.Role == KeyRole.User))
        {
            generatedFile = Path.GetFullPath(Path.Combine(dataDirectory, GeneratedFileName));
            (var userKey, generated) = ReadOrGenerate(generatedFile, KeyRole.User);
            pairs.Add(userKey);
        }
        AccessKeyPair? localAgentKey = null;
        if (withLocalAgentKey)
        {
            (localAgentKey, _) = ReadOrGenerate(Path.GetFullPath(Path.Combine(dataDirectory, LocalAgentKeyFile)), KeyRole.Agent);
            pairs.Add(localAgentKey);
        }
        return new CredentialStore(pairs, generatedFile, generated, localAgentKey);
    }

    private static List<AccessKeyPair> ConfiguredPairs(IConfiguration configuration, Func<string, string?> readEnvironment)
    {
        var pairs = new List<AccessKeyPair>();
        foreach (var (idVariable, secretVariable, role) in new[]
                 {
                     (AccessKeyIdVariable, SecretAccessKeyVariable, KeyRole.User),
                     (AgentAccessKeyIdVariable, AgentSecretAccessKeyVariable, KeyRole.Agent),
                 })
        {
            var envKey = readEnvironment(idVariable);
            var envSecret = readEnvironment(secretVariable);
            if (string.IsNullOrEmpty(envKey) && string.IsNullOrEmpty(envSecret)) continue;
            if (string.IsNullOrEmpty(envKey) || string.IsNullOrEmpty(envSecret))
                throw new InvalidOperationException($"Set both {idVariable} and {secretVariable}, or neither.");
            pairs.Add(new AccessKeyPair(envKey, envSecret, role));
        }

        var section = configuration.GetSection(ConfigurationSection);
        foreach (var entry in section.GetChildren())
        {
            // Configuration keys are case-insensitive, so accessKeyId in JSON or ACTORS__CREDENTIALS__0__ACCESSKEYID both bind.
            var accessKeyId = entry[nameof(AccessKeyPair.AccessKeyId)];
            var secretAccessKey = entry[nameof(AccessKeyPair.SecretAccessKey)];
            if (string.IsNullOrEmpty(accessKeyId) || string.IsNullOrEmpty(secretAccessKey))
                throw new InvalidOperationException($"{ConfigurationSection}:{entry.Key} needs both AccessKeyId and SecretAccessKey.");
            pairs.Add(new AccessKeyPair(accessKeyId, secretAccessKey,
                KeyRoles.Parse(entry[nameof(AccessKeyPair.Role)], $"{ConfigurationSection}:{entry.Key}")));
        }
        return pairs;
    }

    /// <summary>A fresh pair shaped like AWS's: AKIA + 16 base32 characters, a 40-character secret; cryptographically random.</summary>
    public static AccessKeyPair GenerateKeyPair() => new(
        "AKIA" + RandomNumberGenerator.GetString(Base32Alphabet, 16),
        RandomNumberGenerator.GetString(SecretAlphabet, 40));

    private static (AccessKeyPair Pair, bool Generated) ReadOrGenerate(string path, KeyRole role)
    {
        if (File.Exists(path)) return (ReadKeyFile(path, role), false);

        Configuration.DataDirectory.EnsurePrivate(Path.GetDirectoryName(path)!);
        var pair = GenerateKeyPair() with { Role = role };
        // Written to a private temporary file and moved into place, so no reader ever sees a partial file and two
        // instances starting together agree on one pair (the loser of the move adopts the winner's).
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
            JsonSerializer.Serialize(stream,
                new KeyFile { AccessKeyId = pair.AccessKeyId, SecretAccessKey = pair.SecretAccessKey, Role = KeyRoles.Name(role) }, FileJson);
        try
        {
            File.Move(temporary, path, overwrite: false);
            return (pair, true);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return (ReadKeyFile(path, role), false);
        }
    }

    /// <summary>A key file holds one pair of the role it is kept for; a file without a Role (written before roles existed) is a user key's.</summary>
    private static AccessKeyPair ReadKeyFile(string path, KeyRole role)
    {
        KeyFile? file;
        try
        {
            file = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(path), FileJson);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{path} is not a valid key file ({e.Message}); delete it to generate a new pair.", e);
        }
        if (file is null || string.IsNullOrEmpty(file.AccessKeyId) || string.IsNullOrEmpty(file.SecretAccessKey))
            throw new InvalidOperationException($"{path} lacks AccessKeyId or SecretAccessKey; delete it to generate a new pair.");
        if (KeyRoles.Parse(file.Role, path) != role)
            throw new InvalidOperationException($"{path} holds a key of role \"{file.Role}\" where a {KeyRoles.Name(role)} key belongs; delete it to generate a new pair.");
        return new AccessKeyPair(file.AccessKeyId, file.SecretAccessKey, role);
    }

    private sealed class KeyFile
    {
        public string? AccessKeyId { get; set; }
        public string? SecretAccessKey { get; set; }
        public string? Role { get; set; }
    }
}
