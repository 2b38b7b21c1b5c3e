using System.Globalization;
using System.Text.RegularExpressions;

namespace Actors.Domain.TaskDefinitions;

/// <summary>
/// Task-level cpu and memory as ECS reads them: cpu as CPU units (<c>"1024"</c>) or vCPUs (<c>"1 vCPU"</c>, <c>"0.25 vcpu"</c>),
/// memory as MiB (<c>"2048"</c>) or GB (<c>"2 GB"</c>, <c>"0.5GB"</c>). ECS stores and answers the normalised integer as a string.
/// </summary>
public static partial class ResourceUnits
{
    public const int CpuUnitsPerVcpu = 1024;
    public const int MebibytesPerGigabyte = 1024;

    [GeneratedRegex(@"^\s*(\d+)\s*$")]
    private static partial Regex PlainInteger();

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*vcpu\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Vcpus();

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*gb\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Gigabytes();

    /// <summary>CPU units for <paramref name="text"/>, or null when it is neither an integer nor a whole number of units in vCPUs.</summary>
    public static int? ParseCpu(string text) => Parse(text, Vcpus(), CpuUnitsPerVcpu);

    /// <summary>MiB for <paramref name="text"/>, or null when it is neither an integer nor a whole number of MiB in GB.</summary>
    public static int? ParseMemory(string text) => Parse(text, Gigabytes(), MebibytesPerGigabyte);

    private static int? Parse(string text, Regex scaled, int scale)
    {
        var plain = PlainInteger().Match(text);
        if (plain.Success)
            return int.TryParse(plain.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        var match = scaled.Match(text);
        if (!match.Success) return null;
        if (!decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            || amount > int.MaxValue / scale)
            return null;
        var units = amount * scale;
        // "0.3 vCPU" is 307.2 units: ECS needs whole units, so such values are refused rather than rounded.
        return units == decimal.Truncate(units) ? (int)units : null;
    }
}
