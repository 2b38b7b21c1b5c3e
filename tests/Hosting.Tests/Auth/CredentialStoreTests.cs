using System.Text.Json;
using System.Text.RegularExpressions;
using Actors.Hosting.Gateway.Auth;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Actors.Hosting.Tests.Auth;

public sealed partial class CredentialStoreTests : IDisposable
{
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "actors-credentials-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(dataDirectory)) Directory.Delete(dataDirectory, recursive: true);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void The_environment_pair_is_accepted_and_nothing_is_generated()
    {
        var store = CredentialStore.Load(Configuration(), dataDirectory,
            Environment(("ACTORS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001"), ("ACTORS_SECRET_ACCESS_KEY", "env-secret")));

        Assert.Equal("env-secret", store.FindSecret("AKIAENVIRONMENT00001"));
        Assert.Null(store.FindSecret("AKIAOTHER"));
        Assert.Null(store.GeneratedKeyFile);
        Assert.Null(store.StartupNotice);
        Assert.False(File.Exists(Path.Combine(dataDirectory, "credentials.json")));
    }

    [Fact]
    public void Configured_pairs_are_accepted_alongside_the_environment_pair()
    {
        var configuration = Configuration(
            ("Actors:Credentials:0:AccessKeyId", "AKIACONFIGURED000001"),
            ("Actors:Credentials:0:SecretAccessKey", "first-secret"),
            ("Actors:Credentials:1:accessKeyId", "AKIACONFIGURED000002"),
            ("Actors:Credentials:1:secretAccessKey", "second-secret"));

        var store = CredentialStore.Load(configuration, dataDirectory,
            Environment(("ACTORS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001"), ("ACTORS_SECRET_ACCESS_KEY", "env-secret")));

        Assert.Equal("first-secret", store.FindSecret("AKIACONFIGURED000001"));
        Assert.Equal("second-secret", store.FindSecret("AKIACONFIGURED000002"));
        Assert.Equal("env-secret", store.FindSecret("AKIAENVIRONMENT00001"));
        Assert.Equal(3, store.AccessKeyIds.Count);
        Assert.Null(store.GeneratedKeyFile);
    }

    [Fact]
    public void Keys_have_the_role_their_variables_or_entries_give_them_and_are_users_by_default()
    {
        var configuration = Configuration(
            ("Actors:Credentials:0:AccessKeyId", "AKIACONFIGUREDUSER01"),
            ("Actors:Credentials:0:SecretAccessKey", "user-secret"),
            ("Actors:Credentials:1:AccessKeyId", "AKIACONFIGUREDAGENT1"),
            ("Actors:Credentials:1:SecretAccessKey", "agent-secret"),
            ("Actors:Credentials:1:Role", "Agent"),
            ("Actors:Credentials:2:AccessKeyId", "AKIACONFIGUREDUSER02"),
            ("Actors:Credentials:2:SecretAccessKey", "other-user-secret"),
            ("Actors:Credentials:2:role", "user"));

        var store = CredentialStore.Load(configuration, dataDirectory, Environment(
            ("ACTORS_ACCESS_KEY_ID", "AKIAENVIRONMENTUSER1"), ("ACTORS_SECRET_ACCESS_KEY", "env-user-secret"),
            ("ACTORS_AGENT_ACCESS_KEY_ID", "AKIAENVIRONMENTAGENT"), ("ACTORS_AGENT_SECRET_ACCESS_KEY", "env-agent-secret")));

        Assert.Equal(KeyRole.User, store.RoleOf("AKIACONFIGUREDUSER01"));
        Assert.Equal(KeyRole.Agent, store.RoleOf("AKIACONFIGUREDAGENT1"));
        Assert.Equal(KeyRole.User, store.RoleOf("AKIACONFIGUREDUSER02"));
        Assert.Equal(KeyRole.User, store.RoleOf("AKIAENVIRONMENTUSER1"));
        Assert.Equal(KeyRole.Agent, store.RoleOf("AKIAENVIRONMENTAGENT"));
        Assert.Equal("env-agent-secret", store.FindSecret("AKIAENVIRONMENTAGENT"));
        Assert.Null(store.RoleOf("AKIAUNKNOWN"));
        Assert.Null(store.GeneratedKeyFile);
    }

