namespace Actors.Domain.TaskDefinitions;

/// <summary>A data volume of a task definition (ECS <c>Volume</c>); containers mount it by name.</summary>
public sealed record Volume
{
    public string? Name { get; init; }
    public HostVolumeProperties? Host { get; init; }
    public DockerVolumeConfiguration? DockerVolumeConfiguration { get; init; }
    public EfsVolumeConfiguration? EfsVolumeConfiguration { get; init; }
    public FsxWindowsFileServerVolumeConfiguration? FsxWindowsFileServerVolumeConfiguration { get; init; }
    /// <summary>True when the volume is configured by RunTask, CreateService or UpdateService rather than here.</summary>
    public bool? ConfiguredAtLaunch { get; init; }
}

public sealed record HostVolumeProperties
{
    /// <summary>A path on the host; absent means Docker picks one that lives as long as the task.</summary>
    public string? SourcePath { get; init; }
}

public sealed record DockerVolumeConfiguration
{
    /// <summary><c>task</c> (removed with the task) or <c>shared</c>.</summary>
    public string? Scope { get; init; }
    public bool? Autoprovision { get; init; }
    public string? Driver { get; init; }
    public IReadOnlyDictionary<string, string>? DriverOpts { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

public sealed record EfsVolumeConfiguration
{
    public string? FileSystemId { get; init; }
    public string? RootDirectory { get; init; }
    /// <summary><c>ENABLED</c> or <c>DISABLED</c>.</summary>
    public string? TransitEncryption { get; init; }
    public int? TransitEncryptionPort { get; init; }
    public EfsAuthorizationConfig? AuthorizationConfig { get; init; }
}

public sealed record EfsAuthorizationConfig
{
    public string? AccessPointId { get; init; }
    /// <summary><c>ENABLED</c> or <c>DISABLED</c>.</summary>
    public string? Iam { get; init; }
}

public sealed record FsxWindowsFileServerVolumeConfiguration
{
    public string? FileSystemId { get; init; }
    public string? RootDirectory { get; init; }
    public FsxWindowsFileServerAuthorizationConfig? AuthorizationConfig { get; init; }
}

public sealed record FsxWindowsFileServerAuthorizationConfig
{
    public string? CredentialsParameter { get; init; }
    public string? Domain { get; init; }
}
