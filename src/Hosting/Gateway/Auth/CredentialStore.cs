using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Actors.Hosting.Gateway.Auth;

/// <summary>An access key id and its secret, as AWS clients are configured with them.</summary>
public sealed record AccessKeyPair(string AccessKeyId, string SecretAccessKey);

/// <summary>
/// The key pairs the gateway accepts: ACTORS_ACCESS_KEY_ID / ACTORS_SECRET_ACCESS_KEY from the environment plus the
/// array in configuration section Actors:Credentials. When neither names a pair, a pair is generated once into
/// &lt;data-dir&gt;/credentials.json (mode 0600) and reused on every later start. Immutable once loaded, so lookups
/// are thread-safe.
/// </summary>
public sealed class CredentialStore
{
    public const string AccessKeyIdVariable = "ACTORS_ACCESS_KEY_ID";
    public const string SecretAccessKeyVariable = "ACTORS_SECRET_ACCESS_KEY";
    public const string ConfigurationSection = "Actors:Credentials";
    public const string GeneratedFileName = "credentials.json";

    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    // Written with the names of an Actors:Credentials entry, so the file's contents can be pasted into configuration;
    // read case-insensitively, so files written in the earlier camelCase form (accessKeyId) still load.
    private static readonly JsonSerializerOptions FileJson = new() { WriteIndented = true, PropertyNameCaseInsensitive = true };

    private readonly FrozenDictionary<string, string> secretsByKeyId;

    private CredentialStore(IEnumerable<AccessKeyPair> pairs, string? generatedKeyFile, bool generatedOnThisStart)
    {
        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            if (byId.TryGetValue(pair.AccessKeyId, out var known) && known != pair.SecretAccessKey)
                throw new InvalidOperationException($"Access key id {pair.AccessKeyId} is configured twice with different secrets.");
            byId[pair.AccessKeyId] = pair.SecretAccessKey;
        }
        secretsByKeyId = byId.ToFrozenDictionary(StringComparer.Ordinal);
        GeneratedKeyFile = generatedKeyFile;
        GeneratedOnThisStart = generatedOnThisStart;
    }

    /// <summary>The file the keys came from when none were configured; null when keys are configured.</summary>
    public string? GeneratedKeyFile { get; }

    /// <summary>True when this start created <see cref="GeneratedKeyFile"/> (false when it reused one).</summary>
    public bool GeneratedOnThisStart { get; }

    /// <summary>What the host should print at start-up about generated keys; null when keys are configured.</summary>
    public string? StartupNotice => GeneratedKeyFile is null
        ? null
        : GeneratedOnThisStart
            ? $"No keys configured: generated a key pair in {GeneratedKeyFile}"
            : $"No keys configured: using the key pair generated earlier in {GeneratedKeyFile}";

    public IReadOnlyCollection<string> AccessKeyIds => secretsByKeyId.Keys;

    /// <summary>The secret of an access key id, or null when the key is unknown. Matches <see cref="SigV4Verifier"/>'s lookup.</summary>
    public string? FindSecret(string accessKeyId) => secretsByKeyId.GetValueOrDefault(accessKeyId);

    /// <summary>A store over explicit pairs (tests, embedding).</summary>
    public static CredentialStore FromPairs(IEnumerable<AccessKeyPair> pairs) => new(pairs, null, false);

    /// <param name="readEnvironment">Reads an environment variable; defaults to the process environment.</param>
    public static CredentialStore Load(IConfiguration configuration, string dataDirectory, Func<string, string?>? readEnvironment = null)
    {
        var pairs = ConfiguredPairs(configuration, readEnvironment ?? Environment.GetEnvironmentVariable);
        if (pairs.Count > 0) return new CredentialStore(pairs, null, false);

        var path = Path.GetFullPath(Path.Combine(dataDirectory, GeneratedFileName));
        var (pair, generated) = ReadOrGenerate(path);
        return new CredentialStore([pair], path, generated);
    }

    private static List<AccessKeyPair> ConfiguredPairs(IConfiguration configuration, Func<string, string?> readEnvironment)
    {
        var pairs = new List<AccessKeyPair>();
        var envKey = readEnvironment(AccessKeyIdVariable);
        var envSecret = readEnvironment(SecretAccessKeyVariable);
        if (!string.IsNullOrEmpty(envKey) || !string.IsNullOrEmpty(envSecret))
        {
            if (string.IsNullOrEmpty(envKey) || string.IsNullOrEmpty(envSecret))
                throw new InvalidOperationException($"Set both {AccessKeyIdVariable} and {SecretAccessKeyVariable}, or neither.");
            pairs.Add(new AccessKeyPair(envKey, envSecret));
        }

        var section = configuration.GetSection(ConfigurationSection);
        foreach (var entry in section.GetChildren())
        {
            // Configuration keys are case-insensitive, so accessKeyId in JSON or ACTORS__CREDENTIALS__0__ACCESSKEYID both bind.
            var accessKeyId = entry[nameof(AccessKeyPair.AccessKeyId)];
            var secretAccessKey = entry[nameof(AccessKeyPair.SecretAccessKey)];
            if (string.IsNullOrEmpty(accessKeyId) || string.IsNullOrEmpty(secretAccessKey))
                throw new InvalidOperationException($"{ConfigurationSection}:{entry.Key} needs both AccessKeyId and SecretAccessKey.");
            pairs.Add(new AccessKeyPair(accessKeyId, secretAccessKey));
        }
        return pairs;
    }

    /// <summary>A fresh pair shaped like AWS's: AKIA + 16 base32 characters, a 40-character secret; cryptographically random.</summary>
    public static AccessKeyPair GenerateKeyPair() => new(
        "AKIA" + RandomNumberGenerator.GetString(Base32Alphabet, 16),
        RandomNumberGenerator.GetString(SecretAlphabet, 40));

    private static (AccessKeyPair Pair, bool Generated) ReadOrGenerate(string path)
    {
        if (File.Exists(path)) return (ReadKeyFile(path), false);

        Configuration.DataDirectory.EnsurePrivate(Path.GetDirectoryName(path)!);
        var pair = GenerateKeyPair();
        // Written to a private temporary file and moved into place, so no reader ever sees a partial file and two
        // instances starting together agree on one pair (the loser of the move adopts the winner's).
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
            JsonSerializer.Serialize(stream, new KeyFile { AccessKeyId = pair.AccessKeyId, SecretAccessKey = pair.SecretAccessKey }, FileJson);
        try
        {
            File.Move(temporary, path, overwrite: false);
            return (pair, true);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return (ReadKeyFile(path), false);
        }
    }

    private static AccessKeyPair ReadKeyFile(string path)
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
        return new AccessKeyPair(file.AccessKeyId, file.SecretAccessKey);
    }

    private sealed class KeyFile
    {
        public string? AccessKeyId { get; set; }
        public string? SecretAccessKey { get; set; }
    }
}