    [Fact]
    public void An_unknown_role_stops_the_start_naming_the_entry()
    {
        var configuration = Configuration(
            ("Actors:Credentials:0:AccessKeyId", "AKIACONFIGURED000001"),
            ("Actors:Credentials:0:SecretAccessKey", "secret"),
            ("Actors:Credentials:0:Role", "admin"));

        var error = Assert.Throws<InvalidOperationException>(() => CredentialStore.Load(configuration, dataDirectory, NoEnvironment));

        Assert.Contains("Actors:Credentials:0", error.Message, StringComparison.Ordinal);
        Assert.Contains("admin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_key_id_with_two_roles_stops_the_start()
    {
        var configuration = Configuration(
            ("Actors:Credentials:0:AccessKeyId", "AKIACONFIGURED000001"),
            ("Actors:Credentials:0:SecretAccessKey", "secret"),
            ("Actors:Credentials:0:Role", "agent"));

        Assert.Throws<InvalidOperationException>(() => CredentialStore.Load(configuration, dataDirectory,
            Environment(("ACTORS_ACCESS_KEY_ID", "AKIACONFIGURED000001"), ("ACTORS_SECRET_ACCESS_KEY", "secret"))));
    }

    [Fact]
    public void Half_an_agent_environment_pair_stops_the_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            CredentialStore.Load(Configuration(), dataDirectory, Environment(("ACTORS_AGENT_SECRET_ACCESS_KEY", "agent-secret"))));

        Assert.Contains("ACTORS_AGENT_ACCESS_KEY_ID", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_only_agent_keys_configured_a_user_pair_is_still_generated()
    {
        var store = CredentialStore.Load(Configuration(), dataDirectory,
            Environment(("ACTORS_AGENT_ACCESS_KEY_ID", "AKIAENVIRONMENTAGENT"), ("ACTORS_AGENT_SECRET_ACCESS_KEY", "env-agent-secret")));

        Assert.NotNull(store.GeneratedKeyFile);
        var userKey = Assert.Single(store.AccessKeyIds, id => store.RoleOf(id) == KeyRole.User);
        Assert.NotEqual("AKIAENVIRONMENTAGENT", userKey);
        Assert.Equal(KeyRole.Agent, store.RoleOf("AKIAENVIRONMENTAGENT"));
    }

    [Fact]
    public void The_local_agent_gets_an_agent_key_of_its_own_kept_beside_its_instance_and_reused()
    {
        var configured = Environment(("ACTORS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001"), ("ACTORS_SECRET_ACCESS_KEY", "env-secret"));

        var first = CredentialStore.Load(Configuration(), dataDirectory, configured, withLocalAgentKey: true);
        var second = CredentialStore.Load(Configuration(), dataDirectory, configured, withLocalAgentKey: true);

        var key = first.LocalAgentKey!;
        Assert.Equal(key, second.LocalAgentKey);
        Assert.Equal(KeyRole.Agent, key.Role);
        Assert.Equal(KeyRole.Agent, first.RoleOf(key.AccessKeyId));
        Assert.Equal(key.SecretAccessKey, first.FindSecret(key.AccessKeyId));
        Assert.Matches(AwsAccessKeyId(), key.AccessKeyId);
        Assert.NotEqual("AKIAENVIRONMENT00001", key.AccessKeyId);
        Assert.Null(first.GeneratedKeyFile);

        var path = Path.Combine(dataDirectory, "agent", "credentials.json");
        using var file = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal(key.AccessKeyId, file.RootElement.GetProperty("AccessKeyId").GetString());
        Assert.Equal("agent", file.RootElement.GetProperty("Role").GetString());
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        Assert.Null(CredentialStore.Load(Configuration(), dataDirectory, configured).LocalAgentKey);
    }

    [Fact]
    public void A_user_key_file_where_the_local_agent_key_belongs_stops_the_start()
    {
        Directory.CreateDirectory(Path.Combine(dataDirectory, "agent"));
        var path = Path.Combine(dataDirectory, "agent", "credentials.json");
        File.WriteAllText(path, """{ "AccessKeyId": "AKIAPASTEDUSERKEY001", "SecretAccessKey": "user-secret" }""");

        var error = Assert.Throws<InvalidOperationException>(() => CredentialStore.Load(Configuration(), dataDirectory,
            Environment(("ACTORS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001"), ("ACTORS_SECRET_ACCESS_KEY", "env-secret")), withLocalAgentKey: true));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Half_an_environment_pair_stops_the_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            CredentialStore.Load(Configuration(), dataDirectory, Environment(("ACTORS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001"))));

        Assert.Contains("ACTORS_SECRET_ACCESS_KEY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configured_entry_without_secret_stops_the_start()
    {
        var configuration = Configuration(("Actors:Credentials:0:AccessKeyId", "AKIACONFIGURED000001"));

        var error = Assert.Throws<InvalidOperationException>(() => CredentialStore.Load(configuration, dataDirectory, NoEnvironment));

        Assert.Contains("Actors:Credentials:0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_key_id_with_two_secrets_stops_the_start()
    {
        var configuration = Configuration(
            ("Actors:Credentials:0:AccessKeyId", "AKIACONFIGURED000001"),
            ("Actors:Credentials:0:SecretAccessKey", "first-secret"),
            ("Actors:Credentials:1:AccessKeyId", "AKIACONFIGURED000001"),
            ("Actors:Credentials:1:SecretAccessKey", "other-secret"));

        Assert.Throws<InvalidOperationException>(() => CredentialStore.Load(configuration, dataDirectory, NoEnvironment));
    }

    [Fact]
    public void Without_configured_keys_a_pair_is_generated_once_and_reused_by_the_next_start()
    {
        var first = CredentialStore.Load(Configuration(), dataDirectory, NoEnvironment);
        var second = CredentialStore.Load(Configuration(), dataDirectory, NoEnvironment);

        var path = Path.Combine(dataDirectory, "credentials.json");
        Assert.Equal(Path.GetFullPath(path), first.GeneratedKeyFile);
        Assert.True(first.GeneratedOnThisStart);
        Assert.Equal($"No keys configured: generated a key pair in {first.GeneratedKeyFile}", first.StartupNotice);
        Assert.False(second.GeneratedOnThisStart);
        Assert.Equal(first.GeneratedKeyFile, second.GeneratedKeyFile);

        var keyId = Assert.Single(first.AccessKeyIds);
        Assert.Equal(keyId, Assert.Single(second.AccessKeyIds));
        Assert.Equal(first.FindSecret(keyId), second.FindSecret(keyId));
        Assert.Matches(AwsAccessKeyId(), keyId);
        Assert.Equal(40, first.FindSecret(keyId)!.Length);
        Assert.Contains(keyId, File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dataDirectory, "*.tmp"));
    }

    [Fact]
    public void The_generated_file_names_its_fields_as_configuration_does()
    {
        var store = CredentialStore.Load(Configuration(), dataDirectory, NoEnvironment);
        var keyId = Assert.Single(store.AccessKeyIds);

        using var file = JsonDocument.Parse(File.ReadAllText(store.GeneratedKeyFile!));
        Assert.Equal(["AccessKeyId", "SecretAccessKey", "Role"], file.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(keyId, file.RootElement.GetProperty("AccessKeyId").GetString());
        Assert.Equal(store.FindSecret(keyId), file.RootElement.GetProperty("SecretAccessKey").GetString());
        Assert.Equal("user", file.RootElement.GetProperty("Role").GetString());
    }

    [Fact]
    public void A_key_file_written_in_the_earlier_camel_case_form_still_loads()
    {
        Directory.CreateDirectory(dataDirectory);
        File.WriteAllText(Path.Combine(dataDirectory, "credentials.json"),
            """{ "accessKeyId": "AKIAOLDFORM000000001", "secretAccessKey": "old-secret" }""");

        var store = CredentialStore.Load(Configuration(), dataDirectory, NoEnvironment);

        Assert.Equal("old-secret", store.FindSecret("AKIAOLDFORM000000001"));
        Assert.Equal(KeyRole.User, store.RoleOf("AKIAOLDFORM000000001"));
        Assert.False(store.GeneratedOnThisStart);
    }

    [Fact]
    public void The_generated_file_is_readable_by_its_owner_only()
    {
        if (OperatingSystem.IsWindows()) return; // Unix file modes only; xunit 2 has no dynamic skip.

        var store = CredentialStore.Load(Configuration(), dataDirectory, NoEnvironment);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.GeneratedKeyFile!));
    }

    [Fact]
    public void A_corrupt_key_file_stops_the_start_with_its_path()
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, "credentials.json");
        File.WriteAllText(path, "{ not json");

        var error = Assert.Throws<InvalidOperationException>(() => CredentialStore.Load(Configuration(), dataDirectory, NoEnvironment));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_pairs_look_like_aws_keys_and_differ()
    {
        var pairs = Enumerable.Range(0, 20).Select(_ => CredentialStore.GenerateKeyPair()).ToList();

        Assert.All(pairs, p => Assert.Matches(AwsAccessKeyId(), p.AccessKeyId));
        Assert.All(pairs, p => Assert.Matches("^[A-Za-z0-9+/]{40}$", p.SecretAccessKey));
        Assert.Equal(20, pairs.Select(p => p.AccessKeyId).Distinct().Count());
        Assert.Equal(20, pairs.Select(p => p.SecretAccessKey).Distinct().Count());
    }

    [Fact]
    public async Task Lookups_from_many_threads_agree()
    {
        var store = CredentialStore.FromPairs(Enumerable.Range(0, 50).Select(i => new AccessKeyPair($"AKIA{i:D16}", $"secret-{i}")));

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => store.FindSecret($"AKIA{i % 50:D16}"))));

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"secret-{i % 50}"), results);
    }

    [GeneratedRegex("^AKIA[A-Z2-7]{16}$")]
    private static partial Regex AwsAccessKeyId();
}
